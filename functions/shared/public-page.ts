/**
 * The shell of the pages a public link opens (an approval request, a satisfaction survey) and how
 * they are answered. Built for a phone: one column, large targets, readable without zooming, no
 * script. Each kind of page adds its own rules to the shared style; the CSP allows exactly that
 * style, by hash.
 */
import { createHash } from 'node:crypto';
import { Html, html } from './html.ts';
import { type ApiResult, FORM_TYPE } from './http.ts';
import { HttpProblem } from './problem.ts';

const BASE_STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#1a7f37;--no:#cf222e;--accent:#0969da;--bg:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--accent:#4493f8;--bg:#0d1117}}
*{box-sizing:border-box}body{margin:0;font:17px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:34rem;margin:0 auto;padding:1.25rem 1rem 2.5rem}h1{font-size:1.35rem;margin:.2rem 0 .8rem}
.muted{color:var(--muted);font-size:.92rem}
textarea{width:100%;min-height:5rem;font:inherit;padding:.6rem;border-radius:10px;border:1px solid var(--line);background:transparent;color:inherit}
button{font:inherit;font-weight:700;padding:1rem;border-radius:12px;border:0;color:#fff;cursor:pointer}
`;

/** How a page says why a link does nothing (any more): its heading, its lines, a way back. */
export interface Outcome<Kind extends string> {
  kind: Kind;
  title?: string;
  lines?: readonly string[];
  back?: { href: string; label: string };
}

export interface PublicPages<Kind extends string> {
  /**
   * Headers every page is sent with. The page runs no script and loads nothing: the CSP allows
   * only its own inline style and form posts back to this site; it may not be framed (no
   * clickjacking of its buttons), cached (a shared device's back button shows nothing stale),
   * indexed, or leak the link in a Referer.
   */
  readonly headers: Readonly<Record<string, string>>;
  page(title: string, body: Html): string;
  /** The page saying what happened, or why nothing can happen; `data-outcome` names it for tests. */
  outcome(outcome: Outcome<Kind>): string;
}

export function publicPages<Kind extends string>(
  style: string,
  titles: Readonly<Record<Kind, string>>,
): PublicPages<Kind> {
  const css = BASE_STYLE + style;
  const headers: Readonly<Record<string, string>> = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store, max-age=0',
    pragma: 'no-cache',
    'x-robots-tag': 'noindex, nofollow',
    'content-security-policy': [
      "default-src 'none'",
      `style-src 'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  };
  const page = (title: string, body: Html) =>
    html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow"><meta name="referrer" content="no-referrer">
<title>${title}</title><style>${new Html(css)}</style></head>
<body><main>${body}</main></body></html>`.value;
  return {
    headers,
    page,
    outcome: ({ kind, title, lines = [], back }) =>
      page(
        titles[kind],
        html`<h1 data-outcome="${kind}">${title ?? titles[kind]}</h1>${lines.map((line) => html`<p>${line}</p>`)}${
          back ? html`<p><a href="${back.href}">${back.label}</a></p>` : ''
        }`,
      ),
  };
}

/** A form post comes from a browser, which is answered with pages; JSON callers get JSON. */
export const wantsHtml = (headers: Record<string, string>) =>
  headers['content-type']?.toLowerCase().startsWith(FORM_TYPE) === true ||
  (headers.accept ?? '').toLowerCase().includes('text/html');

/** A page as an API result; HEAD gets the headers and no body. */
export const pageResult = (
  pages: PublicPages<string>,
  status: number,
  body: string,
  method: string,
): ApiResult => ({ status, raw: method === 'HEAD' ? '' : body, headers: { ...pages.headers } });

/** After a decision is posted, a browser goes to the outcome page (303), so a reload posts nothing. */
export const seeOther = (pages: PublicPages<string>, location: string): ApiResult => ({
  status: 303,
  raw: '',
  headers: { ...pages.headers, location },
});

/** Why a link refused, for both audiences: the HTTP status and problem slug, the page's words. */
export interface LinkRefusal<Kind extends string> {
  status: number;
  slug: string;
  title: string;
  page: Outcome<Kind>;
  /** The problem's detail, when it says more or less than the page's lines. */
  detail?: string;
  extensions?: Record<string, unknown>;
}

/** How a link answers each reason it refuses for: the status and problem, and which page says it. */
export type RefusalTable<Reason extends string, Kind extends string> = Record<
  Reason,
  {
    status: number;
    slug: string;
    title: string;
    page: Kind;
    /** The problem's detail, when it says other than the page's lines. */
    detail?: string;
    /** The page offers a way back to the form. */
    back?: true;
    /** The page's heading is the problem's title, not its kind's. */
    titleOnPage?: true;
  }
>;

/** A refusal a use case answered (its reason, its words, its details), as the edge sends it. */
export function refusalOf<Reason extends string, Kind extends string>(
  table: RefusalTable<Reason, Kind>,
  refused: { reason: Reason; lines: string[]; details?: Record<string, unknown> },
  back: { href: string; label: string },
): LinkRefusal<Kind> {
  const { status, slug, title, page, detail, back: offersBack, titleOnPage } = table[refused.reason];
  return {
    status,
    slug,
    title,
    page: {
      kind: page,
      lines: refused.lines,
      ...(titleOnPage ? { title } : {}),
      ...(offersBack ? { back } : {}),
    },
    ...(detail ? { detail } : {}),
    ...(refused.details ? { extensions: refused.details } : {}),
  };
}

/** A browser gets the outcome page; a program gets problem+json with the same words. */
export function refusalResult<Kind extends string>(
  pages: PublicPages<Kind>,
  refusal: LinkRefusal<Kind>,
  asPage: boolean,
  method: string,
): ApiResult {
  if (!asPage)
    throw new HttpProblem(
      refusal.status,
      refusal.slug,
      refusal.title,
      refusal.detail ?? (refusal.page.lines ?? []).join(' '),
      refusal.extensions ?? {},
    );
  return pageResult(pages, refusal.status, pages.outcome(refusal.page), method);
}
