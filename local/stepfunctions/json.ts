/** JSON values as state machines see them, and the payload limit Step Functions enforces. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Step Functions caps every input, output and task result at 256 KiB of UTF-8. */
export const MAX_PAYLOAD_BYTES = 262_144;

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Parses JSON text, answering undefined instead of throwing. */
export function tryParseJson(text: string): { value: Json } | undefined {
  try {
    return { value: JSON.parse(text) as Json };
  } catch {
    return undefined;
  }
}

/** What a value looks like after a trip through JSON, as every payload takes on AWS. */
export function toJson(value: unknown): Json {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as Json);
}

export const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
