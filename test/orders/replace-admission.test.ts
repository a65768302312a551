/**
 * Defect 2 of "order truth": a replace skipped the trading state and every pre-trade limit. Under a
 * level-1 pause a resting buy replaced to a marketable price filled; with maxOrderQty 1 and
 * maxPositionQty 1 a replace to quantity 5 filled. Every order command now passes one admission.
 */
import { describe, expect, it } from 'vitest';
import { AAPL, ScriptVenue, T0, bar, start } from './helpers.ts';

const RESTING_BUY = { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 1, tif: 'gtc' } as const;

async function restingBuy(extra = {}) {
  const venue = new ScriptVenue();
  const h = await start(venue, {}, extra);
  const engine = h.engine;
  h.market(bar(0, 100));
  let id = '';
  await h.step(() => { id = engine.submit(RESTING_BUY); });
  await h.step(() => venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 + 1 }));
  expect(engine.orders.get(id)!.status).toBe('accepted');
  return { venue, h, engine, id };
}

describe('replace passes the same admission as submit', () => {
  it('under a pause, a resting buy cannot be replaced to a marketable price (it would add exposure now)', async () => {
    const { venue, h, engine, id } = await restingBuy();
    await h.step(() => engine.setTradingState('paused', 'L1 pause by test'));
    let refusal: string | null = null;
    await h.step(() => { refusal = engine.replace(id, { limitPrice: 101 }); });
    expect(refusal).toMatch(/paused/);
    expect(venue.replaces).toEqual([]);
    expect(engine.orders.get(id)!.status).toBe('accepted');
    await h.finish();
  });

  it('under a pause, a resting buy may still be made smaller or moved away from the market', async () => {
    const { venue, h, engine, id } = await restingBuy();
    await h.step(() => engine.setTradingState('paused', 'L1 pause by test'));
    let refusal: string | null = 'not called';
    await h.step(() => { refusal = engine.replace(id, { limitPrice: 85 }); });
    expect(refusal).toBeNull();
    expect(venue.replaces.map((r) => r.changes)).toEqual([{ limitPrice: 85 }]);
    await h.finish();
  });

  it('under a pause, a resting buy cannot grow', async () => {
    const { venue, h, engine, id } = await restingBuy();
    await h.step(() => engine.setTradingState('paused', 'L1 pause by test'));
    let refusal: string | null = null;
    await h.step(() => { refusal = engine.replace(id, { qty: 3 }); });
    expect(refusal).toMatch(/paused/);
    expect(venue.replaces).toEqual([]);
    await h.finish();
  });

  it('under a halt, nothing that adds exposure or crosses the market is replaced', async () => {
    const { venue, h, engine, id } = await restingBuy();
    await h.step(() => engine.setTradingState('halted', 'gate failed'));
    let refusal: string | null = null;
    await h.step(() => { refusal = engine.replace(id, { limitPrice: 100.5 }); });
    expect(refusal).toMatch(/halted/);
    expect(venue.replaces).toEqual([]);
    await h.finish();
  });

  it('maxOrderQty and maxPositionQty apply to the replaced order', async () => {
    const { venue, h, engine, id } = await restingBuy({ limits: { maxOrderQty: 1, maxPositionQty: 1 } });
    let refusal: string | null = null;
    await h.step(() => { refusal = engine.replace(id, { qty: 5 }); });
    expect(refusal).toMatch(/max order quantity 1/);
    expect(venue.replaces).toEqual([]);
    await h.finish();
  });

  it('maxPositionQty counts the position already held', async () => {
    const { venue, h, engine, id } = await restingBuy({ limits: { maxPositionQty: 2 } });
    // One share held from an earlier order: the resting buy of 1 fits, a replace to 2 does not.
    await h.step(() => {
      engine.portfolio.restore({ USD: 100_000 }, [{ instrument: AAPL, qty: 1, avgPrice: 100 }]);
    });
    let refusal: string | null = null;
    await h.step(() => { refusal = engine.replace(id, { qty: 2 }); });
    expect(refusal).toMatch(/max position 2/);
    expect(venue.replaces).toEqual([]);
    await h.finish();
  });

  it('the price collar applies to a replaced price', async () => {
    const { venue, h, engine, id } = await restingBuy({ limits: { priceCollar: 0.15 } });
    let refusal: string | null = null;
    await h.step(() => { refusal = engine.replace(id, { limitPrice: 80 }); });
    expect(refusal).toMatch(/collar/);
    expect(venue.replaces).toEqual([]);
    await h.finish();
  });
});
