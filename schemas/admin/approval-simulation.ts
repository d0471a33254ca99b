import * as z from 'zod';
import { recordId } from '../common.ts';

/** Body of the approval dry run. */
export const SimulateApprovalRequest = z
  .strictObject({
    quoteId: recordId('quo'),
    submitterId: recordId('usr')
      .optional()
      .meta({ description: "Who would submit; defaults to the quote's owner" }),
    policy: z
      .strictObject({ id: recordId('apl'), version: z.int().min(1) })
      .optional()
      .meta({ description: 'Try this version (even a draft) instead of the active policies' }),
    at: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'When the submission would happen (out-of-office windows)' }),
  })
  .meta({ id: 'ApprovalSimulation' });
