/**
 * Lead forms as their public endpoint meets them: the active version of a form, and CORS — the
 * headers that let a browser on an allowed site read the answer, on every answer to that site,
 * errors included.
 */
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { LeadForm } from '#schemas/admin/lead-form';
import { ADMIN_KINDS } from '../admin/domain/admin-kinds.ts';
import { loadVersion } from '../admin/use-cases/document-service.ts';
import type { HttpEvent } from '../shared/auth.ts';
import { HttpProblem, notFound } from '../shared/problem.ts';
import type { LeadDeps } from './ports.ts';

export interface ActiveForm {
  id: string;
  version: number;
  content: LeadForm;
}

const kind = ADMIN_KINDS['lead-form'];

/** The form's active version; 404 for an unknown id and for a form nobody activated. */
export async function activeForm(deps: LeadDeps, formId: string): Promise<ActiveForm> {
  const valid = new RegExp(`^${kind.idPrefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(formId);
  const head = valid ? await deps.store.get(kind.name, formId) : undefined;
  if (!head || head.archived) throw notFound(`No lead form with id "${formId.slice(0, 64)}".`);
  if (typeof head.activeVersion !== 'number')
    throw notFound(`Lead form ${formId} is not active; an admin activates a version to open it.`);
  const version = await loadVersion<LeadForm>(deps, kind, formId, head.activeVersion);
  return { id: formId, version: version.version, content: version.content };
}

/** The browser's Origin header, if it sent one. */
export const originOf = (event: HttpEvent): string | undefined =>
  event.headers.origin ?? event.headers.Origin ?? undefined;

export const originNotAllowed = (origin: string) =>
  new HttpProblem(
    403,
    'origin-not-allowed',
    'Origin not allowed',
    `This form may not be posted from ${origin.slice(0, 200)}; an admin lists the sites that may post it.`,
  );

/** Forms the handler has loaded, by the event it loaded them for (handlers run concurrently locally). */
const loaded = new WeakMap<object, ActiveForm>();
export const rememberForm = (event: HttpEvent, form: ActiveForm) => loaded.set(event, form);

type Handler = (event: HttpEvent, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * Adds CORS headers to every answer for an allowed origin — errors raised before the form was
 * read too (a wrong content type, a body too large), which is why this wraps the whole handler.
 * Other origins get no CORS headers, so their pages cannot read the answer.
 */
export function withFormCors(deps: () => LeadDeps, inner: Handler): Handler {
  return async (event, context) => {
    const response = await inner(event, context);
    const origin = originOf(event);
    if (!origin) return response;
    let form = loaded.get(event);
    if (!form) {
      try {
        form = await activeForm(deps(), event.pathParameters?.formId ?? '');
      } catch {
        return response;
      }
    }
    if (!form.content.allowedOrigins.includes(origin)) return response;
    return {
      ...response,
      headers: {
        ...response.headers,
        'access-control-allow-origin': origin,
        'access-control-expose-headers': 'retry-after, x-correlation-id',
        vary: 'Origin',
      },
    };
  };
}
