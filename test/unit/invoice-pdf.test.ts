import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { invoicePdf } from '#functions/orders/views/invoice-pdf';

const invoice = {
  id: 'inv_01JD0000000000000000000001',
  issuedOn: '2026-12-03',
  dueDate: '2027-01-02',
  seller: 'billing@junction.example.com',
  customer: 'Acme Europe GmbH',
  orderId: 'ord_01JD0000000000000000000001',
  currency: 'EUR',
  lines: [{ description: 'Junction Platform — annual seat', quantity: 2, amount: 2_400_00 }],
  total: 2_400_00,
};

describe('an invoice as a PDF', () => {
  it('is one titled page', async () => {
    const pdf = await PDFDocument.load(await invoicePdf(invoice));
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getTitle()).toBe(`Invoice ${invoice.id}`);
  });

  it('replaces what the standard font cannot write instead of failing, and sums lines past the page', async () => {
    const bytes = await invoicePdf({
      ...invoice,
      customer: '株式会社 Example ✓',
      currency: 'INR',
      lines: Array.from({ length: 45 }, (_, i) => ({ description: `Line ${i} ₹`, quantity: 1, amount: 100 })),
      total: 4500,
    });
    expect(Buffer.from(bytes).subarray(0, 5).toString()).toBe('%PDF-');
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(1);
  });
});
