import { httpHandler } from '../shared/http.ts';
import { listExecutions } from './use-cases/list-executions.use-case.ts';
import { executionDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await listExecutions(executionDeps(), request.query),
}));
