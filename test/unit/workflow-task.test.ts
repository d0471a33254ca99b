import './support/env.ts';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { isTransient, taskHandler } from '#functions/shared/workflow-task';
import { TransactionConflictError, VersionConflictError } from '#store/errors';
import { lambdaContext } from './support/lambda.ts';

const Input = z.object({ approvalId: z.string(), stepIndex: z.int().min(0) });

describe('workflow task handlers', () => {
  it('hands the task its checked input and answers its result', async () => {
    const handler = taskHandler(Input, async (input) => ({ next: input.stepIndex + 1 }));

    await expect(handler({ approvalId: 'apr_1', stepIndex: 1 }, lambdaContext())).resolves.toEqual({
      next: 2,
    });
  });

  it('refuses input its schema does not accept as InvalidTaskInput, naming the field, without running the task', async () => {
    let ran = false;
    const handler = taskHandler(Input, async () => {
      ran = true;
    });

    await expect(handler({ approvalId: 'apr_1', stepIndex: -1 }, lambdaContext())).rejects.toMatchObject({
      name: 'InvalidTaskInput',
      message: expect.stringContaining('stepIndex'),
    });
    expect(ran).toBe(false);
  });

  it('names a failure a retry may cure TransientError, so the definition retries it', async () => {
    const throttled = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
    const handler = taskHandler(Input, async () => {
      throw throttled;
    });

    await expect(handler({ approvalId: 'apr_1', stepIndex: 0 }, lambdaContext())).rejects.toMatchObject({
      name: 'TransientError',
      message: 'TooManyRequestsException: Rate exceeded',
      cause: throttled,
    });
  });

  it('lets any other failure keep its name, for the definition to catch', async () => {
    const handler = taskHandler(Input, async () => {
      throw Object.assign(new Error('no such run'), { name: 'ApprovalNotFound' });
    });

    await expect(handler({ approvalId: 'apr_1', stepIndex: 0 }, lambdaContext())).rejects.toMatchObject({
      name: 'ApprovalNotFound',
    });
  });
});

describe('which failures are transient', () => {
  it('counts throttling, server faults, lost write races and dropped connections', () => {
    expect(
      isTransient(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })),
    ).toBe(true);
    expect(
      isTransient(Object.assign(new Error('boom'), { name: 'InternalServerError', $fault: 'server' })),
    ).toBe(true);
    expect(isTransient(new TransactionConflictError('race'))).toBe(true);
    expect(isTransient(new VersionConflictError('race'))).toBe(true);
    expect(isTransient(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('does not count client errors or bugs', () => {
    expect(
      isTransient(Object.assign(new Error('bad'), { name: 'ValidationException', $fault: 'client' })),
    ).toBe(false);
    expect(isTransient(new TypeError('x is undefined'))).toBe(false);
    expect(isTransient('not an error')).toBe(false);
  });
});
