/** The email that asks finance to release or refuse an order on credit hold. */
import type { EmailMessage } from '#connectors/email/email-sender';
import { formatMoney, html } from '../../shared/html.ts';
import type { OrderRecord } from '../use-cases/order-ledger.ts';

export function creditHoldEmail(input: {
  to: string;
  name: string;
  order: OrderRecord;
  customer: string;
}): EmailMessage {
  const { order } = input;
  const money = formatMoney(order.ledger.ordered, order.currency);
  const how = `POST /v1/orders/${order.id}/credit-decision with {"decision": "release"} or {"decision": "refuse", "comment": "why"}`;
  return {
    to: [input.to],
    subject: `Credit hold: ${input.customer}, order ${order.id} for ${money}`,
    text: `Hello ${input.name},\n\norder ${order.id} from ${input.customer} for ${money} is over the customer's credit limit and waits for you. Nothing has been sent to the ERP.\n\nRelease or refuse it: ${how}.`,
    html: html`<p>Hello ${input.name},</p><p>order <strong>${order.id}</strong> from <strong>${input.customer}</strong> for <strong>${money}</strong> is over the customer’s credit limit and waits for you. Nothing has been sent to the ERP.</p><p>Release or refuse it: <code>${how}</code>.</p>`
      .value,
    tags: { flow: 'order-to-cash' },
  };
}
