import * as z from 'zod';

/** The survey page's form (or a JSON post): the link's nonce, a rating from 1 to 5, a comment. */
export const SurveyAnswer = z
  .strictObject({
    nonce: z.string().min(1).max(64),
    rating: z.coerce
      .number({ error: 'must be a whole number from 1 to 5' })
      .int({ error: 'must be a whole number from 1 to 5' })
      .min(1, { error: 'must be a whole number from 1 to 5' })
      .max(5, { error: 'must be a whole number from 1 to 5' }),
    comment: z
      .string()
      .max(2000, { error: 'must be at most 2000 characters' })
      .optional()
      .transform((c) => c?.trim() || undefined),
  })
  .meta({ id: 'SurveyAnswer' });
