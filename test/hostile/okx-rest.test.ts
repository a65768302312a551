/**
 * Hostile REST answers against the real ccxt adapter: 429 / 50011 storms around an order that did
 * land, 5xx on cancel, an HTML error page, a skewed venue clock, and a position we never opened.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { secrets } from '../../src/util/secrets.ts';
import { okxErr, type Route } from './okx-hostile-server.ts';
import { leaks, rig, sleep, until, type Rig } from './okx-harness.ts';

const rigs: Rig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.close(); });
const make = async (o: Parameters<typeof rig>[0] = {}): Promise<Rig> => { const r = await rig(o); rigs.push(r); return r; };

const CID = 'k3f9x2000001hostile';
const sub = (cid = CID) => ({ clientOrderId: cid, ts: Date.now(), request: { symbol: 'BTC/USDT:USDT', side: 'buy' as const, qty: 2, type: 'limit' as const, limitPrice: 49_000 } });
const is = (method: string, path: string): ((r: Parameters<Route>[0]) => boolean) => (r) => r.method === method && r.path === path;

describe('OKX REST: hostile answers', () => {
  it('an order that landed but answered 50011 (429), with the look-up rate-limited too, is never reported rejected while it works at the venue', async () => {
    const r = await make();
    let lookups = 0;
    // The first create lands and answers "too many requests"; the look-ups after it are limited too;
    // the resend then meets OKX's "Duplicated client order ID" (51016).
    r.h.routes.push((q) => (is('GET', 'trade/order')(q) && lookups++ < 1 ? okxErr('50011', 'Too Many Requests', 429) : undefined));
    // Make the first create's ANSWER a 429 while the order is booked: wrap the default.
    let landed = false;
    r.h.routes.unshift((q) => {
      if (is('POST', 'trade/batch-orders')(q) && !landed) {
        landed = true;
        const b = (Array.isArray(q.body) ? q.body[0] : q.body) as Record<string, string>;
        r.h.orders.set('7001', { ordId: '7001', clOrdId: b.clOrdId ?? '', tag: b.tag ?? '', px: b.px ?? '', sz: b.sz ?? '', side: 'buy', ordType: 'limit', state: 'live', accFillSz: '0', avgPx: '', cTime: String(Date.now()), uTime: String(Date.now()) });
        return okxErr('50011', 'Too Many Requests', 429);
      }
      return undefined;
    });
    r.exec.submit(sub());
    await until('an answer for the order', () => r.reports.some((x) => x.clientOrderId === CID), 8000);
    await r.exec.idle();
    expect([...r.h.orders.values()].filter((o) => o.clOrdId === CID)).toHaveLength(1);
    const kinds = r.reports.filter((x) => x.clientOrderId === CID).map((x) => x.kind);
    expect(kinds).not.toContain('rejected');
    expect(kinds).toContain('accepted');
  });

  it('an order that landed and filled at once but answered 429, with the look-up limited too, is not sent again (OKX keeps a client id unique among pending orders only)', async () => {
    const r = await make();
    let lookups = 0;
    r.h.routes.push((q) => (is('GET', 'trade/order')(q) && lookups++ < 1 ? okxErr('50011', 'Too Many Requests', 429) : undefined));
    let landed = false;
    r.h.routes.unshift((q) => {
      if (is('POST', 'trade/batch-orders')(q) && !landed) {
        landed = true;
        const b = (Array.isArray(q.body) ? q.body[0] : q.body) as Record<string, string>;
        const t = String(Date.now());
        r.h.orders.set('7002', { ordId: '7002', clOrdId: b.clOrdId ?? '', tag: b.tag ?? '', px: b.px ?? '', sz: b.sz ?? '', side: 'buy', ordType: 'limit', state: 'filled', accFillSz: b.sz ?? '', avgPx: b.px ?? '', cTime: t, uTime: t });
        return okxErr('50011', 'Too Many Requests', 429);
      }
      return undefined;
    });
    r.exec.submit(sub());
    await until('an answer for the order', () => r.reports.some((x) => x.clientOrderId === CID) || r.problems.some((p) => /outcome unknown/.test(p)), 8000);
    await r.exec.idle();
    // A resend would be a second order: the first is no longer pending, so OKX takes the same id again.
    expect([...r.h.orders.values()].filter((o) => o.clOrdId === CID)).toHaveLength(1);
    expect(r.reports.filter((x) => x.clientOrderId === CID).map((x) => x.kind)).not.toContain('rejected');
  });

  it('a 429 storm on every create never places a second order under another id', async () => {
    const r = await make();
    r.h.routes.push((q) => (is('POST', 'trade/batch-orders')(q) ? okxErr('50011', 'Too Many Requests', 429) : undefined));
    r.exec.submit(sub());
    await until('the adapter gives up', () => r.problems.some((p) => /outcome unknown|attempts/.test(p)), 8000);
    const creates = r.h.log.filter((l) => l.startsWith('POST trade/batch-orders'));
    expect(creates.length).toBeGreaterThan(1);
    // Every resend carries OUR id (never a ccxt-made one), so at most one order can exist.
    for (const c of creates) expect(c).toContain(`"clOrdId":"${CID}"`);
    expect(r.reports.filter((x) => x.kind === 'rejected')).toEqual([]);
  });

  it('a 5xx on cancel is a transient cancel reject (ask again), and the order is still known as working', async () => {
    const r = await make();
    r.exec.submit(sub());
    await until('accepted', () => r.reports.some((x) => x.kind === 'accepted'), 4000);
    r.h.routes.push((q) => (is('POST', 'trade/cancel-order')(q) ? { status: 503, raw: '<html><body>503 Service Temporarily Unavailable</body></html>' } : undefined));
    r.exec.cancel(CID, Date.now());
    await until('cancel answer', () => r.reports.some((x) => x.kind === 'cancel_rejected' || x.kind === 'canceled'), 6000);
    const rej = r.reports.find((x) => x.kind === 'cancel_rejected');
    expect(rej).toMatchObject({ kind: 'cancel_rejected', transient: true });
    expect(r.reports.some((x) => x.kind === 'canceled')).toBe(false);
  });

  it('a venue clock minutes off: the start-up error says the clock is off and by how much (not a bare "Timestamp request expired")', async () => {
    const r = await make({ connect: false, before: (h) => { h.skewMs = 5 * 60_000; } });
    const err = await r.exec.connect(() => undefined).then(() => null, (e: unknown) => e);
    // Either it copes (ccxt can adjust for the time difference) or it says what to do.
    if (err === null) {
      r.exec.submit(sub());
      await until('an answer', () => r.reports.length > 0, 4000);
      expect(r.reports[0]?.kind).toBe('accepted');
    } else {
      // "Timestamp request expired" alone does not tell a trader that the machine's clock is off.
      expect(String((err as Error).message)).toMatch(/clock/i);
    }
  });

  it('a clock that drifts off mid-session: the problem a pull hits says the clock, not the network', async () => {
    const r = await make();
    r.h.skewMs = 5 * 60_000;
    await r.exec.recover('test');
    await r.exec.idle();
    expect(r.problems.join('\n')).toMatch(/clock/i);
    expect(r.problems.join('\n')).not.toMatch(/CcxtNetworkError/);
  });

  it('a skewed venue clock is not mistaken for ours: the adapter reports the venue\'s time', async () => {
    const r = await make({ connect: false, before: (h) => { h.skewMs = 0; } });
    await r.exec.connect(() => undefined);
    r.h.skewMs = 3 * 60_000; // the venue's clock jumps; ours does not
    const t = await r.exec.queries.time();
    expect(Math.abs(t - (Date.now() + 3 * 60_000))).toBeLessThan(5000);
  });

  it('a position the venue reports that we never opened is reported as the venue has it (for reconciliation), numbers "" read as absent', async () => {
    const r = await make();
    r.h.positions = [{
      instType: 'SWAP', instId: 'BTC-USDT-SWAP', mgnMode: 'cross', posId: 'p1', posSide: 'net', pos: '-7', availPos: '7', ccy: 'USDT', avgPx: '51000', markPx: '50000',
      liqPx: '', lever: '3', upl: '', imr: '', margin: '', mmr: '', mgnRatio: '', notionalUsd: '', adl: '1', cTime: String(Date.now()), uTime: String(Date.now()),
    }];
    const ps = await r.exec.queries.positions();
    expect(ps).toEqual([{ symbol: 'BTC/USDT:USDT', qty: -7, avgPrice: 51_000 }]);
  });

  it('an HTML error page where JSON belongs (a proxy\'s 502) is a problem for the operator, never a crash, and never prints the keys', async () => {
    const r = await make();
    r.h.routes.push((q) => (is('GET', 'trade/orders-pending')(q) ? { status: 502, raw: `<html>Bad Gateway ${q.headers['ok-access-key'] as string}</html>` } : undefined));
    await r.exec.recover('test');
    await r.exec.idle();
    await sleep(50);
    expect(r.problems.length).toBeGreaterThan(0);
    // What reaches a sink (journal, screen, recording) goes through the process's scrubber.
    expect(leaks(secrets.scrub(r.problems.join('\n')))).toEqual([]);
  });
});
