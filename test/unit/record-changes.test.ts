import { afterEach, describe, expect, it } from 'vitest';
import { diff, etagOf, ifMatchAdmits, mergePatch } from '#functions/records/domain/record-changes';
import { RECORD_TYPES } from '#functions/records/domain/record-types';
import { fieldErrors } from '#functions/shared/errors';

/** A patch as it arrives over HTTP: parsed from JSON text, so `__proto__` is an ordinary key. */
const fromJson = (text: string): unknown => JSON.parse(text);

describe('mergePatch (RFC 7396)', () => {
  // RFC 7396, Appendix A, every example in order.
  const appendixA: [original: string, patch: string, result: string][] = [
    ['{"a":"b"}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"b"}', '{"b":"c"}', '{"a":"b","b":"c"}'],
    ['{"a":"b"}', '{"a":null}', '{}'],
    ['{"a":"b","b":"c"}', '{"a":null}', '{"b":"c"}'],
    ['{"a":["b"]}', '{"a":"c"}', '{"a":"c"}'],
    ['{"a":"c"}', '{"a":["b"]}', '{"a":["b"]}'],
    ['{"a":{"b":"c"}}', '{"a":{"b":"d","c":null}}', '{"a":{"b":"d"}}'],
    ['{"a":[{"b":"c"}]}', '{"a":[1]}', '{"a":[1]}'],
    ['["a","b"]', '["c","d"]', '["c","d"]'],
    ['{"a":"b"}', '["c"]', '["c"]'],
    ['{"a":"foo"}', 'null', 'null'],
    ['{"a":"foo"}', '"bar"', '"bar"'],
    ['{"e":null}', '{"a":1}', '{"e":null,"a":1}'],
    ['[1,2]', '{"a":"b","c":null}', '{"a":"b"}'],
    ['{}', '{"a":{"bb":{"ccc":null}}}', '{"a":{"bb":{}}}'],
  ];

  it.each(appendixA)('merges %s with patch %s into %s', (original, patch, expected) => {
    const result = mergePatch(fromJson(original), fromJson(patch));

    expect(result).toEqual(fromJson(expected));
  });

  it('leaves the record it patches untouched', () => {
    const original = { name: 'Acme', address: { city: 'Berlin', zip: '10115' } };
    const snapshot = structuredClone(original);

    mergePatch(original, { address: { city: 'Hamburg', zip: null } });

    expect(original).toEqual(snapshot);
  });

  describe('prototype keys in a patch', () => {
    afterEach(() => {
      // Undo any damage, so one failing test cannot poison the others.
      delete (Object.prototype as Record<string, unknown>).polluted;
    });

    it('turns "__proto__" into an ordinary own key and never changes a prototype', () => {
      const patch = fromJson('{"__proto__": {"polluted": true}, "name": "Initech"}');

      const result = mergePatch({ name: 'Acme' }, patch) as Record<string, unknown>;

      expect(Object.hasOwn(result, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
      expect(result.name).toBe('Initech');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('keeps a nested "__proto__" as data too', () => {
      const patch = fromJson('{"address": {"__proto__": {"polluted": true}}}');

      const result = mergePatch({ address: { city: 'Berlin' } }, patch) as {
        address: Record<string, unknown>;
      };

      expect(Object.hasOwn(result.address, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(result.address)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('does not reach Object.prototype through "constructor"', () => {
      const patch = fromJson('{"constructor": {"prototype": {"polluted": true}}}');

      const result = mergePatch({ name: 'Acme' }, patch) as Record<string, unknown>;

      expect(Object.hasOwn(result, 'constructor')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.constructor).toBe(Object);
    });

    it('yields a record the strict schema refuses, naming each such key as an unknown field', () => {
      const account = RECORD_TYPES.account;
      const patch = fromJson('{"__proto__": {"tier": "platinum"}, "constructor": {"prototype": {"x": 1}}}');

      const merged = mergePatch({ name: 'Acme', tier: 'standard' }, patch);
      const parsed = account.input.safeParse(merged);

      expect(parsed.success).toBe(false);
      expect(parsed.success ? [] : fieldErrors(parsed.error)).toEqual([
        { pointer: '/__proto__', detail: 'is not a known field', code: 'unknown_field' },
        { pointer: '/constructor', detail: 'is not a known field', code: 'unknown_field' },
      ]);
    });
  });
});

describe('diff', () => {
  it('finds nothing between equal values, however deep', () => {
    const record = { name: 'Acme', tags: ['a', { b: [1, 2] }], address: { city: 'Berlin' }, gone: null };

    expect(diff(record, structuredClone(record))).toEqual([]);
  });

  it('names each changed leaf of a nested object by JSON Pointer, with from and to', () => {
    const before = { name: 'Acme', address: { city: 'Berlin', zip: '10115' } };
    const after = { name: 'Acme', address: { city: 'Hamburg', zip: '10115' } };

    expect(diff(before, after)).toEqual([{ field: '/address/city', from: 'Berlin', to: 'Hamburg' }]);
  });

  it('gives only "to" for an added field and only "from" for a removed one', () => {
    const before = { name: 'Acme', industry: 'Retail' };
    const after = { name: 'Acme', employees: 40 };

    expect(diff(before, after)).toEqual([
      { field: '/employees', to: 40 },
      { field: '/industry', from: 'Retail' },
    ]);
  });

  it('compares arrays element by element, reporting grown and shrunk positions', () => {
    const before = { lines: [{ quantity: 1 }, { quantity: 2 }], tags: ['a'] };
    const after = { lines: [{ quantity: 1 }, { quantity: 5 }], tags: ['a', 'b'] };
    const shrunk = { lines: [{ quantity: 1 }], tags: ['a'] };

    expect(diff(before, after)).toEqual([
      { field: '/lines/1/quantity', from: 2, to: 5 },
      { field: '/tags/1', to: 'b' },
    ]);
    expect(diff(before, shrunk)).toEqual([{ field: '/lines/1', from: { quantity: 2 } }]);
  });

  it('reports a value that changes kind (object to array) as one change of the whole field', () => {
    expect(diff({ a: { x: 1 } }, { a: [1] })).toEqual([{ field: '/a', from: { x: 1 }, to: [1] }]);
  });

  it('reports a field set to null as a change, distinct from removing it', () => {
    expect(diff({ a: 'x' }, { a: null })).toEqual([{ field: '/a', from: 'x', to: null }]);
  });

  it('escapes "~" and "/" in field names as RFC 6901 requires', () => {
    expect(diff({ 'a/b': 1, 'c~d': 1 }, { 'a/b': 2, 'c~d': 2 })).toEqual([
      { field: '/a~1b', from: 1, to: 2 },
      { field: '/c~0d', from: 1, to: 2 },
    ]);
  });
});

describe('ETags and If-Match', () => {
  it('tags version 3 as the strong ETag "v3"', () => {
    expect(etagOf(3)).toBe('"v3"');
  });

  it.each([
    ['"v3"', 3, true],
    ['"v3"', 4, false],
    ['"v33"', 3, false],
    ['W/"v3"', 3, false],
    ['*', 3, true],
    ['"v1", "v3"', 3, true],
    ['"v1","v2"', 3, false],
    ['"v1" ,  W/"v3" ', 3, false],
    ['v3', 3, false],
    ['', 3, false],
  ] as const)('If-Match %j admits version %i: %s', (header, version, admitted) => {
    expect(ifMatchAdmits(header, version)).toBe(admitted);
  });
});
