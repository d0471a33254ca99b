/**
 * A web form that posts leads into Junction: which sites may post it (CORS), how its fields map
 * onto a lead, the honeypot field bots fill and people never see, the source label its leads
 * carry, and how many posts one client may make in a window. Admins own it as data.
 */
import * as z from 'zod';
import { CountryCode, longText, text } from '../common.ts';

/** Lead fields a form field can fill. */
export const FORM_TARGETS = [
  'firstName',
  'lastName',
  'email',
  'phone',
  'company',
  'title',
  'country',
  'employees',
] as const;
export type FormTarget = (typeof FORM_TARGETS)[number];

/** Names HTML forms use: letters, digits and a few punctuation marks, as in `contact[email]`. */
export const FormFieldName = z.string().regex(/^[A-Za-z0-9_.\-[\]]{1,64}$/, {
  error: 'must be 1–64 letters, digits or _ . - [ ]',
});

/** An origin as browsers send it: scheme, host and port only, lower case, no path. */
export const Origin = z
  .string()
  .max(200)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
      } catch {
        return false;
      }
    },
    { error: 'must be an origin such as https://www.example.com (scheme and host, no path or slash)' },
  );

export const RateLimit = z
  .strictObject({
    requests: z.int().min(1).max(10_000),
    windowSeconds: z.int().min(1).max(86_400),
  })
  .meta({ description: 'At most `requests` posts per client IP in each fixed window of `windowSeconds`' });

export const LeadForm = z
  .strictObject({
    name: text(100),
    description: longText(1000).optional(),
    fields: z.record(FormFieldName, z.enum(FORM_TARGETS)).meta({
      description: 'Form field name → lead field',
      example: { email: 'email', fname: 'firstName', lname: 'lastName' },
    }),
    honeypotField: FormFieldName.optional().meta({
      description:
        'A field hidden from people; a post that fills it is answered as usual and creates nothing',
    }),
    ignoreFields: z
      .array(FormFieldName)
      .max(20)
      .default([])
      .meta({ description: 'Fields the form sends that are not lead data (a submit button, a consent box)' }),
    source: text(100).default('web-form').meta({ description: 'The source its leads carry' }),
    allowedOrigins: z
      .array(Origin)
      .max(20)
      .default([])
      .meta({ description: 'Sites whose pages may post the form from a browser (CORS)' }),
    rateLimit: RateLimit.default({ requests: 5, windowSeconds: 60 }),
    defaultCountry: CountryCode.optional().meta({
      description: 'Reads phone numbers written without a country code (0151 …) as numbers of this country',
    }),
  })
  .superRefine((form, ctx) => {
    const targets = Object.values(form.fields);
    const seen = new Set<string>();
    for (const [field, target] of Object.entries(form.fields)) {
      if (seen.has(target))
        ctx.addIssue({
          code: 'custom',
          path: ['fields', field],
          message: `another form field already fills ${target}`,
        });
      seen.add(target);
    }
    if (Object.keys(form.fields).length > 30)
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'a form maps at most 30 fields' });
    if (!targets.includes('lastName'))
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'some field must fill lastName' });
    if (!targets.includes('email') && !targets.includes('phone'))
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'some field must fill email or phone' });
    const mapped = new Set(Object.keys(form.fields));
    if (
      form.honeypotField &&
      (mapped.has(form.honeypotField) || form.ignoreFields.includes(form.honeypotField))
    )
      ctx.addIssue({
        code: 'custom',
        path: ['honeypotField'],
        message: 'the honeypot must be a field of its own, neither mapped nor ignored',
      });
    form.ignoreFields.forEach((field, i) => {
      if (mapped.has(field))
        ctx.addIssue({ code: 'custom', path: ['ignoreFields', i], message: 'is mapped to a lead field' });
    });
  })
  .meta({ id: 'LeadForm' });
export type LeadForm = z.output<typeof LeadForm>;

/** What a form post is answered with: the same whether it created a lead, merged one or was a bot's. */
export const FormReceipt = z
  .object({
    received: z.literal(true),
    submissionId: z.string().meta({ description: 'Quote it when asking about this submission' }),
  })
  .meta({ id: 'LeadFormReceipt' });
