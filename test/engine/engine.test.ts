import { describe, expect, it } from 'vitest';
import { Engine, type LogEntry } from '../../src/engine/engine.ts';
import type { StrategyHandlers } from '../../src/engine/strategy.ts';
import { SimVenue } from '../../src/venues/sim/index.ts';
import { SeriesFeed, seriesFromBars } from '../../src/data/index.ts';
import { buildInstruments } from '../../src/modes/instruments.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';
import type { OrderEvent } from '../../src/orders/order.ts';
import { barsFromCloses } from './helpers.ts';

function engineWith(handlers: StrategyHandlers, closes: number[], symbol = 'AAPL') {
  const instruments = buildInstruments([symbol], [], 'sim');
  const venue = new SimVenue({ instruments, account: DEFAULT_ACCOUNT });
  const events: OrderEvent[] = [];
  const logs: LogEntry[] = [];
  const engine = new Engine({
    instruments, execution: venue, strategy: { name: 't', handlers, params: {} },
    observers: [{ onOrderEvent: (e) => events.push(e), onLog: (l) => logs.push(l) }],
  });
  engine.addFeed(new SeriesFeed(seriesFromBars(barsFromCloses(symbol, closes))));
  return { engine, events, logs, venue };
}

describe('engine', () => {
  it('paused blocks orders that open or add exposure, but exits still go through', () => {
    let step = 0;
    const { engine, events } = engineWith({
      onBar(_b, ctx) {
        step++;
        if (step === 1) ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 });
        if (step === 3) {
          engine.setTradingState('paused', 'operator pressed p');
          ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 5 }); // adds: denied
          ctx.submit({ symbol: 'AAPL', side: 'sell', type: 'market', qty: 4 }); // reduces: allowed
          ctx.submit({ symbol: 'AAPL', side: 'sell', type: 'market', qty: 7 }); // 4 + 7 > 10 would flip: denied
        }
      },
    }, [10, 11, 12, 13, 14, 15]);
    engine.runToEnd();
    const denied = events.filter((e) => e.to === 'denied');
    expect(denied.map((e) => e.order.request.qty)).toEqual([5, 7]);
    expect(denied[0]!.reason).toMatch(/paused \(operator pressed p\)/);
    expect(engine.portfolio.qty('AAPL')).toBe(6);
  });

  it('refuses off-grid prices and quantities with a reason instead of moving them', () => {
    const { engine, events } = engineWith({
      onStart(ctx) {
        ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 10.005, qty: 1 });
        ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1.5 });
        ctx.submit({ symbol: 'NOPE', side: 'buy', type: 'market', qty: 1 });
      },
    }, [10, 11]);
    engine.runToEnd();
    expect(events.filter((e) => e.to === 'denied').map((e) => e.reason)).toEqual([
      'limit price 10.005 is not on the tick grid (0.01) of AAPL',
      'quantity 1.5 is not a multiple of the lot size 1 for AAPL',
      "unknown symbol NOPE: add it to the config's instruments or feed data for it",
    ]);
  });

  it('a throwing strategy pauses trading and says why, instead of crashing', () => {
    const { engine, logs } = engineWith({ onBar() { throw new Error('boom'); } }, [10, 11]);
    engine.runToEnd();
    expect(engine.tradingState()).toMatchObject({ status: 'paused' });
    expect(engine.tradingState().reason).toMatch(/boom/);
    expect(logs.some((l) => l.level === 'error' && /boom/.test(l.message))).toBe(true);
  });

  it('order events reach the strategy after the callback that caused them, in order', () => {
    const seen: string[] = [];
    const { engine } = engineWith({
      onBar(b, ctx) {
        seen.push(`bar ${b.close}`);
        if (b.close === 10) ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 });
      },
      onOrderEvent(e) { seen.push(`${e.from}->${e.to}`); },
      onFill(f) { seen.push(`fill ${f.price}`); },
    }, [10, 11, 12]);
    engine.runToEnd();
    expect(seen).toEqual(['bar 10', 'initialized->submitted', 'submitted->accepted', 'fill 10', 'accepted->filled', 'bar 11', 'bar 12']);
  });

  it('history never shows the future and is bounded', () => {
    const seen: number[][] = [];
    const { engine } = engineWith({
      onBar(b, ctx) {
        const h = ctx.history(b.symbol, 3);
        seen.push(Array.from({ length: h.length }, (_, i) => h.close(i)));
      },
    }, [1, 2, 3, 4, 5]);
    engine.runToEnd();
    expect(seen).toEqual([[1], [2, 1], [3, 2, 1], [4, 3, 2], [5, 4, 3]]);
  });
});

describe('the durable intent comes first', () => {
  it('an intent the journal cannot record is never sent: rejected with the reason, trading halted', () => {
    const instruments = buildInstruments(['AAPL'], [], 'sim');
    const venue = new SimVenue({ instruments, account: DEFAULT_ACCOUNT });
    const sent: string[] = [];
    const submit = venue.submit.bind(venue);
    venue.submit = (cmd) => { sent.push(cmd.clientOrderId); submit(cmd); };
    const events: OrderEvent[] = [];
    let full = false;
    const engine = new Engine({
      instruments, execution: venue,
      strategy: { name: 't', params: {}, handlers: { onBar(b, ctx) { if (b.close === 11) full = true; ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }); } } },
      observers: [
        { beforeSend: () => { if (full) throw new Error('ENOSPC: no space left on device'); } },
        { onOrderEvent: (e) => events.push(e) },
      ],
    });
    engine.addFeed(new SeriesFeed(seriesFromBars(barsFromCloses('AAPL', [10, 11, 12]))));
    engine.runToEnd();
    expect(sent).toHaveLength(1); // the first order only; the one at 11 failed to journal
    const rejected = events.find((e) => e.to === 'rejected')!;
    expect(rejected.reason).toMatch(/not sent: the journal could not record the intent \(ENOSPC/);
    expect(engine.tradingState()).toMatchObject({ status: 'halted' });
    expect(events.filter((e) => e.to === 'denied')).toHaveLength(1); // the order at 12: halted
  });
});
