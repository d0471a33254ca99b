/**
 * Holds or resumes an invoice's payment reminders (a dispute, an agreed payment plan): held, the
 * flow sends none; resumed, the level due by then goes out at the flow's next look. Holding a
 * held invoice (or resuming a running one) answers it as it is.
 */
import { DunningHoldInput } from '#schemas/admin/dunning-policy';
import { RECORD_TYPES } from '../../records/domain/record-types.ts';
import type { ChangeSource, RecordDeps } from '../../records/ports.ts';
import { loadRecord } from '../../records/use-cases/record-service.ts';
import { parseOrThrow, rejected } from '../../shared/errors.ts';
import { dunningOf } from './dunning.ts';
import { moveDocument } from './order-flow.ts';

export async function holdDunning(deps: RecordDeps, invoiceId: string, body: unknown, source: ChangeSource) {
  const input = parseOrThrow(DunningHoldInput, body);
  const invoice = await loadRecord(deps, RECORD_TYPES.invoice, invoiceId);
  if (invoice.kind !== 'invoice')
    throw rejected(
      'not-an-invoice',
      'Not an invoice',
      `${invoiceId} is a credit note; only invoices are dunned.`,
    );
  const moved = await moveDocument(
    deps,
    'invoice',
    invoiceId,
    (current) => {
      const state = dunningOf(current);
      if (Boolean(state.hold) === input.hold) return undefined;
      const { hold: _previous, ...rest } = state;
      return input.hold
        ? {
            fields: {
              dunning: {
                ...rest,
                hold: { reason: input.reason ?? '', by: source.actor.name, at: deps.now().toISOString() },
              },
            },
            action: 'dunning-held',
            summary: `Payment reminders held by ${source.actor.name}: ${input.reason}`,
          }
        : {
            fields: { dunning: rest },
            action: 'dunning-resumed',
            summary: `Payment reminders resumed by ${source.actor.name}${input.reason ? `: ${input.reason}` : ''}`,
          };
    },
    source,
  );
  return moved ?? invoice;
}
