/**
 * Reconciliation runs through the API: start one now (POST /v1/admin/reconciliations: the run is
 * opened, then the order-reconciliation workflow started with its id as the execution's name, so
 * GET answers at once and the executions API shows the run), and read them back.
 */
import { PageQuery } from '#schemas/api';
import type { ChangeSource } from '../../records/ports.ts';
import { NotFound, parseOrThrow } from '../../shared/errors.ts';
import type { ReconciliationDeps } from '../ports.ts';

export const ORDER_RECONCILIATION = 'order-reconciliation';

export async function startReconciliation(deps: ReconciliationDeps, source: ChangeSource) {
  const runId = deps.newId('rec');
  await deps.runs.open(runId, source.actor, deps.now());
  await deps.startRun(runId, { runId, by: source.actor });
  return getReconciliation(deps, runId);
}

export async function getReconciliation(deps: ReconciliationDeps, id: string) {
  const run = /^rec_[0-9A-HJKMNP-TV-Z]{26}$/.test(id) ? await deps.runs.get(id) : undefined;
  if (!run) throw new NotFound(`No reconciliation run ${id}`);
  return { ...run, execution: `${ORDER_RECONCILIATION}.${run.id}` };
}

export async function listReconciliations(deps: ReconciliationDeps, query: unknown) {
  const { limit, cursor } = parseOrThrow(PageQuery, query);
  const page = await deps.runs.list({ limit, ...(cursor ? { cursor } : {}) });
  // The list shows each run's counts; its drifts are read one run at a time.
  return { items: page.items.map(({ drifts: _d, ...run }) => run), nextCursor: page.nextCursor };
}
