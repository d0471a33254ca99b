import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '#store/cursor';
import { InvalidCursorError } from '#store/errors';

const ATTRIBUTES = ['pk', 'sk', 'gsi2pk', 'gsi2sk'] as const;
const PARTITION = { attribute: 'gsi2pk', value: 'lead#usr_01JD0000000000000000000001' };
const lastKey = {
  pk: 'lead#led_01JD0000000000000000000009',
  sk: 'RECORD',
  gsi2pk: 'lead#usr_01JD0000000000000000000001',
  gsi2sk: 'led_01JD0000000000000000000009',
};

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

const decodeFailure = (cursor: string): unknown => {
  try {
    decodeCursor(cursor, ATTRIBUTES, PARTITION);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('cursors', () => {
  it('round-trips the key a query stopped at', () => {
    const cursor = encodeCursor(lastKey);

    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor ?? '', ATTRIBUTES, PARTITION)).toEqual(lastKey);
  });

  it('gives no cursor on the last page', () => {
    expect(encodeCursor(undefined)).toBeNull();
  });

  it.each([
    ['a missing attribute', encode({ pk: lastKey.pk, sk: lastKey.sk, gsi2pk: lastKey.gsi2pk })],
    ['an extra attribute', encode({ ...lastKey, gsi3pk: 'lead#new' })],
    ['another index’s attributes', encode({ pk: 'a', sk: 'b', gsi3pk: PARTITION.value, gsi3sk: 'c' })],
    ['another partition value (someone else’s list)', encode({ ...lastKey, gsi2pk: 'lead#usr_OTHER' })],
    ['a number where a string belongs', encode({ ...lastKey, gsi2sk: 7 })],
    ['a nested object', encode({ ...lastKey, sk: { S: 'RECORD' } })],
    ['an attribute over 1024 characters', encode({ ...lastKey, gsi2sk: 'x'.repeat(1025) })],
    ['a JSON array', encode([lastKey])],
    ['JSON null', encode(null)],
    ['not JSON at all', Buffer.from('pk=lead', 'utf8').toString('base64url')],
    ['characters outside base64url', `${encodeCursor(lastKey)}+/=`],
    ['an empty string', ''],
    ['more than 2048 characters', 'A'.repeat(2049)],
    [
      'a "__proto__" key',
      encode(JSON.parse(`{"__proto__": 1, "pk": "a", "sk": "b", "gsi2pk": "${PARTITION.value}"}`)),
    ],
  ])('refuses a cursor with %s', (_what, cursor) => {
    const error = decodeFailure(cursor);

    expect(error).toBeInstanceOf(InvalidCursorError);
  });

  it('says whether a cursor is malformed or belongs to another list', () => {
    expect((decodeFailure('%%%') as Error).message).toBe('the cursor is malformed');
    expect((decodeFailure(encode({ ...lastKey, gsi2pk: 'lead#x' })) as Error).message).toBe(
      'the cursor does not belong to this list',
    );
  });
});
