import { FORM_TYPE, httpHandler } from '../shared/http.ts';
import { activeForm, originOf, rememberForm, withFormCors } from './lead-form-service.ts';
import { submitForm } from './use-cases/submit-form.use-case.ts';
import { leadDeps } from './wiring.ts';

/** Forms are small: a bigger post is refused before it is parsed. */
const MAX_FORM_BYTES = 16 * 1024;

export const handler = withFormCors(
  leadDeps,
  httpHandler(
    async (request) => {
      const deps = leadDeps();
      const form = await activeForm(deps, request.path.formId ?? '');
      rememberForm(request.event, form);
      const outcome = await submitForm(deps, form, {
        body: request.body as Record<string, unknown>,
        origin: originOf(request.event),
        client: request.client,
      });
      return { status: 200, body: outcome.receipt, headers: { 'cache-control': 'no-store' } };
    },
    { accepts: [FORM_TYPE, 'application/json'], maxBodyBytes: MAX_FORM_BYTES },
  ),
);
