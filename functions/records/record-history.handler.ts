import { httpHandler } from '../shared/http.ts';
import { recordHistory } from './record-history.use-case.ts';
import { recordTypeOf } from './record-http.ts';
import { recordDeps } from './wiring.ts';

export const handler = httpHandler(async (request) => ({
  status: 200,
  body: await recordHistory(recordDeps(), recordTypeOf(request), request.path.id ?? '', request.query),
}));
