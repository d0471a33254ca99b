/** ARNs as Step Functions and Lambda spell them, in the local account and region. */
import { LOCAL_ACCOUNT, LOCAL_REGION } from '#local/lambda';

const STATES_PREFIX = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:`;

export const stateMachineArn = (name: string) => `${STATES_PREFIX}stateMachine:${name}`;

export const executionArn = (stateMachine: string, name: string) =>
  `${STATES_PREFIX}execution:${stateMachine}:${name}`;

/** Express executions have their own resource type, and a run id that keeps equal names apart. */
export const expressExecutionArn = (stateMachine: string, name: string, runId: string) =>
  `${STATES_PREFIX}express:${stateMachine}:${name}:${runId}`;

export const LOCAL_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/junction-local-stepfunctions`;

export const lambdaFunctionArn = (functionName: string) =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`;

export interface ParsedArn {
  resourceType: string;
  /** The parts after the resource type, split on `:`. */
  parts: string[];
}

const ARN = /^arn:aws:states:([a-z0-9-]+):(\d{12}):([A-Za-z]+):(.+)$/;

export function parseStatesArn(arn: string): ParsedArn | undefined {
  const match = ARN.exec(arn);
  if (!match) return undefined;
  return { resourceType: match[3] as string, parts: (match[4] as string).split(':') };
}

/**
 * A Lambda function named by ARN (optionally qualified), partial ARN or bare name, reduced to its
 * unqualified ARN so every spelling of one function finds the same binding.
 */
export function normaliseFunctionArn(nameOrArn: string): string {
  const full = /^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::[$A-Za-z0-9_-]+)?$/.exec(
    nameOrArn,
  );
  if (full) return `arn:aws:lambda:${full[1]}:${full[2]}:function:${full[3]}`;
  const partial = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::[$A-Za-z0-9_-]+)?$/.exec(nameOrArn);
  if (partial) return `arn:aws:lambda:${LOCAL_REGION}:${partial[1]}:function:${partial[2]}`;
  const bare = /^([A-Za-z0-9_-]+)(?::[$A-Za-z0-9_-]+)?$/.exec(nameOrArn);
  if (bare) return lambdaFunctionArn(bare[1] as string);
  return nameOrArn;
}

export const isLambdaFunctionArn = (resource: string) =>
  /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[$A-Za-z0-9_-]+)?$/.test(resource);
