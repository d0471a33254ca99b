import * as z from 'zod';
import { Email, recordId, text } from '../common.ts';
import { Phone } from '../phone.ts';

export const ContactInput = z
  .strictObject({
    firstName: text(100).optional(),
    lastName: text(100),
    email: Email.optional(),
    phone: Phone.optional(),
    title: text(100).optional(),
    accountId: recordId('acc').optional(),
    ownerId: recordId('usr').optional(),
    emailOptOut: z.boolean().default(false),
    smsOptOut: z.boolean().default(false),
  })
  .meta({ id: 'ContactInput' });
