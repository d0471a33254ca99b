/** The edge of the order routes: a document made is 201 with its location; one made before is 200. */

import { RECORD_TYPES } from '../records/domain/record-types.ts';
import { recordResult } from '../records/record-http.ts';
import type { ApiResult } from '../shared/http.ts';
import type { Recorded } from './use-cases/record-shipment.use-case.ts';

export function documentResult(
  type: 'order' | 'shipment' | 'invoice' | 'payment',
  recorded: Recorded,
): ApiResult {
  const collection = RECORD_TYPES[type].collection;
  return recordResult(
    RECORD_TYPES[type],
    recorded.record,
    recorded.created ? 201 : 200,
    recorded.created ? { location: `/v1/${collection}/${recorded.record.id}` } : {},
  );
}
