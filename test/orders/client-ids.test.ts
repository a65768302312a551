import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLIENT_ID_RULES, DurableIds, checkClientId, formatId, parseDurableId } from '../../src/orders/client-ids.ts';

function seqSource(storeId: string, start = 1) {
  const state = { nextSeq: start };
  return { storeId, state, takeSeq: () => state.nextSeq++ };
}

describe('client order ids', () => {
  it('are valid at every venue parity talks to, up to the last sequence number', () => {
    for (const [venue, rule] of Object.entries(CLIENT_ID_RULES)) {
      const ids = new DurableIds(seqSource('k3f9x2', 36 ** 6 - 2), 'sma-cross: the long name', rule);
      const id = ids.next();
      expect(checkClientId(id, rule), venue).toBeNull();
      expect(id.length).toBeLessThanOrEqual(32);
    }
  });

  it('are deterministic from (store, sequence, strategy) and decode back', () => {
    const a = new DurableIds(seqSource('abc123', 41), 'sma-cross', CLIENT_ID_RULES.okx);
    expect(a.next()).toBe('abc123000015smacross');
    expect(parseDurableId('abc123000015smacross')).toEqual({ storeId: 'abc123', seq: 41, strategy: 'smacross' });
  });

  it('never collide within a store, whatever the strategies (fixed-width store id and sequence)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(36 ** 6 - 1), fc.stringMatching(/^[A-Za-z0-9]{0,20}$/)), { maxLength: 50 }), (pairs) => {
      const seen = new Map<string, number>();
      for (const [seq, strat] of pairs) {
        const id = formatId('s0s0s0', seq, strat);
        const prev = seen.get(id);
        if (prev !== undefined) expect(prev).toBe(seq);
        seen.set(id, seq);
      }
    }));
  });

  it('a venue rule too strict for the scheme is refused before any order exists', () => {
    expect(() => new DurableIds(seqSource('abc123'), 's', { maxLength: 10, pattern: /^[a-z0-9]+$/ })).toThrow(/at most 10 characters/);
    expect(() => new DurableIds(seqSource('abc123'), 'S', { maxLength: 32, pattern: /^[a-z0-9]+$/ })).toThrow(/does not fit the venue/);
  });
});
