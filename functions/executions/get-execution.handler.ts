import { httpHandler } from '../shared/http.ts';
import { getExecution } from './use-cases/get-execution.use-case.ts';
import { executionDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await getExecution(executionDeps(), request.path.id ?? ''),
}));
