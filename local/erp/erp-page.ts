/**
 * The local ERP's page: its documents newest first, a form per open sales order to ship what is
 * left or part of it, the faults in force and the last requests. No script; forms post back.
 */
import type { ErpDoc, ItemRow } from './erp-documents.ts';

const esc = (value: unknown) =>
  String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

function shipForm(order: ErpDoc): string {
  const open = (order.items as ItemRow[]).filter((r) => (r.delivered_qty ?? 0) < r.qty);
  if (order.docstatus !== 1 || open.length === 0) return '';
  return `<form method="post" action="/api/local/ship"><input type="hidden" name="sales_order" value="${esc(order.name)}">
<button>Ship all that is left</button></form>${open
    .map(
      (
        r,
      ) => `<form method="post" action="/api/local/ship"><input type="hidden" name="sales_order" value="${esc(order.name)}">
<input type="hidden" name="item_code" value="${esc(r.item_code)}">
<label>${esc(r.item_code)}: ship <input name="qty" type="number" min="1" max="${r.qty - (r.delivered_qty ?? 0)}" value="1" required></label>
<button>Ship</button></form>`,
    )
    .join('')}`;
}

export function erpPage(
  docs: ErpDoc[],
  faults: readonly object[],
  requests: readonly { method: string; path: string; status: number; at: string }[],
): string {
  const rows = docs
    .map(
      (
        d,
      ) => `<tr><td>${esc(d.doctype)}</td><td>${esc(d.name)}</td><td>${esc(d.status)}</td><td>${esc(d.customer ?? d.party)}</td>
<td>${esc(d.grand_total ?? d.paid_amount ?? '')} ${esc(d.currency ?? '')}</td><td>${esc(d.po_no ?? d.reference_no ?? d.against_sales_order ?? d.return_against ?? '')}</td>
<td>${d.doctype === 'Sales Order' ? shipForm(d) : ''}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Local ERP</title><style>body{font:15px system-ui,sans-serif;margin:1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}form{display:inline-block;margin:.1rem}</style></head>
<body><h1>Local ERP</h1><p>Speaks the ERPNext-shaped contract of docs/erp.md. Faults: <code>POST /api/local/faults</code>.</p>
<h2>Documents</h2><table><tr><th>Type</th><th>Name</th><th>Status</th><th>Customer</th><th>Amount</th><th>Reference</th><th></th></tr>${rows || '<tr><td colspan="7">None yet</td></tr>'}</table>
<h2>Faults in force</h2><pre>${esc(JSON.stringify(faults, null, 2))}</pre>
<h2>Last requests</h2><ul>${requests.map((r) => `<li>${esc(r.at)} ${esc(r.method)} ${esc(r.path)} → ${r.status || 'no answer'}</li>`).join('')}</ul>
</body></html>`;
}
