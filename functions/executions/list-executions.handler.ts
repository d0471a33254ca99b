import { httpHandler } from '../shared/http.ts';
import { executionDeps } from './execution-service.ts';
import { listExecutions } from './list-executions.use-case.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await listExecutions(executionDeps(), request.query),
}));
