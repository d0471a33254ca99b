/**
 * An invoice as a PDF (pdf-lib): who bills whom, the invoice's number, dates, lines and total,
 * and what is due when. One A4 page; lines past the page's room are summed on a last line.
 * Text the standard font cannot encode is replaced, never dropped silently into an exception.
 */
import { PDFDocument, type PDFFont, rgb, StandardFonts } from 'pdf-lib';
import { formatMoney } from '../../shared/html.ts';

export interface InvoiceDocument {
  id: string;
  issuedOn: string;
  dueDate?: string;
  seller: string;
  customer: string;
  orderId: string;
  currency: string;
  lines: { description: string; quantity: number; amount: number }[];
  total: number;
}

const MAX_LINES = 30;

export async function invoicePdf(invoice: InvoiceDocument): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(`Invoice ${invoice.id}`);
  pdf.setCreator('Junction');
  const page = pdf.addPage([595.28, 841.89]);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const safe = (f: PDFFont, text: string) =>
    [...text]
      .map((c) => {
        try {
          f.encodeText(c);
          return c;
        } catch {
          return '?';
        }
      })
      .join('');
  let y = 790;
  const write = (text: string, x: number, size = 10, f = font) =>
    page.drawText(safe(f, text), { x, y, size, font: f, color: rgb(0.1, 0.12, 0.14) });
  const money = (n: number) => formatMoney(n, invoice.currency);

  write(`Invoice ${invoice.id}`, 50, 20, bold);
  y -= 30;
  write(`From: ${invoice.seller}`, 50);
  y -= 14;
  write(`To: ${invoice.customer}`, 50);
  y -= 14;
  write(`Order: ${invoice.orderId}`, 50);
  y -= 14;
  write(`Issued: ${invoice.issuedOn}${invoice.dueDate ? `    Due: ${invoice.dueDate}` : ''}`, 50);
  y -= 30;
  write('Quantity', 50, 10, bold);
  write('Description', 120, 10, bold);
  write('Amount', 470, 10, bold);
  y -= 16;
  const shown = invoice.lines.slice(0, MAX_LINES);
  for (const line of shown) {
    write(String(line.quantity), 50);
    write(line.description.slice(0, 70), 120);
    write(money(line.amount), 470);
    y -= 14;
  }
  const rest = invoice.lines.slice(MAX_LINES);
  if (rest.length > 0) {
    write(`${rest.length} more lines`, 120);
    write(money(rest.reduce((a, l) => a + l.amount, 0)), 470);
    y -= 14;
  }
  y -= 10;
  write('Total due', 120, 12, bold);
  write(money(invoice.total), 470, 12, bold);
  y -= 30;
  if (invoice.dueDate)
    write(`Please pay ${money(invoice.total)} by ${invoice.dueDate}, quoting ${invoice.id}.`, 50);
  return pdf.save();
}
