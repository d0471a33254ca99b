import { LeadInput } from '#schemas/records/lead';
import { RECORD_TYPES } from '../records/domain/record-types.ts';
import { recordResult, sourceOf } from '../records/record-http.ts';
import { parseOrThrow } from '../shared/errors.ts';
import { httpHandler } from '../shared/http.ts';
import { idempotency } from '../shared/idempotency.ts';
import { intakeLead } from './use-cases/intake-lead.use-case.ts';
import { leadDeps } from './wiring.ts';

/**
 * POST /v1/leads: a lead from another system. Normalised, deduped, scored and routed before the
 * answer, so the response already names the owner. A new lead answers 201; a submission merged
 * into an open lead with the same email or phone answers 200 with that lead; `Lead-Outcome` says
 * which (created, merged, linked).
 */
export const handler = httpHandler(
  async (request) => {
    const type = RECORD_TYPES.lead;
    const input = parseOrThrow(LeadInput, request.body) as Record<string, unknown>;
    const result = await intakeLead(leadDeps(), input, sourceOf(request));
    const location = `/v1/leads/${result.lead.id}`;
    return recordResult(type, result.lead, result.outcome === 'merged' ? 200 : 201, {
      location,
      'lead-outcome': result.outcome,
      ...(result.duplicateOf ? { 'lead-duplicate-of': result.duplicateOf.id } : {}),
    });
  },
  { accepts: ['application/json'], idempotency: idempotency() },
);
