import { RECORD_TYPES } from '../records/domain/record-types.ts';
import { recordResult, sourceOf } from '../records/record-http.ts';
import { recordDeps } from '../records/wiring.ts';
import { httpHandler } from '../shared/http.ts';
import { logContact } from './use-cases/log-contact.use-case.ts';

export const handler = httpHandler(
  async (request) => {
    const lead = await logContact(recordDeps(), request.path.id ?? '', request.body, sourceOf(request));
    return recordResult(RECORD_TYPES.lead, lead);
  },
  { accepts: ['application/json'] },
);
