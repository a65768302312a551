/**
 * A hostile (or careless) user against Bybit through the adapter: a burst of orders above Bybit's
 * own 10 orders/s per UID, a client id Bybit would refuse, reduce-only on spot. What reaches the
 * venue must be what Bybit accepts; what it would refuse is refused here first, saying why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { brig, until, type BRig } from './bybit-harness.ts';

const rigs: BRig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof brig>[0] = {}): Promise<BRig> => { const r = await brig(o); rigs.push(r); return r; };
const order = (cid: string, symbol = 'BTC/USDT:USDT', extra: Record<string, unknown> = {}) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol, side: 'buy' as const, qty: 0.01, type: 'limit' as const, limitPrice: 49_000, ...extra } });

describe('Bybit: a hostile user', () => {
  it('15 orders at once never put more than 10 creates in any second at the venue (Bybit: 10 orders/s per UID)', async () => {
    const r = await make();
    const at: number[] = [];
    r.h.routes.push((q) => { if (q.path === 'order/create') at.push(Date.now()); return undefined; });
    for (let i = 0; i < 15; i++) r.c.execution.submit(order(`q8burst${String(i).padStart(6, '0')}`));
    await until('all accepted', () => r.reports.filter((x) => x.kind === 'accepted').length === 15, 8000);
    for (const t of at) expect(at.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(10);
  }, 15_000);

  it('a client id Bybit would refuse (37 characters; a dot) is refused before anything is sent', async () => {
    const r = await make();
    r.c.execution.submit(order('x'.repeat(37)));
    r.c.execution.submit(order('q8has.dot'));
    await until('two rejects', () => r.reports.filter((x) => x.kind === 'rejected').length === 2, 3000);
    expect(r.h.log.some((l) => l.startsWith('POST order/create'))).toBe(false);
  });

  it('reduce-only on spot (Bybit refuses it there) is refused before anything is sent, saying so', async () => {
    const r = await make({ symbols: ['BTC/USDT', 'BTC/USDT:USDT'] });
    r.c.execution.submit(order('q8spotro000001', 'BTC/USDT', { reduceOnly: true }));
    await until('a reject', () => r.reports.some((x) => x.kind === 'rejected'), 3000);
    expect(r.reports.find((x) => x.kind === 'rejected')).toMatchObject({ reason: expect.stringMatching(/reduce-only/) });
    expect(r.h.log.some((l) => l.startsWith('POST order/create'))).toBe(false);
  });
});
