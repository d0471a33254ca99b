/**
 * What anonymous callers meet on the hub as `npm start` runs it: public routes throttled on their
 * own (as the AWS stage's route settings do), and an access log that names routes, not paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_THROTTLE } from '#functions/routes';
import { createApproval } from '../support/approvals.ts';
import { startTestHub, type TestHub } from '../support/hub.ts';

let hub: TestHub;
const lines: string[] = [];
beforeAll(async () => {
  hub = await startTestHub({ throttlePublicRoutes: true, accessLog: true, log: (line) => lines.push(line) });
});
afterAll(() => hub?.stop());

describe('public routes', () => {
  it('throttles a flood of anonymous requests to one public route, while staff routes still answer', async () => {
    const flood = await Promise.all(
      Array.from({ length: PUBLIC_THROTTLE.burstLimit * 2 }, () => fetch(`${hub.urls.api}/openapi.json`)),
    );
    const staff = await hub.api.get('/v1/accounts');

    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(PUBLIC_THROTTLE.burstLimit - 2);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(PUBLIC_THROTTLE.burstLimit + 2);
    expect(staff.status).toBe(200);
  });

  it('logs an approval link request by its route, never the link id', async () => {
    const scenario = await createApproval(hub);
    const [approver] = scenario.approvers;
    if (!approver) throw new Error('no approver');
    lines.length = 0;

    const opened = await fetch(`${hub.urls.api}/approvals/${approver.linkId}`);

    expect(opened.status).toBe(200);
    const logged = lines.filter((l) => l.startsWith('GET /approvals/'));
    expect(logged).toEqual([expect.stringMatching(/^GET \/approvals\/\{id\} 200 \d+ms$/)]);
    expect(lines.join('\n')).not.toContain(approver.linkId);
  });
});
