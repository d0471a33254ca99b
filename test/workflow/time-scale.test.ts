/** Declared time can pass faster locally, with the definition unchanged. */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support.ts';

let sfn: TestService | undefined;
afterEach(async () => {
  await sfn?.close();
  sfn = undefined;
  delete process.env.JUNCTION_TIME_SCALE;
});

describe('time scale', () => {
  it('lets a one-hour Wait finish in about a second at scale 3600', async () => {
    sfn = await startTestService({ timeScale: 3600 });
    const started = Date.now();
    const executionArn = await sfn.start('wait-hour');
    const description = await sfn.finished(executionArn, 20_000);
    expect(description.status).toBe('SUCCEEDED');
    // The hour was waited, scaled — not skipped.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('reads the scale from JUNCTION_TIME_SCALE when none is given', async () => {
    process.env.JUNCTION_TIME_SCALE = '7200';
    const { startStepFunctionsLocal } = await import('#local/stepfunctions/index');
    const { inject } = await import('vitest');
    const service = await startStepFunctionsLocal({
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      tableName: `sfn-scale-${Date.now()}`,
      workflows: [],
    });
    expect(service.timeScale).toBe(7200);
    await service.close();
  });
});
