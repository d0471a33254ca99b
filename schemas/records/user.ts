import * as z from 'zod';
import { Email, IsoDateTime, Role, recordId, text } from '../common.ts';
import { Phone } from '../phone.ts';

export const OutOfOffice = z
  .strictObject({
    from: IsoDateTime,
    until: IsoDateTime,
    delegateId: recordId('usr').optional().meta({ description: 'Who acts for this user meanwhile' }),
  })
  .refine((o) => Date.parse(o.from) < Date.parse(o.until), {
    error: 'must end after it starts',
    path: ['until'],
  });

/**
 * Whether the runtime knows a time zone. Asking Intl to format in it accepts current and former
 * IANA names alike (Asia/Kolkata and Asia/Calcutta); Intl.supportedValuesOf lists only one of each.
 */
function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Staff: who they are, whom they report to, how much work they take. */
export const UserInput = z
  .strictObject({
    name: text(200),
    email: Email,
    phone: Phone.optional(),
    role: Role,
    managerId: recordId('usr').optional(),
    territory: text(100).optional(),
    capacity: z
      .int()
      .min(0)
      .max(10_000)
      .optional()
      .meta({ description: 'Most open leads this user takes at once' }),
    outOfOffice: OutOfOffice.optional(),
    timeZone: z
      .string()
      .max(64)
      .refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Berlin' })
      .default('UTC'),
    active: z.boolean().default(true),
    smsOptOut: z.boolean().default(false),
    editScope: z.enum(['own', 'team']).default('own').meta({
      description:
        'What a sales user may change besides unowned records: their own (own), or also those of their team, everyone with the same manager (team). Set by admins',
    }),
    cognitoSub: z
      .string()
      .regex(/^[0-9a-zA-Z-]{1,128}$/, { error: 'must be the Cognito user’s sub (a UUID)' })
      .optional()
      .meta({
        description:
          'The Cognito user this staff member signs in as (the `sub` claim; unique). Tokens are matched by it, never by their email claim',
      }),
  })
  .meta({ id: 'UserInput' });
