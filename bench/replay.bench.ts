/**
 * replay: a 1,000,000-event recording in a temp folder.
 * - recordEventsPerSec: the recorder alone (no engine) writing 1M events through its batched file
 *   sink: synthetic one-minute bars (fat tails, volatility clustering, on the tick grid), with an order, a report, a fill and a decision every 1,000 bars, snapshots every
 *   1,000 events, the file fsynced at the end (what `onStop` does);
 * - openMs: opening the file (read, validate every line, index, equity after every event);
 * - seekMs: the slowest of 200 seeks spread over the file (first to the middle, then random), each
 *   building the full state at the cursor.
 * - paperEventsPerSec: a paper session as `parity run --speed max --headless` assembles it
 *   (startPaper: sma-cross, the simulated venue, the reconciler, the recorder writing events.jsonl)
 *   over 300,000 synthetic one-minute bars from a CSV: engine events handled per second of wall
 *   time from the first bar to the recording's fsync, loading excluded. The recorder alone above
 *   is its upper bound; this is what a recorded session really runs at.
 * Targets: >= 500,000 events/s recorded, open < 2 s, any seek < 200 ms, paper >= 100,000 events/s
 * (20 times the 5,000/s the console is held to: a day of minute bars replays in under a second).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../src/engine/engine.ts';
import { SimVenue } from '../src/venues/sim/index.ts';
import { Engine as EngineClass } from '../src/engine/engine.ts';
import { InstrumentRegistry } from '../src/domain/instrument-registry.ts';
import { makeInstrument } from '../src/domain/instrument.ts';
import { DEFAULT_ACCOUNT } from '../src/portfolio/portfolio.ts';
import type { Bar } from '../src/domain/market.ts';
import type { OrderView } from '../src/orders/order.ts';
import { recordedHandle } from '../src/orders/order.ts';
import { Recorder } from '../src/recording/recorder.ts';
import { FileSink } from '../src/recording/sink.ts';
import { openRecording } from '../src/recording/recording.ts';
import { buildHeader } from '../src/recording/session-recorder.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { synthBars } from '../src/data/index.ts';
import { loadStrategy, parseParams } from '../src/strategy/loader.ts';
import { writeCsv } from '../src/data/index.ts';
import { startPaper } from '../src/modes/paper.ts';
import { atLeast, below } from './targets.ts';

const EVENTS = 1_000_000;
const PAPER_BARS = Number(process.env['PARITY_BENCH_PAPER_BARS'] ?? 300_000);

/** A paper session's engine + recorder throughput, loading excluded. */
async function paperSession(dir: string): Promise<{ eventsPerSec: number; events: number; fills: number; seconds: number; fileMb: number }> {
  const file = join(dir, 'BTC-USD.csv');
  writeCsv(synthBars({ bars: PAPER_BARS, seed: 9, symbol: 'BTC-USD' }), file);
  const config = ConfigSchema.parse({
    strategy: { file: 'strategies/sma-cross.ts', typecheck: false }, data: { files: [file] },
    run: { speed: 'max', sessionsDir: join(dir, 'sessions') },
  });
  let fills = 0;
  const p = await startPaper(config, [{ onFill: () => { fills++; } }]);
  // startPaper loads the data, then starts the engine: what it handled before returning is not timed.
  const before = p.engine.eventsProcessed();
  const t1 = performance.now();
  await p.done;
  const seconds = (performance.now() - t1) / 1000;
  const events = p.engine.eventsProcessed() - before;
  return {
    eventsPerSec: Math.round(events / seconds), events: p.engine.eventsProcessed(), fills, seconds: Number(seconds.toFixed(2)),
    fileMb: Math.round(statSync(join(p.session.dir, 'events.jsonl')).size / 1e5) / 10,
  };
}

export async function benchReplay(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'parity-replay-bench-'));
  try {
    const inst = makeInstrument('BTC-USD', 'sim');
    const instruments = new InstrumentRegistry([inst]);
    const strategy = await loadStrategy('strategies/sma-cross.ts');
    const params = parseParams(strategy.definition, {});
    const config = ConfigSchema.parse({});
    // A real engine is only the source of the books the recorder reads at fills and snapshots.
    const engine: Engine = new EngineClass({
      instruments, execution: new SimVenue({ instruments, account: DEFAULT_ACCOUNT }),
      strategy: { name: 'bench', handlers: {}, params: {} },
    });
    const header = buildHeader({
      sessionId: 'bench', mode: 'paper', venue: 'sim', account: { id: 'sim', live: false }, config, strategy, params,
      instruments: [inst], capabilities: null,
    });
    // Realistic prices and volumes (on the tick and lot grids), as a paper session records them.
    const series = synthBars({ bars: EVENTS, seed: 5, symbol: 'BTC-USD' });
    const order: OrderView = {
      clientOrderId: 'bench1', venueOrderId: 'S1', request: { symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 },
      status: 'submitted', filledQty: 0, avgFillPrice: 0, fees: 0, createdAt: 0, updatedAt: 0, reason: null, flagged: null, external: false, leftAlone: false,
    };
    const file = join(dir, 'events.jsonl');
    const rec = new Recorder({ sink: new FileSink(file), header, flushMs: 0 });
    const t0 = performance.now();
    let written = 0;
    for (let i = 0; written < EVENTS; i++) {
      const bar: Bar = {
        kind: 'bar', symbol: 'BTC-USD', ts: series.ts[i]!, open: series.open[i]!, high: series.high[i]!, low: series.low[i]!,
        close: series.close[i]!, volume: series.volume[i]!,
      };
      rec.onMarket(bar, engine);
      written++;
      if (i % 1000 === 999 && written + 4 <= EVENTS) {
        rec.onOrderEvent({ clientOrderId: 'bench1', kind: 'submit', from: 'initialized', to: 'submitted', ts: bar.ts, order, handle: recordedHandle(order) }, engine);
        rec.onReport({ kind: 'accepted', clientOrderId: 'bench1', venueOrderId: 'S1', ts: bar.ts }, engine);
        rec.onFill({ clientOrderId: 'bench1', execId: `x${i}`, symbol: 'BTC-USD', side: 'buy', qty: 1, price: bar.close, fee: 0, liquidity: 'taker', ts: bar.ts }, engine);
        written += 4; // decision + order + report + fill
      }
    }
    rec.close();
    const recordSec = (performance.now() - t0) / 1000;
    const sizeMb = statSync(file).size / 1e6;

    const t1 = performance.now();
    const r = openRecording(dir);
    const openMs = performance.now() - t1;

    let worst = 0;
    let rnd = 12345;
    const seeks: number[] = [Math.floor(r.total / 2)];
    for (let i = 0; i < 199; i++) { rnd = (rnd * 1103515245 + 12345) % 2147483648; seeks.push(rnd % r.total); }
    for (const i of seeks) {
      const s0 = performance.now();
      r.stateAt(i);
      r.logAt(i, 300);
      r.equitySeries(i, 400);
      worst = Math.max(worst, performance.now() - s0);
    }
    const midStart = performance.now();
    r.stateAt(r.indexAtTime(r.timeOf(Math.floor(r.total / 2))));
    const midMs = performance.now() - midStart;
    const paper = await paperSession(dir);
    const recordEventsPerSec = Math.round(r.total / recordSec);
    return {
      paperEventsPerSec: paper.eventsPerSec,
      loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
      paper: { bars: PAPER_BARS, events: paper.events, fills: paper.fills, seconds: paper.seconds, fileMb: paper.fileMb },
      recordEventsPerSec,
      openMs: Math.round(openMs),
      seekMs: Math.round(worst * 10) / 10,
      middleSeekMs: Math.round(midMs * 10) / 10,
      events: r.total,
      fileMb: Math.round(sizeMb * 10) / 10,
      targets: {
        recordEventsPerSec: atLeast(recordEventsPerSec, 500_000, ' events/s'),
        openMs: below(Math.round(openMs), 2000, ' ms'),
        seekMs: below(Math.round(worst * 10) / 10, 200, ' ms'),
        paperEventsPerSec: atLeast(paper.eventsPerSec, 100_000, ' events/s'),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
