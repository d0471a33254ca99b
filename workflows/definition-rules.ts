/**
 * The house rules every workflow definition follows, beyond what makes it valid ASL. They are
 * checked by a test over every file in this folder (test/workflow/definitions.test.ts), so a
 * flow cannot reach AWS or the local hub without them:
 *
 *   - every Task retries transient failures with exponential backoff and full jitter, so a
 *     throttled or briefly failing dependency does not fail a flow (nor all retries land at once);
 *   - every Task has a Catch, so a failure ends in a state the flow chose (and records), never
 *     in an execution that just stops;
 *   - every `.waitForTaskToken` Task has a timeout: a callback that never comes must not hold
 *     an execution (and its Standard-workflow bill) for the service's one-year maximum;
 *   - JSONPath only: the local runtime does not run JSONata, and one language keeps flows
 *     readable side by side.
 */

type Json = Record<string, unknown>;

export interface StateRef {
  /** The state's name, prefixed by the Parallel branches / Map processors it sits in. */
  path: string;
  state: Json;
}

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every state of a definition, including those inside Parallel branches and Map processors. */
export function allStates(machine: Json, prefix = ''): StateRef[] {
  const states = isObject(machine.States) ? machine.States : {};
  const found: StateRef[] = [];
  for (const [name, state] of Object.entries(states)) {
    if (!isObject(state)) continue;
    const path = `${prefix}${name}`;
    found.push({ path, state });
    if (Array.isArray(state.Branches))
      state.Branches.forEach((branch, i) => {
        if (isObject(branch)) found.push(...allStates(branch, `${path} › branch ${i + 1} › `));
      });
    const processor = state.ItemProcessor ?? state.Iterator;
    if (isObject(processor)) found.push(...allStates(processor, `${path} › `));
  }
  return found;
}

/** Problems with a parsed definition; empty when it follows every rule. */
export function definitionRuleProblems(machine: Json): string[] {
  const problems: string[] = [];
  if (machine.QueryLanguage === 'JSONata')
    problems.push('the definition uses QueryLanguage JSONata; write it in JSONPath');
  for (const { path, state } of allStates(machine)) {
    if (state.QueryLanguage === 'JSONata') problems.push(`"${path}" uses QueryLanguage JSONata`);
    if (state.Type !== 'Task') continue;
    const retries = Array.isArray(state.Retry) ? state.Retry.filter(isObject) : [];
    if (retries.length === 0) problems.push(`Task "${path}" has no Retry`);
    for (const [i, retry] of retries.entries()) {
      const rate = retry.BackoffRate ?? 2; // the service's default when omitted
      if (typeof rate !== 'number' || rate <= 1)
        problems.push(`Task "${path}" Retry #${i + 1} does not back off (BackoffRate must be above 1)`);
      if (retry.JitterStrategy !== 'FULL')
        problems.push(`Task "${path}" Retry #${i + 1} has no jitter (JitterStrategy must be FULL)`);
    }
    if (!Array.isArray(state.Catch) || state.Catch.length === 0) problems.push(`Task "${path}" has no Catch`);
    const resource = typeof state.Resource === 'string' ? state.Resource : '';
    if (
      resource.endsWith('.waitForTaskToken') &&
      state.TimeoutSeconds === undefined &&
      state.TimeoutSecondsPath === undefined
    )
      problems.push(`Task "${path}" waits for a task token without TimeoutSeconds or TimeoutSecondsPath`);
  }
  return problems;
}
