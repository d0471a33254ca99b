/** The order-to-cash flow's state as its tasks receive it (ports.ts OrderFlowState). */
import * as z from 'zod';

export const OrderFlowInput = z.object({
  orderId: z.string().regex(/^ord_[0-9A-HJKMNP-TV-Z]{26}$/),
  pollSeconds: z.int().min(1),
  creditHold: z.boolean().optional(),
  salesOrder: z.string().min(1).optional(),
  fullyShipped: z.boolean().optional(),
  paid: z.boolean().optional(),
  lastPaid: z.int().optional(),
});
