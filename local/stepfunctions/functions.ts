/**
 * Lambda functions as Task states see them: found by ARN, called in-process with the payload
 * Step Functions would send, and their failures reported the way Lambda reports them, so
 * `ErrorEquals` matches the same names locally as on AWS.
 */
import { functionNameOf, invoke, LambdaTimeoutError } from '#local/lambda';
import type { WorkflowDeclaration } from '#workflows/registry.ts';
import { lambdaFunctionArn, normaliseFunctionArn } from './arns.ts';
import { type Json, toJson } from './json.ts';

/** Something that runs a Lambda function's handler with one event and answers its result. */
export type LambdaFunction = (payload: Json) => Promise<unknown>;

/** Finds the function a (normalised, unqualified) Lambda ARN names, if there is one. */
export type FunctionResolver = (functionArn: string) => LambdaFunction | undefined;

/** The ARN a handler's function has locally: the name the CDK stack gives it, in the local account. */
export const localFunctionArn = (handler: string) => lambdaFunctionArn(functionNameOf(handler));

/**
 * The default resolver: every handler the workflows bind, run in-process through local/lambda.ts
 * (functions/<handler>.handler.ts) with a Lambda-style deadline.
 */
export function handlerFunctions(
  workflows: readonly WorkflowDeclaration[],
  timeoutMs: number,
): FunctionResolver {
  const byArn = new Map<string, LambdaFunction>();
  for (const workflow of workflows)
    for (const binding of Object.values(workflow.placeholders))
      byArn.set(localFunctionArn(binding.lambda), (payload) => invoke(binding.lambda, payload, timeoutMs));
  return (arn) => byArn.get(arn);
}

export type LambdaOutcome = { ok: true; payload: Json } | { ok: false; error: string; cause: string };

/** Calls a function as Lambda's Invoke would, never throwing: a failure comes back as error + cause. */
export async function callFunction(
  resolve: FunctionResolver,
  functionNameOrArn: string,
  payload: Json,
): Promise<LambdaOutcome> {
  const arn = normaliseFunctionArn(functionNameOrArn);
  const fn = resolve(arn);
  if (!fn)
    return {
      ok: false,
      error: 'Lambda.ResourceNotFoundException',
      cause: `Function not found: ${arn} (Service: Lambda, Status Code: 404, Request ID: local)`,
    };
  try {
    // The handler gets its own copy, as it would across the wire, and cannot change ours.
    return { ok: true, payload: toJson(await fn(toJson(payload))) };
  } catch (error) {
    return { ok: false, ...lambdaError(error) };
  }
}

const ENGINE_FRAME = /\/local\/(stepfunctions\/|lambda\.ts)|aws-local-stepfunctions/;

/** Maps a thrown value to what Step Functions reports for a failed Lambda invocation. */
export function lambdaError(error: unknown): { error: string; cause: string } {
  if (
    error instanceof LambdaTimeoutError ||
    (error instanceof Error && error.name === 'LambdaTimeoutError')
  ) {
    // Lambda reports no error type for a timeout; Step Functions calls that Lambda.Unknown.
    const payload = JSON.stringify({ errorMessage: `${new Date().toISOString()} ${error.message}` });
    return {
      error: 'Lambda.Unknown',
      cause: `The cause could not be determined because Lambda did not return an error type. Returned payload: ${payload}`,
    };
  }
  if (error instanceof Error) {
    const errorType = error.name || 'Error';
    const lines = (error.stack ?? `${errorType}: ${error.message}`).split('\n');
    // Lambda's trace shows the function's frames, not the runtime that called it.
    const end = lines.findIndex((line, i) => i > 0 && ENGINE_FRAME.test(line));
    const trace = end === -1 ? lines : lines.slice(0, end);
    return {
      error: errorType,
      cause: JSON.stringify({ errorType, errorMessage: error.message, trace }),
    };
  }
  return {
    error: 'Error',
    cause: JSON.stringify({ errorType: 'Error', errorMessage: String(error), trace: [] }),
  };
}
