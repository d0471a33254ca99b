import { sourceOf } from '../records/record-http.ts';
import { httpHandler } from '../shared/http.ts';
import { startReconciliation } from './use-cases/reconciliations.use-case.ts';
import { reconciliationDeps } from './wiring.ts';

/** POST /v1/admin/reconciliations: 202 with the run, which the workflow fills in. */
export const handler = httpHandler(async (request) => {
  const run = await startReconciliation(reconciliationDeps(), sourceOf(request));
  return { status: 202, body: run, headers: { location: `/v1/admin/reconciliations/${run.id}` } };
});
