/**
 * Warm-up history over the wire: the Alpaca adapter (real SDK, real socket) fetching the last N
 * one-minute bars from `parity venue`, page by page; the venue serving only bars it has played; and
 * a whole Alpaca session that warms up, trades only on live bars, records its warm-up and re-runs
 * with a full match.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../../src/config/schema.ts';
import { makeInstrument } from '../../../src/domain/instrument.ts';
import { startAlpaca, warmupFromVenue } from '../../../src/modes/alpaca.ts';
import { openRecording, parseRecording } from '../../../src/recording/recording.ts';
import { rerunRecording } from '../../../src/modes/rerun.ts';
import { freshState, saveState } from '../../../src/venue-server/state.ts';
import type { VenueServer } from '../../../src/venue-server/index.ts';
import { AlpacaRest, fetchWarmupBars, type BarsQuery } from '../../../src/venues/alpaca/index.ts';
import { KEY, SECRET, settingsFor, stats, venue, waitFor } from './helpers.ts';

const EAGER = resolve(import.meta.dirname, 'fixtures/eager.ts');
const T0 = Date.UTC(2024, 0, 8, 15, 0, 0); // in the past: a wall-clock session finds these bars due
const MIN = 60_000;
const BTC = makeInstrument('BTC-USD', 'alpaca');
const AAPL = makeInstrument('AAPL', 'alpaca');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'parity-warmup-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function started(opts: Parameters<typeof venue>[0] = {}): Promise<VenueServer> {
  const s = await venue(opts);
  cleanups.push(() => s.close());
  return s;
}

const bar = (S: string, i: number, c = 100 + (i % 7)) => ({ S, t: T0 + i * MIN, o: c, h: c + 1, l: c - 1, c, v: 10 + i });

async function push(server: VenueServer, bars: ReturnType<typeof bar>[]): Promise<void> {
  const res = await fetch(`${server.url}/parity/bars`, { method: 'POST', body: JSON.stringify({ bars }) });
  if (res.status !== 200) throw new Error(`push: ${res.status} ${await res.text()}`);
}

/** The adapter's REST, counting history requests. */
class CountingRest extends AlpacaRest {
  readonly queries: BarsQuery[] = [];
  override bars(q: BarsQuery) {
    this.queries.push(q);
    return super.bars(q);
  }
}

const restFor = (s: VenueServer) => new CountingRest(settingsFor(s), { clientRateLimit: false, timeoutMs: 5000 });

describe('warm-up history from parity venue (real SDK)', () => {
  it('fetches the newest N one-minute bars of every symbol, page by page, in time order', async () => {
    const server = await started();
    const pushed = [];
    for (let i = 0; i < 30; i++) pushed.push(bar('BTC/USD', i), bar('AAPL', i, 200 + i));
    await push(server, pushed);
    const rest = restFor(server);
    const end = await rest.venueTime();
    expect(end).toBe(T0 + 29 * MIN);
    const h = await fetchWarmupBars(rest, { instruments: [BTC, AAPL], count: 20, end, pageSize: 7 });
    expect(h.perSymbol).toEqual({ 'BTC-USD': 20, AAPL: 20 });
    // 20 bars at 7 a page: 3 requests per symbol, crypto and stocks on their own endpoints.
    expect(rest.queries.map((q) => `${q.symbols.join()}:${q.limit}:${q.pageToken !== undefined}`)).toEqual([
      'BTC/USD:7:false', 'BTC/USD:7:true', 'BTC/USD:6:true', 'AAPL:7:false', 'AAPL:7:true', 'AAPL:6:true',
    ]);
    const btc = h.bars.filter((b) => b.symbol === 'BTC-USD');
    expect(btc.map((b) => b.ts)).toEqual(Array.from({ length: 20 }, (_, i) => T0 + (i + 10) * MIN));
    expect(btc[0]).toEqual({ kind: 'bar', symbol: 'BTC-USD', ts: T0 + 10 * MIN, open: 103, high: 104, low: 102, close: 103, volume: 20 });
    expect(h.bars.filter((b) => b.symbol === 'AAPL').map((b) => b.close)).toEqual(Array.from({ length: 20 }, (_, i) => 210 + i));
    for (let i = 1; i < h.bars.length; i++) expect(h.bars[i]!.ts).toBeGreaterThanOrEqual(h.bars[i - 1]!.ts);
  });

  it('serves only bars already played from its --data file, never the future, in Alpaca wire format', async () => {
    const dir = tmp();
    const data = join(dir, 'BTC-USD.csv');
    const rows = Array.from({ length: 20 }, (_, i) => `${new Date(T0 + i * MIN).toISOString()},${100 + i},${101 + i},${99 + i},${100 + i},5`);
    writeFileSync(data, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    // A venue that had replayed its data up to bar 9 (restarted): bars 10..19 are still to come.
    const statePath = join(dir, 'venue.json');
    saveState(statePath, { ...freshState('acct-1', 100_000, 'USD', Date.now()), dataTime: T0 + 9 * MIN });
    const server = await started({ dataFiles: [data], statePath, speed: 60 });
    const rest = restFor(server);
    expect(await rest.venueTime()).toBe(T0 + 9 * MIN);
    // Asking up to a day later still returns the past only.
    const h = await fetchWarmupBars(rest, { instruments: [BTC], count: 500, end: T0 + 86_400_000 });
    expect(h.bars.map((b) => b.ts)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * MIN));

    const raw = await fetch(`${server.url}/v1beta3/crypto/us/bars?symbols=${encodeURIComponent('BTC/USD')}&timeframe=1Min&end=${new Date(T0 + 86_400_000).toISOString()}&limit=4`);
    expect(raw.status).toBe(200);
    const body = await raw.json() as { bars: Record<string, Record<string, unknown>[]>; next_page_token: string | null };
    expect(body.bars['BTC/USD']).toHaveLength(4);
    expect(body.bars['BTC/USD']![0]).toEqual({ t: new Date(T0).toISOString(), o: 100, h: 101, l: 99, c: 100, v: 5, n: 1, vw: 100 });
    expect(typeof body.next_page_token).toBe('string');
    // Stock history needs the keys, like Alpaca; a timeframe the venue does not have is refused.
    expect((await fetch(`${server.url}/v2/stocks/bars?symbols=AAPL&timeframe=1Min`)).status).toBe(401);
    const bad = await fetch(`${server.url}/v2/stocks/bars?symbols=AAPL&timeframe=1Hour`, { headers: { 'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET } });
    expect(bad.status).toBe(400);
  });

  it('retries a 429 on the history endpoint (backoff), like every other request', async () => {
    const server = await started();
    await push(server, [bar('AAPL', 0, 200), bar('AAPL', 1, 201)]);
    const throttled: string[] = [];
    const rest = new AlpacaRest(settingsFor(server), { clientRateLimit: false, backoffMs: 5, onThrottle: (what) => throttled.push(what) });
    await fetch(`${server.url}/parity/faults`, { method: 'POST', body: JSON.stringify({ http429: 1 }) });
    const h = await fetchWarmupBars(rest, { instruments: [AAPL], count: 5, end: T0 + MIN });
    expect(throttled).toEqual(['GET /v2/stocks/bars']);
    expect(h.bars.map((b) => b.close)).toEqual([200, 201]);
  });

  it('a venue that cannot give history is a warning, and the session starts cold', async () => {
    const server = await started();
    const rest = new AlpacaRest(settingsFor(server), { clientRateLimit: false, timeoutMs: 2000 });
    await server.close(); // nothing listens any more
    const logs: string[] = [];
    const bars = await warmupFromVenue(rest, [BTC], 30, { log: (level, m) => logs.push(`${level} ${m}`) });
    expect(bars).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^warn could not fetch history from the venue \(.+\): starting cold/);

    const empty = await started();
    const logs2: string[] = [];
    expect(await warmupFromVenue(restFor(empty), [BTC], undefined, { log: (level, m) => logs2.push(`${level} ${m}`) })).toEqual([]);
    expect(logs2[0]).toMatch(/^warn the venue has no one-minute history .*: starting cold/);
  });
});

describe('an Alpaca session that warms up', () => {
  it('orders only on live bars with warm indicators, records the warm-up, and re-runs with a full match', async () => {
    const server = await started();
    const history = Array.from({ length: 25 }, (_, i) => bar('BTC/USD', i));
    await push(server, history);
    const dir = tmp();
    const config = ConfigSchema.parse({
      strategy: { file: EAGER, params: { lookback: 20 } }, data: { files: [] }, run: { sessionsDir: join(dir, 'sessions') },
    });
    const logs: string[] = [];
    const session = await startAlpaca(config, [{ onLog: (l) => { logs.push(`${l.source}: ${l.message}`); } }], {
      live: false, symbols: ['BTC-USD'], env: { ALPACA_KEY_ID: KEY, ALPACA_SECRET_KEY: SECRET, ALPACA_BASE_URL: server.url },
      stateDir: join(dir, 'state'), reconcilePeriodMs: 0, initialReconnectMs: 50, warmupPageSize: 7,
    });
    const engine = session.engine;
    let stopped = false;
    cleanups.push(async () => { if (!stopped) { engine.stop(); await session.done.catch(() => undefined); } });
    await session.recovered;
    // Live bars until the strategy has placed its order (bars before the feed subscribed are simply missed).
    let i = 25;
    await waitFor(() => logs.some((l) => l.startsWith('warmup: warm-up: BTC-USD 20 one-minute bars of 20 wanted')), 'the warm-up log');
    const deadline = Date.now() + 5000;
    while ([...engine.orders.all()].length === 0) {
      if (Date.now() > deadline) throw new Error(`no order; logs: ${logs.join('\n')}`);
      await push(server, [bar('BTC/USD', i++)]);
      await new Promise((r) => setTimeout(r, 50));
    }
    await push(server, [bar('BTC/USD', i++)]); // fills the market order
    await waitFor(() => engine.portfolio.qty('BTC-USD') > 0, 'the fill');
    engine.stop();
    stopped = true;
    await session.done;

    const orders = [...engine.orders.all()];
    expect(orders).toHaveLength(1);
    expect(orders[0]!.request.qty).toBe(0.02); // a full 20-bar window on its first live bar
    const st = await stats(server);
    expect(Object.values(st.submissions)).toEqual([1]);
    expect(logs.filter((l) => l.includes('not placed (history bars produce no orders)'))).toHaveLength(20);

    const rec = openRecording(session.session.dir);
    const warm = [];
    for (let k = 0; k < rec.total; k++) {
      if (rec.kindOf(k) !== 'warmup') continue;
      const r = rec.record(k);
      if (r.k === 'warmup') warm.push(...r.bars);
    }
    expect(warm.map((b) => b.t)).toEqual(Array.from({ length: 20 }, (_, j) => T0 + (j + 5) * MIN));
    expect(warm[0]).toEqual({ t: T0 + 5 * MIN, s: 'BTC-USD', o: 105, h: 106, l: 104, c: 105, v: 15 });
    expect(rec.warnings).toEqual([]);

    const rerun = await rerunRecording(rec);
    expect(rerun).toMatchObject({ match: true, recordedDecisions: 1, rerunDecisions: 1, warmupBars: 20 });

    // The same recording without its warm-up lines (as an older parity wrote it) still reads and
    // re-runs, but the strategy then decides on a cold window: the warm-up is what makes it match.
    const text = readFileSync(join(session.session.dir, 'events.jsonl'), 'utf8');
    const cold = parseRecording(text.split('\n').filter((l) => !l.startsWith('{"k":"warmup"')).join('\n'));
    expect(cold.warnings).toEqual([]);
    const coldRun = await rerunRecording(cold);
    expect(coldRun.match).toBe(false);
    expect(coldRun.difference?.rerun?.text).toContain('0.001');
  }, 20_000);
});
