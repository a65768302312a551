/** The id -> row index of the archives behaves as a Map<string, number> over any sequence of operations. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StringIndex } from '../../src/util/string-index.ts';

describe('StringIndex', () => {
  it('agrees with a Map on random sets, deletes and lookups', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('set' as const), id: fc.string({ maxLength: 3 }) }),
      fc.record({ k: fc.constant('del' as const), id: fc.string({ maxLength: 3 }) }),
      fc.record({ k: fc.constant('get' as const), id: fc.string({ maxLength: 3 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const keys: string[] = [];
      const idx = new StringIndex((r) => keys[r]!);
      const ref = new Map<string, number>();
      for (const o of ops) {
        if (o.k === 'set') { keys.push(o.id); idx.set(o.id, keys.length - 1); ref.set(o.id, keys.length - 1); }
        else if (o.k === 'del') expect(idx.delete(o.id)).toBe(ref.delete(o.id));
        expect(idx.get(o.id)).toBe(ref.get(o.id));
        expect(idx.has(o.id)).toBe(ref.has(o.id));
        expect(idx.size).toBe(ref.size);
      }
      for (const [id, r] of ref) expect(idx.get(id)).toBe(r);
    }), { numRuns: 300 });
  });

  it('holds a hundred thousand ids', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `smacrossbt${i.toString(36)}`);
    const idx = new StringIndex((r) => keys[r]!);
    keys.forEach((k, i) => idx.set(k, i));
    for (let i = 0; i < keys.length; i += 997) expect(idx.get(keys[i]!)).toBe(i);
    expect(idx.get('nope')).toBeUndefined();
    expect(idx.size).toBe(100_000);
  });
});
