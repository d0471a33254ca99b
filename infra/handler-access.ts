/**
 * What each Lambda function may do with the tables, derived from the route table so that a new
 * route gets the right grant without anyone editing the stack:
 *   - a handler that serves only GET routes reads; one that serves any other method writes;
 *   - a handler whose routes document `Idempotency-Key` gets the idempotency table.
 * The few handlers the route table cannot describe are listed here with the reason.
 */
import { HANDLERS, ROUTES } from '#functions/routes';
import type { TableAccess } from './constructs/junction-function.ts';

/** Handlers that never touch the records table, so their roles carry no DynamoDB grant at all. */
const WITHOUT_TABLE: ReadonlyMap<string, string> = new Map([
  ['api/me', 'answers from the authorizer context alone'],
  ['api/openapi', 'builds the document from the route table and the schemas'],
  ['api/not-found', 'matches the path against the route table'],
]);

/** Handlers whose routes are not GET but which only read. */
const READ_ONLY: ReadonlyMap<string, string> = new Map([
  ['auth/authorizer', 'looks API keys and staff users up; serves no route'],
  ['approvals/simulate-approval', 'a dry run: POST only because the quote to simulate travels in the body'],
]);

/** The access a handler's function gets to the records table. */
export function recordsTableAccess(handler: string): TableAccess | 'none' {
  if (!HANDLERS.includes(handler)) throw new Error(`"${handler}" is not in HANDLERS (functions/routes.ts)`);
  if (WITHOUT_TABLE.has(handler)) return 'none';
  if (READ_ONLY.has(handler)) return 'read';
  const routes = ROUTES.filter((route) => route.handler === handler);
  if (routes.length === 0) {
    throw new Error(`"${handler}" serves no route: declare its table access in infra/handler-access.ts`);
  }
  return routes.every((route) => route.method === 'GET') ? 'read' : 'readWrite';
}

/** Whether a handler honours `Idempotency-Key` and so needs the idempotency table. */
export function usesIdempotencyTable(handler: string): boolean {
  return ROUTES.some((route) => route.handler === handler && route.headers?.includes('Idempotency-Key'));
}
