/**
 * Building blocks shared by every record schema: identifiers, money, text limits, dates.
 *
 * Money is always integer minor units (cents, pence, yen) with an ISO 4217 currency code;
 * percentages that feed money arithmetic are limited to two decimals so they convert exactly
 * to basis points.
 */
import * as z from 'zod';

/** Roles carried by API keys and Cognito groups; every route names the roles it admits. */
export const ROLES = ['admin', 'manager', 'sales', 'support', 'finance', 'integration'] as const;
export const Role = z.enum(ROLES).meta({ id: 'Role', description: 'What a caller may do' });
export type Role = z.infer<typeof Role>;

/** Where a change came from; stored on every audit entry. */
export const CHANNELS = ['api', 'web-form', 'email', 'sms', 'workflow', 'webhook', 'system'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/** `acc_01J…` style: a type prefix, then a ULID (time-ordered, 26 Crockford base32 characters). */
export const recordId = (prefix: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`), { error: `must be an id like ${prefix}_01JD…` })
    .meta({ example: `${prefix}_01JD0000000000000000000000` });

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
export const Currency = z
  .string()
  .refine((code) => CURRENCIES.has(code), { error: 'must be an ISO 4217 currency code such as EUR or USD' })
  .meta({ id: 'Currency', description: 'ISO 4217 currency code', example: 'EUR' });

/** An amount in minor units. Bounded so sums of many lines stay exact in a double. */
export const MAX_MINOR_UNITS = 1_000_000_000_000; // 10^12 minor units: 10 billion of a 2-decimal currency
export const MinorUnits = z
  .int({ error: 'must be a whole number of minor units (e.g. cents)' })
  .min(0)
  .max(MAX_MINOR_UNITS)
  .meta({ description: 'Amount in the currency’s minor units (e.g. cents), never a float' });

/** 0–100 with at most two decimals, so it converts exactly to basis points. */
export const Percent = z
  .number()
  .min(0, { error: 'must be between 0 and 100' })
  .max(100, { error: 'must be between 0 and 100' })
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, { error: 'must have at most two decimals' });

export const toBasisPoints = (percent: number): number => Math.round(percent * 100);

// C0 controls except tab/newline/CR, DEL, C1 controls, and the bidirectional overrides and
// isolates that can make text display differently from what it is ("Trojan Source").
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

const textOf = (max: number, lineBreaks: boolean) =>
  z
    .string()
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((s) => !UNSAFE.test(s), { error: 'must not contain control or text-direction characters' })
    .refine((s) => lineBreaks || !/[\t\n\r]/.test(s), { error: 'must be a single line' })
    // A lone UTF-16 surrogate (possible through JSON \uD800 escapes) is not valid Unicode and
    // cannot be stored as UTF-8.
    .refine((s) => !/\p{Surrogate}/u.test(s), { error: 'must be valid Unicode text' });

/** Short human text (names, titles): one line, trimmed, bounded. */
export const text = (max = 200) => textOf(max, false);

/** Long free text (descriptions, notes): line breaks and tabs allowed. */
export const longText = (max = 10_000) => textOf(max, true);

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, { error: 'must be at most 254 characters' })
  .pipe(z.email({ error: 'must be an email address' }));

export const CountryCode = z
  .string()
  .regex(/^[A-Z]{2}$/, { error: 'must be an ISO 3166-1 alpha-2 country code such as DE' });

export const IsoDate = z.iso.date({ error: 'must be a date as YYYY-MM-DD' });
export const IsoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/** Fields every stored record carries, set by the server only. */
export const SystemFields = z.object({
  version: z.int().min(1).meta({ description: 'Increases by one on every change; the ETag carries it' }),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  createdBy: z.string(),
  updatedBy: z.string(),
  archived: z.boolean().meta({ description: 'Archived records are kept, hidden from lists by default' }),
});
export type SystemFields = z.infer<typeof SystemFields>;

/** A record as stored and returned: its fields, its id and the system fields. */
export type StoredRecord = { id: string } & SystemFields & Record<string, unknown>;
