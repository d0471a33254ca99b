import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { DomainError, fieldErrors, parseOrThrow, toPointer } from '#functions/shared/errors';
import {
  badRequest,
  conflict,
  forbidden,
  malformedJson,
  notFound,
  payloadTooLarge,
  preconditionFailed,
  problemOf,
  unauthenticated,
  unprocessable,
  unsupportedMediaType,
  validationProblem,
} from '#functions/shared/problem';

const errorsOf = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be refused');
  return fieldErrors(result.error);
};

describe('fieldErrors', () => {
  it('points at a nested field with a JSON Pointer through arrays', () => {
    const errors = errorsOf(RECORD_TYPES.quote.input, {
      name: 'Renewal',
      accountId: 'acc_01JD0000000000000000000001',
      currency: 'EUR',
      validUntil: '2027-01-31',
      lines: [
        { productId: 'prd_01JD0000000000000000000001', quantity: 1 },
        { description: 'x', unitPrice: 5, quantity: 0 },
      ],
    });

    expect(errors).toEqual([
      { pointer: '/lines/1/quantity', detail: 'must be at least 1', code: 'too_small' },
    ]);
  });

  it('escapes "~" as ~0 and "/" as ~1, in that order', () => {
    const schema = z.object({ 'a/b': z.string(), 'c~d': z.string(), '~/': z.string(), '/': z.string() });

    const pointers = errorsOf(schema, {}).map((e) => e.pointer);

    // "/" alone must become "~1", not "~01" (which is what escaping "/" first would give).
    expect(pointers).toEqual(['/a~1b', '/c~0d', '/~0~1', '/~1']);
  });

  it('points at the whole document with the empty pointer', () => {
    expect(errorsOf(z.object({}), 'not an object')).toEqual([
      { pointer: '', detail: expect.any(String), code: 'invalid_type' },
    ]);
  });

  it('turns unknown keys into one unknown_field error per key', () => {
    const errors = errorsOf(RECORD_TYPES.account.input, { name: 'Acme', colour: 'red', 'size/cm': 3 });

    expect(errors).toEqual([
      { pointer: '/colour', detail: 'is not a known field', code: 'unknown_field' },
      { pointer: '/size~1cm', detail: 'is not a known field', code: 'unknown_field' },
    ]);
  });

  it('places unknown keys of a nested object under their parent', () => {
    const errors = errorsOf(RECORD_TYPES.quote.input, {
      name: 'Renewal',
      accountId: 'acc_01JD0000000000000000000001',
      currency: 'EUR',
      validUntil: '2027-01-31',
      lines: [{ description: 'x', unitPrice: 5, quantity: 1, colour: 'red' }],
    });

    expect(errors).toEqual([
      { pointer: '/lines/0/colour', detail: 'is not a known field', code: 'unknown_field' },
    ]);
  });

  it('prefixes every pointer with where the value sat', () => {
    const result = z.strictObject({ limit: z.number() }).safeParse({ limit: 'x', extra: 1 });
    if (result.success) throw new Error('expected failure');

    const pointers = fieldErrors(result.error, ['query']).map((e) => e.pointer);

    expect(pointers.sort()).toEqual(['/query/extra', '/query/limit']);
  });

  it('joins path segments into a pointer with toPointer', () => {
    expect(toPointer(['lines', 0, 'a/b'])).toBe('/lines/0/a~1b');
    expect(toPointer([])).toBe('');
  });
});

describe('parseOrThrow', () => {
  it('returns the parsed value, defaults applied', () => {
    const account = parseOrThrow(RECORD_TYPES.account.input, { name: '  Acme ' });

    expect(account).toEqual({ name: 'Acme', tier: 'standard' });
  });

  it('throws one error listing every failing field, answered as one 422 problem', () => {
    let thrown: unknown;
    try {
      parseOrThrow(RECORD_TYPES.account.input, { name: '', country: 'de' }, 'body');
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(DomainError);
    const body = problemOf(thrown as DomainError).toBody();
    expect(body.status).toBe(422);
    expect(body.type).toBe('/problems/validation-failed');
    expect(body.detail).toBe('2 fields are invalid in the request body.');
    expect(body.errors?.map((e) => e.pointer)).toEqual(['/name', '/country']);
  });
});

describe('problem factories', () => {
  it.each([
    ['badRequest', badRequest('x'), 400, 'bad-request', 'Bad request'],
    ['malformedJson', malformedJson('x'), 400, 'malformed-json', 'Malformed JSON'],
    ['unauthenticated', unauthenticated('x'), 401, 'unauthenticated', 'Authentication required'],
    ['forbidden', forbidden('x'), 403, 'forbidden', 'Forbidden'],
    ['notFound', notFound('x'), 404, 'not-found', 'Not found'],
    ['conflict', conflict('locked', 'Record locked', 'x'), 409, 'locked', 'Record locked'],
    ['preconditionFailed', preconditionFailed('x'), 412, 'precondition-failed', 'Precondition failed'],
    ['payloadTooLarge', payloadTooLarge(10), 413, 'payload-too-large', 'Payload too large'],
    [
      'unsupportedMediaType',
      unsupportedMediaType('text/plain', ['application/json'], 'POST'),
      415,
      'unsupported-media-type',
      'Unsupported media type',
    ],
    ['unprocessable', unprocessable('key-reused', 'Key reused', 'x'), 422, 'key-reused', 'Key reused'],
    ['validationProblem', validationProblem([]), 422, 'validation-failed', 'Validation failed'],
  ] as const)('%s answers %i with type /problems/%s', (_name, problem, status, slug, title) => {
    const body = problem.toBody();

    expect(problem.status).toBe(status);
    expect(body).toMatchObject({ status, type: `/problems/${slug}`, title });
    expect(problem).toBeInstanceOf(Error);
  });

  it('asks for credentials with a WWW-Authenticate header on 401', () => {
    expect(unauthenticated('no key').headers).toEqual({ 'www-authenticate': 'ApiKey' });
  });

  it('names the limit in a 413', () => {
    expect(payloadTooLarge(262_144).detail).toBe('The request body exceeds 262144 bytes.');
  });

  it('names the media type it got and the ones it takes in a 415', () => {
    const problem = unsupportedMediaType(
      'text/plain',
      ['application/merge-patch+json', 'application/json'],
      'PATCH',
    );

    expect(problem.detail).toBe(
      'Content-Type "text/plain" is not accepted here; send application/merge-patch+json or application/json.',
    );
    expect(unsupportedMediaType(undefined, ['application/json'], 'POST').detail).toContain('(none)');
  });

  it('names what is accepted in the header the method has for it: Accept-Patch for PATCH, Accept-Post for POST', () => {
    expect(unsupportedMediaType('text/plain', ['application/json'], 'PATCH').headers).toEqual({
      'accept-patch': 'application/json',
    });
    expect(unsupportedMediaType('text/plain', ['application/json'], 'POST').headers).toEqual({
      'accept-post': 'application/json',
    });
  });

  it('says how many fields failed, and where', () => {
    const one = validationProblem([{ pointer: '/a', detail: 'bad', code: 'x' }], 'query');
    const two = validationProblem([
      { pointer: '/a', detail: 'bad', code: 'x' },
      { pointer: '/b', detail: 'bad', code: 'x' },
    ]);

    expect(one.detail).toBe('One field is invalid in the request query.');
    expect(two.detail).toBe('2 fields are invalid in the request body.');
    expect(two.toBody().errors).toHaveLength(2);
  });

  it('carries the instance and the extensions in its body, and leaves instance out when unknown', () => {
    const problem = preconditionFailed('stale', { currentETag: '"v4"' });

    expect(problem.toBody('/v1/accounts/acc_1')).toEqual({
      type: '/problems/precondition-failed',
      title: 'Precondition failed',
      status: 412,
      detail: 'stale',
      instance: '/v1/accounts/acc_1',
      currentETag: '"v4"',
    });
    expect(problem.toBody()).not.toHaveProperty('instance');
  });
});
