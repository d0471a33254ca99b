/**
 * An execution's id in this API: `{workflow}.{name}`, e.g. `quote-approval.apr_01JD…`. It is
 * readable and URL-safe as it stands for names made of letters, digits, `-`, `_` and `.` (every
 * name the product gives). Step Functions allows more in a name (Unicode, `!`, `'`, `(`, `@` …),
 * so any other name travels base64url-encoded after a `~`: `{workflow}.~{base64url(name)}`.
 * Workflow names are kebab-case (no `.`) and `~` is not allowed in execution names, so both
 * forms split back unambiguously. The id names a workflow, not a state machine ARN, so it is
 * the same on AWS and locally and leaks no account number.
 */
import { WORKFLOW_NAME } from '#schemas/execution';

const PLAIN_NAME = /^[A-Za-z0-9_.-]{1,80}$/;
const ENCODED_NAME = /^~[A-Za-z0-9_-]{1,120}$/;

/** AWS's rule for execution names: 1–80 characters, none of whitespace, brackets, wildcards or `" # % \ ^ | ~ \` $ & , ; : /`, nor control characters. */
export function isExecutionName(name: string): boolean {
  return (
    name.length >= 1 &&
    name.length <= 80 &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what the rule forbids
    !/[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/.test(name)
  );
}

export function executionId(workflow: string, name: string): string {
  if (PLAIN_NAME.test(name)) return `${workflow}.${name}`;
  return `${workflow}.~${Buffer.from(name, 'utf8').toString('base64url')}`;
}

/** The workflow and name an id stands for; undefined when it cannot be an id at all. */
export function parseExecutionId(id: string): { workflow: string; name: string } | undefined {
  if (id.length > 220) return undefined;
  const dot = id.indexOf('.');
  if (dot < 1) return undefined;
  const workflow = id.slice(0, dot);
  const rest = id.slice(dot + 1);
  if (workflow.length > 80 || !WORKFLOW_NAME.test(workflow)) return undefined;
  let name: string;
  if (ENCODED_NAME.test(rest)) {
    name = Buffer.from(rest.slice(1), 'base64url').toString('utf8');
    // Only the canonical encoding of a name that needs one: one execution, one id.
    if (PLAIN_NAME.test(name) || executionId(workflow, name) !== id) return undefined;
  } else if (PLAIN_NAME.test(rest)) name = rest;
  else return undefined;
  return isExecutionName(name) ? { workflow, name } : undefined;
}
