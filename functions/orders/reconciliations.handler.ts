import { httpHandler } from '../shared/http.ts';
import { getReconciliation, listReconciliations } from './use-cases/reconciliations.use-case.ts';
import { reconciliationDeps } from './wiring.ts';

/** GET /v1/admin/reconciliations and GET /v1/admin/reconciliations/{id}. */
export const handler = httpHandler(async (request) => ({
  status: 200,
  body: request.path.id
    ? await getReconciliation(reconciliationDeps(), request.path.id)
    : await listReconciliations(reconciliationDeps(), request.query),
}));
