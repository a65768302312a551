/**
 * The 'fee' execution report: a fee learned after its fill was booked (IBKR: a commission report that
 * came after the adapter stopped waiting for it). The engine books it on the execution it belongs to,
 * once, on the ledger in integer units (position fees, total fees, cash); the journal carries it, so
 * a reopened store has the same cash; the recording's report schema reads it back for a re-run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StorePersister } from '../../src/journal/persist.ts';
import { Store, storeDir } from '../../src/journal/store.ts';
import { ExecutionReportSchema } from '../../src/recording/format.ts';
import { ScriptVenue, T0, start, warnings } from '../orders/helpers.ts';

async function filledOrder(extra: Parameters<typeof start>[2] = {}): Promise<{ h: Awaited<ReturnType<typeof start>>; v: ScriptVenue; id: string }> {
  const v = new ScriptVenue();
  const h = await start(v, {}, extra);
  let id = '';
  await h.step(() => { id = h.engine.submit({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limitPrice: 100, tif: 'day' }, 'operator'); });
  await h.step(() => {
    v.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 });
    v.emit({ kind: 'fill', clientOrderId: id, execId: 'e1', qty: 10, price: 100, fee: 0, liquidity: 'taker', ts: T0 + 1 });
  });
  await h.step();
  return { h, v, id };
}

describe("the 'fee' report: a fee booked after its fill", () => {
  it('adds the fee to that fill once: position fees, total fees and cash, exactly; a repeat adds nothing', async () => {
    const { h, v, id } = await filledOrder();
    const p = h.engine.portfolio;
    expect(p.position('AAPL').fees).toBe(0);
    const cash0 = p.account().cash;
    await h.step(() => { v.emit({ kind: 'fee', clientOrderId: id, execId: 'e1', fee: 0.1, ts: T0 + 2 }); });
    await h.step(() => { v.emit({ kind: 'fee', clientOrderId: id, execId: 'e1', fee: 0.1, ts: T0 + 3 }); });
    await h.step(() => { v.emit({ kind: 'fee', clientOrderId: id, execId: 'e1', fee: 0.1, ts: T0 + 1 }); });
    await h.step();
    expect(p.position('AAPL').fees).toBe(0.1);
    expect(p.account().fees).toBe(0.1);
    // Integer units: 1000000 - 1000 - 0.1 with no float drift (0.1 + 0.2-style error would show here).
    expect(p.account().cash).toBe(cash0 - 0.1);
    expect(p.account().cash).toBe(99_999.9 - 1000);
    expect(h.engine.orders.get(id)?.fees).toBe(0.1);
    expect(h.engine.portfolio.qty('AAPL')).toBe(10);
    await h.finish();
  });

  it('for an execution the order never booked: ignored, with a warning', async () => {
    const { h, v, id } = await filledOrder();
    await h.step(() => { v.emit({ kind: 'fee', clientOrderId: id, execId: 'nope', fee: 1, ts: T0 + 2 }); });
    await h.step();
    expect(h.engine.portfolio.position('AAPL').fees).toBe(0);
    expect(warnings(h.logs).some((l) => /fee 1 for execution nope .* not booked/.test(l.message))).toBe(true);
    await h.finish();
  });

  it('the journal carries it: a reopened store has the cash after the fee and the order knows it was applied', async () => {
    const dir = storeDir(mkdtempSync(join(tmpdir(), 'parity-fee-')), 'ibkr', 'DU1');
    const opened = Store.open({ dir, venue: 'ibkr', account: 'DU1' });
    const { h, v, id } = await filledOrder({ observers: [new StorePersister(opened.store)] });
    await h.step(() => { v.emit({ kind: 'fee', clientOrderId: id, execId: 'e1', fee: 1.25, ts: T0 + 2 }); });
    await h.step();
    const cash = h.engine.portfolio.cashByCurrency();
    await h.finish();
    opened.store.close();
    const again = Store.open({ dir, venue: 'ibkr', account: 'DU1' });
    expect(again.store.state.cash).toEqual(cash);
    expect(again.store.state.cash?.['USD']).toBe(100_000 - 1000 - 1.25);
    expect(again.store.state.orders[id]?.fees).toBe(1.25);
    expect(again.store.state.orders[id]?.execIds).toContain('fee:e1');
    again.store.close();
  });

  it('the recording reads it back (a re-run hands recorded reports to the engine)', () => {
    const r = ExecutionReportSchema.parse({ kind: 'fee', clientOrderId: 'x', execId: 'e1', fee: 2, ts: T0 });
    expect(r).toMatchObject({ kind: 'fee', execId: 'e1', fee: 2 });
  });
});
