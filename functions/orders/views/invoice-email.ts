/** The email that carries an invoice to the customer, with its PDF attached. */
import type { EmailMessage } from '#connectors/email/email-sender';
import { formatMoney, html } from '../../shared/html.ts';

export function invoiceEmail(input: {
  to: string;
  invoiceId: string;
  customer: string;
  amount: number;
  currency: string;
  dueDate?: string;
  pdf: Uint8Array;
}): EmailMessage {
  const money = formatMoney(input.amount, input.currency);
  const due = input.dueDate ? ` It is due on ${input.dueDate}.` : '';
  return {
    to: [input.to],
    subject: `Invoice ${input.invoiceId} for ${money}`,
    text: `Hello ${input.customer},\n\nplease find attached invoice ${input.invoiceId} for ${money}.${due}\n\nThank you for your order.`,
    html: html`<p>Hello ${input.customer},</p><p>please find attached invoice <strong>${input.invoiceId}</strong> for <strong>${money}</strong>.${due}</p><p>Thank you for your order.</p>`
      .value,
    attachments: [
      {
        filename: `${input.invoiceId}.pdf`,
        contentType: 'application/pdf',
        base64: Buffer.from(input.pdf).toString('base64'),
      },
    ],
    tags: { flow: 'order-to-cash' },
  };
}
