import './support/env.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger, maskPersonalData } from '#platform/observability';

describe('maskPersonalData', () => {
  it.each([
    ['ada@example.com', '[email]'],
    ['Ada.Lovelace+crm@Mail.Example.co.uk', '[email]'],
    ['lead from ada@example.com and grace@navy.mil', 'lead from [email] and [email]'],
  ])('masks the email address in %j', (input, masked) => {
    expect(maskPersonalData(input)).toBe(masked);
  });

  it.each([
    ['+49 151 1234-5678', '[phone]'],
    ['+4915112345678', '[phone]'],
    ['+1 (650) 253-0000', '[phone]'],
    ['+44 20 7946 0958', '[phone]'],
    ['+33 1 42 68 53 00', '[phone]'],
    ['+81 3-1234-5678', '[phone]'],
    ['call (+44) 20 7946 0958 today', 'call ([phone] today'],
  ])('masks the international phone number in %j', (input, masked) => {
    expect(maskPersonalData(input)).toBe(masked);
  });

  it.each([
    'quote quo_01JD0000000000000000000001 approved',
    'total 1234567 minor units',
    'at 2026-03-01T09:00:00+02:00',
    'SLA breached after 48 h',
  ])('leaves text without personal data alone: %j', (input) => {
    expect(maskPersonalData(input)).toBe(input);
  });

  it('masks every digit of a phone number written with a slash, a form the Phone schema accepts', () => {
    const masked = maskPersonalData('call +49 (0) 151 / 1234 5678 now');

    expect(masked).not.toMatch(/\d{4} \d{4}/);
  });
});

describe('logger', () => {
  let written: string[];

  beforeEach(() => {
    written = [];
    // Powertools' Logger writes through its own Console bound to process.stdout / process.stderr.
    const capture = (chunk: string | Uint8Array) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    logger.setLogLevel('SILENT');
  });

  const output = () => written.join('');
  const lines = () =>
    output()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it('prints neither emails nor phone numbers at INFO, in the message or in extra fields', () => {
    logger.setLogLevel('INFO');

    logger.info('lead from ada@example.com, call +49 151 12345678', {
      lead: { email: 'grace@example.com', phone: '+44 20 7946 0958', company: 'Acme' },
    });

    expect(lines()).toHaveLength(1);
    const [line] = lines();
    expect(line?.message).toBe('lead from [email], call [phone]');
    expect(line?.lead).toEqual({ email: '[email]', phone: '[phone]', company: 'Acme' });
    for (const secret of ['ada@', 'grace@', '12345678', '7946']) expect(output()).not.toContain(secret);
  });

  it('masks personal data inside a logged error, message and stack alike', () => {
    logger.setLogLevel('INFO');

    logger.error('request failed', { error: new Error('no user with email ada@example.com') });

    expect(output()).toContain('[email]');
    expect(output()).not.toContain('ada@example.com');
  });

  it('masks personal data at DEBUG too, since sampled invocations log at DEBUG in production', () => {
    logger.setLogLevel('DEBUG');

    logger.debug('lead from ada@example.com, call +49 151 12345678');
    logger.info('contact', { phone: '+44 20 7946 0958' });

    expect(output()).toContain('[email]');
    expect(output()).not.toContain('ada@example.com');
    expect(output()).not.toContain('12345678');
    expect(output()).not.toContain('7946 0958');
  });
});
