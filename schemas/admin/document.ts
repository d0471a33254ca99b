/**
 * The request shapes every admin document kind shares: a new version (create, add a version) and
 * the choice of its active version. One declaration validates requests and documents the routes.
 */
import * as z from 'zod';
import { text } from '../common.ts';

/** Body of a create or a new version, over the kind's content schema. */
export const VersionRequest = <Content extends z.ZodType>(content: Content) =>
  z.strictObject({
    content,
    note: text(500)
      .optional()
      .meta({ description: 'Why this version: shown in the version list and history' }),
    activate: z.boolean().default(false).meta({ description: 'Make this version the active one at once' }),
  });

/** Body of an activation. */
export const ActivateRequest = z.strictObject({
  version: z
    .int()
    .min(1)
    .nullable()
    .meta({ description: 'The version to make active; null deactivates the document' }),
});
