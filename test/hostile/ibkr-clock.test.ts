/**
 * Hostile: one clock per session. TWS's clock runs ahead of ours (a venue replaying at speed):
 * every report the adapter stamps (accepted, canceled) must be on the venue clock like the fills TWS
 * stamps, and an order's reports must never go back in time (an "accepted" at wall time next to
 * fills at data time put two clocks in one pane). The process-level check is ibkr-clock-cli.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { arena, until, type Arena } from './ibkr-harness.ts';
import { execMsg, orderStatusMsg } from './tws-hostile-server.ts';

let a: Arena | null = null;
afterEach(async () => {
  await a?.close(); a = null;
});

describe('IBKR hostile: the adapter stamps reports on the venue clock', () => {
  it('TWS time runs ahead of ours (a replay at speed): a status after a fill is never stamped before the fill', async () => {
    // TWS's clock: a day in March, running 600 times as fast as ours.
    const start = Date.UTC(2026, 2, 2, 14, 31, 0);
    const wall0 = Date.now();
    const venueMs = (): number => start + (Date.now() - wall0) * 600;
    a = await arena({ time: () => Math.floor(venueMs() / 1000) });
    const c = await a.client({ commissionWaitMs: 20 });
    c.submit('k-1');
    await until(() => c.kinds('k-1').includes('accepted'), 'accepted', 2000, c.dump);
    const id = c.exec.ibOrderIdOf('k-1')!;
    // A partial fill stamped by TWS at its clock a few minutes on, then the rest canceled.
    const fillTs = start + 10 * 60_000;
    const d = new Date(fillTs);
    const p = (n: number): string => String(n).padStart(2, '0');
    a.tws.send(execMsg({ orderId: id, execId: 'k.01', orderRef: 'k-1', shares: 4, price: 100, cumQty: 4, time: `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC` }));
    await until(() => c.fills('k-1').length === 1, 'fill', 2000, c.dump);
    a.tws.send(orderStatusMsg(id, 'Cancelled', 4, 6, 100));
    await until(() => c.kinds('k-1').includes('canceled'), 'canceled', 2000, c.dump);
    const mine = c.reports.filter((r) => r.clientOrderId === 'k-1');
    expect([...new Set(mine.map((r) => r.kind))]).toEqual(['accepted', 'fill', 'canceled']);
    // Every report on TWS's clock (March, not today), and never back in time.
    for (const r of mine) expect(Math.abs(r.ts - start)).toBeLessThan(24 * 3600_000);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.ts).toBeGreaterThanOrEqual(mine[i - 1]!.ts);
    expect(mine.at(-1)!.ts).toBeGreaterThanOrEqual(fillTs);
  });
});

