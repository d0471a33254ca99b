/**
 * How the local Step Functions service spends DynamoDB requests on its hot path: existence checks
 * for named starts go together, and writes that only add history wait for the execution's next
 * urgent write instead of going out at every turn.
 */
import 'aws-sdk-client-mock-vitest/extend';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Execution } from '../../local/stepfunctions/execution.ts';
import { ExecutionStore, ExecutionWriter } from '../../local/stepfunctions/store.ts';

const TABLE = 'executions';
const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:execution:flow:${name}`;

describe('the existence check for a named start', () => {
  const dynamodb = mockClient(DynamoDBClient);
  afterEach(() => dynamodb.reset());
  const store = () => new ExecutionStore(new DynamoDBClient({ region: 'us-east-1' }), TABLE);

  it('asks once for every start made in the same turn, and answers each for its own ARN', async () => {
    dynamodb
      .on(BatchGetItemCommand)
      .resolves({ Responses: { [TABLE]: [{ pk: { S: `X#${arn('taken')}` } }] } });
    const s = store();
    const answers = await Promise.all([
      s.exists(arn('taken')),
      s.exists(arn('free')),
      s.exists(arn('taken')),
    ]);
    expect(answers).toEqual([true, false, true]);
    expect(dynamodb).toHaveReceivedCommandTimes(BatchGetItemCommand, 1);
    const keys = dynamodb.commandCalls(BatchGetItemCommand)[0]?.args[0].input.RequestItems?.[TABLE];
    expect(keys?.ConsistentRead).toBe(true);
    expect(keys?.Keys?.map((key) => key.pk?.S)).toEqual([`X#${arn('taken')}`, `X#${arn('free')}`]);
  });

  it('asks again for the keys DynamoDB leaves unprocessed', async () => {
    dynamodb
      .on(BatchGetItemCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [] },
        UnprocessedKeys: { [TABLE]: { Keys: [{ pk: { S: `X#${arn('late')}` }, sk: { S: 'E' } }] } },
      })
      .resolves({ Responses: { [TABLE]: [{ pk: { S: `X#${arn('late')}` } }] } });
    const s = store();
    expect(await Promise.all([s.exists(arn('late')), s.exists(arn('other'))])).toEqual([true, false]);
    expect(dynamodb).toHaveReceivedCommandTimes(BatchGetItemCommand, 2);
  });

  it('splits more than 100 questions into requests of 100', async () => {
    dynamodb.on(BatchGetItemCommand).resolves({ Responses: { [TABLE]: [] } });
    const s = store();
    await Promise.all(Array.from({ length: 150 }, (_, i) => s.exists(arn(`e${i}`))));
    const sizes = dynamodb
      .commandCalls(BatchGetItemCommand)
      .map((call) => call.args[0].input.RequestItems?.[TABLE]?.Keys?.length);
    expect(sizes).toEqual([100, 50]);
  });

  it('fails every question of a request that fails', async () => {
    dynamodb.on(BatchGetItemCommand).rejects(new Error('connection reset'));
    const s = store();
    await expect(s.exists(arn('a'))).rejects.toThrow('connection reset');
  });
});

describe('the execution writer', () => {
  /** Just what the writer reads of an execution. */
  const execution = (name: string) =>
    ({ arn: arn(name), stepVersion: 1, durableStepVersion: 0 }) as Execution;
  let written: string[][];
  let writer: ExecutionWriter;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'Date'] });
    written = [];
    const store: Pick<ExecutionStore, 'snapshot' | 'write'> = {
      snapshot: (e: Execution) => ({ spilled: [], head: { PutRequest: { Item: { pk: { S: e.arn } } } } }),
      write: async (requests: WriteRequest[]) => {
        if (requests.length)
          written.push(requests.map((r) => (r.PutRequest?.Item?.pk?.S ?? '').split(':').pop() ?? ''));
      },
    };
    writer = new ExecutionWriter(store, () => {});
  });
  afterEach(() => vi.useRealTimers());

  it('writes an urgent change at the next turn, with every other urgent change of that turn', async () => {
    const [a, b] = [execution('a'), execution('b')];
    writer.changed(a, true);
    writer.changed(b, true);
    await vi.advanceTimersByTimeAsync(0);
    expect(written).toEqual([['a', 'b']]);
  });

  it('lets a history-only change wait its turn, while urgent ones of other executions go out', async () => {
    const [lazy, urgent] = [execution('lazy'), execution('urgent')];
    writer.changed(lazy);
    await vi.advanceTimersByTimeAsync(10);
    writer.changed(urgent, true);
    await vi.advanceTimersByTimeAsync(10);
    expect(written).toEqual([['urgent']]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([['urgent'], ['lazy']]);
  });

  it('carries a waiting history change in the execution’s own next urgent write, once', async () => {
    const e = execution('e');
    writer.changed(e);
    writer.changed(e);
    await vi.advanceTimersByTimeAsync(50);
    const flushed = writer.flush(e);
    await vi.advanceTimersByTimeAsync(0);
    await flushed;
    await vi.advanceTimersByTimeAsync(1000);
    expect(written).toEqual([['e']]);
    expect(e.durableStepVersion).toBe(1);
  });

  it('writes everything still waiting when asked to go idle (shutdown)', async () => {
    writer.changed(execution('x'));
    const idle = writer.idle();
    await vi.advanceTimersByTimeAsync(0);
    await idle;
    expect(written).toEqual([['x']]);
  });
});
