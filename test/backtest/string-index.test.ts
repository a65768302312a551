/** The archives' id column and id -> row index behave as a Map<string, number> over any sequence of operations. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdColumn, IdIndex } from '../../src/util/string-index.ts';
import { SequentialIds } from '../../src/orders/client-ids.ts';

describe('IdColumn and IdIndex', () => {
  const ids = fc.oneof(
    fc.nat(3_000_000).map((n) => `smacrossbt${n.toString(36)}`),
    fc.nat(5000).map((n) => `other${n.toString(36)}`),
    fc.constantFrom('smacrossbt0', 'smacrossbt01', 'smacrossbt', 'smacrossbtZ', 'x', '', '0', 'smacrossbt1000000000', 'k3f9x200002ssmacross'),
    fc.string({ maxLength: 4 }),
  );

  it('gives every id back as pushed and agrees with a Map on random sets, deletes and lookups', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('set' as const), id: ids }),
      fc.record({ k: fc.constant('del' as const), id: ids }),
      fc.record({ k: fc.constant('get' as const), id: ids }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const col = new IdColumn();
      const pushed: string[] = [];
      const idx = new IdIndex(col);
      const ref = new Map<string, number>();
      for (const o of ops) {
        if (o.k === 'set') { const r = col.push(o.id); pushed.push(o.id); expect(r).toBe(pushed.length - 1); idx.set(o.id, r); ref.set(o.id, r); }
        else if (o.k === 'del') expect(idx.delete(o.id)).toBe(ref.delete(o.id));
        expect(idx.get(o.id)).toBe(ref.get(o.id));
        expect(idx.has(o.id)).toBe(ref.has(o.id));
        expect(idx.size).toBe(ref.size);
      }
      pushed.forEach((id, r) => expect(col.at(r)).toBe(id));
      for (const [id, r] of ref) expect(idx.get(id)).toBe(r);
    }), { numRuns: 300 });
  });

  it('keeps a run of sequential ids at 4 bytes each, whatever id it starts at', () => {
    for (const start of [1, 35, 36 ** 3 - 5]) {
      const gen = new SequentialIds('smacrossbt', start);
      const col = new IdColumn();
      const idx = new IdIndex(col);
      const all: string[] = [];
      for (let i = 0; i < 50_000; i++) { const id = gen.next(); all.push(id); idx.set(id, col.push(id)); }
      expect(col.bytes).toBeLessThanOrEqual(4 * 4 * 16_384);
      for (let i = 0; i < all.length; i += 101) { expect(col.at(i)).toBe(all[i]); expect(idx.get(all[i]!)).toBe(i); }
    }
  });
});
