import { httpHandler } from '../shared/http.ts';
import { badRequest, HttpProblem } from '../shared/problem.ts';
import { activeForm, originNotAllowed, originOf } from './lead-form-service.ts';
import { leadDeps } from './wiring.ts';

/** Request headers a form's page may send; anything else is not allowed. */
const ALLOWED_HEADERS = 'content-type, x-correlation-id';

/**
 * The CORS preflight a browser sends before posting a form with JSON: allowed for the origins
 * the form lists (cached by the browser for ten minutes), refused for every other.
 */
export const handler = httpHandler(async (request) => {
  const form = await activeForm(leadDeps(), request.path.formId ?? '');
  const origin = originOf(request.event);
  if (!origin) throw badRequest('A CORS preflight carries an Origin header; this request has none.');
  if (!form.content.allowedOrigins.includes(origin)) throw originNotAllowed(origin);
  const method = request.headers['access-control-request-method'];
  if (method !== undefined && method.toUpperCase() !== 'POST')
    throw new HttpProblem(403, 'method-not-allowed-by-cors', 'Method not allowed', 'A form takes POST only.');
  return {
    status: 204,
    raw: '',
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    },
  };
});
