import { parsePhoneNumberWithError } from 'libphonenumber-js/min';
import * as z from 'zod';

/**
 * A phone number in international form, written any common way ("+49 151 1234-5678",
 * "(+44) 20 7946 0958"), stored in E.164. libphonenumber's metadata decides validity.
 */
export const Phone = z
  .string()
  .max(40, { error: 'must be at most 40 characters' })
  .transform((raw, ctx) => {
    try {
      const parsed = parsePhoneNumberWithError(raw);
      if (parsed.isValid()) return parsed.number;
    } catch {
      // fall through to the issue below
    }
    ctx.addIssue({
      code: 'custom',
      message: 'must be a valid phone number in international form, such as +49 151 12345678',
    });
    return z.NEVER;
  })
  .meta({ description: 'International phone number; stored in E.164', example: '+4915112345678' });
