import { httpHandler } from '../shared/http.ts';
import { executionDeps } from './execution-service.ts';
import { getExecution } from './get-execution.use-case.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await getExecution(executionDeps(), request.path.id ?? ''),
}));
