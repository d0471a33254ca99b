/**
 * Synthesizes the app as `cdk synth` does (same builder, same cdk.json context) into a temporary
 * directory, and answers questions about the templates. Each test file synthesizes once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { PROJECT_ROOT } from '../../../infra/bundling.ts';
import { buildJunctionApp, type JunctionApp } from '../../../infra/junction-app.ts';

/** A resource as it appears in a synthesized template. */
export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

export interface Synthesized extends JunctionApp {
  outdir: string;
  dataTemplate: Template;
  /** Absent while the app has no workflows stack. */
  workflowsTemplate: Template | undefined;
  apiTemplate: Template;
  eventsTemplate: Template;
  /** The template of the stack a construct is in (route functions live in the API or the events stack). */
  templateOf(construct: IConstruct): Template;
  /** The error synthesis threw (a failed validation), if it did. */
  synthError?: Error;
  cleanUp(): void;
}

const cdkContext = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;

/**
 * `bundle: false` skips esbuild (CDK's own `aws:cdk:bundling-stacks` switch), for tests that only
 * read templates. `beforeSynth` may add constructs to the app first.
 */
/** What a deployer passes with `-c`: where links point and which SES domain mail comes from. */
export const DEPLOYMENT_CONTEXT = {
  'junction:publicUrl': 'https://crm.example.com/',
  'junction:emailDomain': 'mail.example.com',
  'junction:erpUrl': 'https://erp.example.com',
  'junction:erpTokenParameter': '/junction/erp-token',
};

export function synthesize(
  options: {
    bundle: boolean;
    beforeSynth?: (app: JunctionApp) => void;
    /** @default DEPLOYMENT_CONTEXT */
    deployment?: Record<string, unknown>;
  } = { bundle: false },
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'junction-cdk-'));
  const cleanUp = () => rmSync(outdir, { recursive: true, force: true });
  let junction: JunctionApp;
  try {
    junction = buildJunctionApp({
      outdir,
      context: {
        ...cdkContext(),
        ...(options.deployment ?? DEPLOYMENT_CONTEXT),
        // The CLI sets this too: the template then names each function's asset directory.
        'aws:cdk:enable-asset-metadata': true,
        ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      },
    });
    options.beforeSynth?.(junction);
  } catch (error) {
    cleanUp();
    throw error;
  }
  let synthError: Error | undefined;
  let assembly: ReturnType<typeof junction.app.synth> | undefined;
  try {
    assembly = junction.app.synth();
  } catch (error) {
    synthError = error as Error;
  }
  const templateOf = (stack: Stack) =>
    Template.fromJSON(
      assembly
        ? assembly.getStackArtifact(stack.artifactId).template
        : JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')),
    );
  return {
    ...junction,
    outdir,
    dataTemplate: templateOf(junction.data),
    workflowsTemplate: junction.workflows ? templateOf(junction.workflows) : undefined,
    apiTemplate: templateOf(junction.api),
    eventsTemplate: templateOf(junction.events),
    templateOf: (construct: IConstruct) => templateOf(Stack.of(construct)),
    ...(synthError ? { synthError } : {}),
    cleanUp,
  };
}

/** The logical id CloudFormation knows a construct's main resource by. */
export function logicalIdOf(element: { node: { defaultChild?: unknown } }): string {
  const child = element.node.defaultChild as CfnElement | undefined;
  if (!child) throw new Error('the construct has no CloudFormation resource');
  return Stack.of(child).getLogicalId(child);
}

/** Every statement of every IAM policy attached to the role with the given logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as CfnResourceJson[];
  return policies
    .filter((policy) =>
      (policy.Properties?.Roles as unknown[] | undefined)?.some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap(
      (policy) =>
        (policy.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] } | undefined)?.Statement ??
        [],
    );
}

export const actionsOf = (statements: readonly PolicyStatementJson[]): string[] =>
  statements.flatMap((statement) =>
    Array.isArray(statement.Action) ? statement.Action : [statement.Action],
  );

/** A function resource's environment variables, as the template gives them. */
export const variablesOf = (fn: CfnResourceJson): Record<string, unknown> =>
  (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
