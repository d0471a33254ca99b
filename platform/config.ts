/**
 * Configuration is read once, at cold start, through a zod schema. A missing or malformed
 * variable stops the function with a message that names it, instead of surfacing later as an
 * `undefined` deep inside a request.
 */
import * as z from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Variables every function that touches the records table needs. */
export const TableEnv = z.object({
  TABLE_NAME: z.string().min(1, { error: 'TABLE_NAME must name the records table' }),
});
