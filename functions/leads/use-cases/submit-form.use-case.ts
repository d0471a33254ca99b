import { type CountryCode, parsePhoneNumberWithError } from 'libphonenumber-js/min';
import { logger } from '#platform/observability';
import type { FormTarget } from '#schemas/admin/lead-form';
import { LeadInput } from '#schemas/records/lead';
import type { ChangeSource } from '../../records/ports.ts';
import {
  type FieldError,
  fieldErrors,
  invalidFields,
  TooManyRequests,
  toPointer,
} from '../../shared/errors.ts';

import { type ActiveForm, originNotAllowed } from '../lead-form-service.ts';
import type { LeadDeps } from '../ports.ts';
import { type IntakeResult, intakeLead } from './intake-lead.use-case.ts';

export interface FormPost {
  /** The parsed body: an HTML form's fields (strings), or a JSON object. */
  body: Record<string, unknown>;
  origin: string | undefined;
  client: { ip: string; userAgent: string; correlationId: string };
}

export interface FormOutcome {
  receipt: { received: true; submissionId: string };
  /** What happened to the lead; absent for a bot caught by the honeypot. */
  intake?: IntakeResult;
}

/**
 * A web form post, turned into a lead.
 * 1. A browser posting from a site the form does not list is refused (403) and nothing counts.
 * 2. The post counts against the client IP's window; beyond the form's limit, 429 with Retry-After.
 * 3. A filled honeypot is answered like any success and creates nothing.
 * 4. Fields map onto lead fields as the form says; a field the form does not know is refused (422)
 *    rather than dropped. Values are trimmed, empty ones are absent; numbers of employees are read
 *    as numbers; phones written without a country code are read in the form's default country.
 * 5. The lead is validated — errors point at the form's own field names — and taken in like any
 *    other (normalised, deduped, scored, routed), with the form as its source.
 */
export async function submitForm(deps: LeadDeps, form: ActiveForm, post: FormPost): Promise<FormOutcome> {
  const { content } = form;
  if (post.origin !== undefined && !content.allowedOrigins.includes(post.origin))
    throw originNotAllowed(post.origin);

  const rate = await deps.rateLimits.hit(`form#${form.id}`, post.client.ip, content.rateLimit, deps.now());
  if (!rate.allowed)
    throw new TooManyRequests(
      `This form takes at most ${content.rateLimit.requests} posts per ${content.rateLimit.windowSeconds} s from one client; retry in ${rate.retryAfterSeconds} s.`,
      rate.retryAfterSeconds,
    );

  const submissionId = deps.newId('sub');
  const receipt = { received: true as const, submissionId };
  const honeypot = content.honeypotField ? post.body[content.honeypotField] : undefined;
  if (honeypot !== undefined && honeypot !== null && String(honeypot).trim() !== '') {
    // Answered like a success, so the bot learns nothing; logged for whoever tunes the form.
    logger.info('web form honeypot filled; nothing created', { formId: form.id, submissionId });
    return { receipt };
  }

  const errors: FieldError[] = [];
  const input: Record<string, unknown> = { source: content.source };
  const formFieldOf = new Map<string, string>();
  for (const [name, raw] of Object.entries(post.body)) {
    const target = content.fields[name] as FormTarget | undefined;
    if (!target) {
      if (name !== content.honeypotField && !content.ignoreFields.includes(name))
        errors.push({
          pointer: toPointer([name.slice(0, 64)]),
          detail: 'is not a field of this form',
          code: 'unknown_field',
        });
      continue;
    }
    formFieldOf.set(target, name);
    if (raw === null || raw === undefined) continue;
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      errors.push({ pointer: `/${name}`, detail: 'must be text', code: 'invalid_type' });
      continue;
    }
    const text = typeof raw === 'string' ? raw.trim() : raw;
    if (text === '') continue;
    input[target] = normalise(target, text, content.defaultCountry as CountryCode | undefined);
  }
  if (errors.length > 0) throw invalidFields(errors);

  const parsed = LeadInput.safeParse(input);
  if (!parsed.success) {
    const pointer = (leadPointer: string) => {
      const field = leadPointer.split('/')[1] ?? '';
      return `/${formFieldOf.get(field) ?? Object.entries(content.fields).find(([, t]) => t === field)?.[0] ?? field}`;
    };
    throw invalidFields(fieldErrors(parsed.error).map((e) => ({ ...e, pointer: pointer(e.pointer) })));
  }
  const source: ChangeSource = {
    actor: { id: form.id, name: `Web form ${content.name}`, kind: 'system' },
    channel: 'web-form',
    context: {
      ip: post.client.ip,
      userAgent: post.client.userAgent,
      correlationId: post.client.correlationId,
      ...(post.origin ? { origin: post.origin } : {}),
    },
  };
  const intake = await intakeLead(deps, parsed.data as Record<string, unknown>, source, {
    form: { id: form.id, name: content.name, version: form.version },
    submissionId,
  });
  return { receipt, intake };
}

function normalise(
  target: FormTarget,
  value: string | number | boolean,
  defaultCountry: CountryCode | undefined,
) {
  // "1200", "1,200" and "1 200" are all twelve hundred; anything else is left for validation to name.
  if (target === 'employees' && typeof value === 'string' && /^\d[\d ,]{0,12}$/.test(value))
    return Number(value.replace(/[ ,]/g, ''));
  if (target === 'phone' && typeof value === 'string' && defaultCountry && !/^(\+|00)/.test(value)) {
    try {
      const phone = parsePhoneNumberWithError(value, defaultCountry);
      if (phone.isValid()) return phone.number;
    } catch {
      // left as written: the lead's validation names the problem
    }
  }
  return value;
}
