import { httpHandler } from '../shared/http.ts';
import { recordTypeOf } from './record-http.ts';
import { recordHistory } from './use-cases/record-history.use-case.ts';
import { recordDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await recordHistory(recordDeps(), recordTypeOf(request), request.path.id ?? '', request.query),
}));
