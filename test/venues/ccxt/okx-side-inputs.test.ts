/**
 * Features' side inputs from a live OKX venue (venues/ccxt/side-inputs.ts) against the OKX fake
 * started with the backtest's own funding and index files: the warm-up primed, then each live bar
 * from the real CcxtFeed made ready and read through the engine's ModelStage, as paper and live run
 * it. The property: at every bar the live path reads the funding rate and index price the batch
 * path (assembleInputs over the same files) reads. And a stalled index endpoint costs a bar its
 * index (NaN, said in the log) after the timeout, never the session.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Exchange } from 'ccxt';
import { startOkxFake, type OkxFake } from '../../../src/venue-server/okx/index.ts';
import { CcxtFeed, OKX_PROFILE, createExchange } from '../../../src/venues/ccxt/index.ts';
import { CcxtSideInputs, missingSideInputs } from '../../../src/venues/ccxt/side-inputs.ts';
import { ModelStage, type BarStage } from '../../../src/engine/model-stage.ts';
import { FeatureSet, assembleInputs, basis, fundingRate, returns } from '../../../src/features/index.ts';
import { FUNDING_FILE, INDEX_FILE, loadSideSeries } from '../../../src/data/side-series.ts';
import type { Bar } from '../../../src/domain/market.ts';
import type { Predictor } from '../../../src/ports/predictor.ts';
import { BYBIT_PROFILE } from '../../../src/venues/ccxt/profile-bybit.ts';
import { startCcxt, type CcxtSession } from '../../../src/modes/ccxt.ts';
import { ConfigSchema } from '../../../src/config/schema.ts';
import type { StageRecord } from '../../../src/engine/model-stage.ts';
import { resolve } from 'node:path';

const API = resolve(import.meta.dirname, '../../../src/api.ts');
const FEATURE_STRATEGY = `import { defineStrategy, z, fundingRate, basis } from '${API}';
export default defineStrategy({
  name: 'reads-side', description: 'features that read funding and the index', params: z.object({}),
  features: [fundingRate(), basis()],
  lookback: () => 8,
  create() { return { onBar() {} }; },
});
`;

const T0 = Date.UTC(2024, 3, 1, 0, 0, 0);
const MIN = 60_000;
const SYMBOL = 'BTC/USDT:USDT';
const BARS = 30;
const WARM = 8;

function files(): { bars: string; funding: string; index: string } {
  const dir = mkdtempSync(join(tmpdir(), 'parity-okx-side-live-'));
  const bars = ['timestamp,symbol,open,high,low,close,volume'];
  const index = ['ts,symbol,price'];
  for (let i = 0; i < BARS; i++) {
    const ts = new Date(T0 + i * MIN).toISOString();
    const px = 60_000 + 13 * Math.sin(i);
    bars.push(`${ts},${SYMBOL},${px.toFixed(1)},${(px + 5).toFixed(1)},${(px - 5).toFixed(1)},${(px + 1).toFixed(1)},10`);
    index.push(`${ts},${SYMBOL},${(px - 20 + (i % 7)).toFixed(2)}`);
  }
  const funding = [
    'ts,symbol,rate',
    `${new Date(T0 - 8 * 3_600_000).toISOString()},${SYMBOL},-0.0003`, // in force when the data starts
    `${T0 + 4 * MIN},${SYMBOL},0.0002`, // during the warm-up
    `${T0 + 12 * MIN},${SYMBOL},0.0005`, // exactly at bar 11's close: bar 12 reads it first
    `${T0 + 20 * MIN + 30_000},${SYMBOL},-0.0001`, // inside bar 20
  ];
  const w = (name: string, lines: string[]) => { const p = join(dir, name); writeFileSync(p, lines.join('\n') + '\n'); return p; };
  return { bars: w('bars.csv', bars), funding: w('funding.csv', funding), index: w('index.csv', index) };
}

/** A model in TypeScript (the predictor port allows it): the stage awaits it at each live bar, as a session does. */
const constantModel = (names: readonly string[]): Predictor => ({ featureNames: names, predict: async (_v, rows) => new Float32Array(rows).fill(0.5) });

async function until(what: string, cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Run {
  readonly stages: BarStage[];
  readonly said: { level: string; msg: string }[];
  /** Plays the next minute and waits for the bar it completes to pass the model stage. */
  step(): Promise<void>;
  stop(): void;
}

/** The live path: warm-up like modes/ccxt.ts (the newest complete candles), primed, then the feed's bars made ready. */
async function startLive(fake: OkxFake, ex: Exchange, tuning: { timeoutMs?: number; attempts?: number; retryDelayMs?: number } = {}): Promise<Run> {
  const set = new FeatureSet([fundingRate(), basis(), returns(2)]);
  const said: { level: string; msg: string }[] = [];
  const side = new CcxtSideInputs({ profile: OKX_PROFILE.sideInputs, exchange: ex, needs: set.sources, say: (level, msg) => said.push({ level, msg }), ...tuning });
  const stage = new ModelStage({ features: set, inputsFor: (s) => side.inputsFor(s), envOf: () => ({ calendar: '24x7', barMs: MIN }), predictor: constantModel(set.names) });
  const now = fake.admin.now();
  const warm: Bar[] = (await ex.fetchOHLCV(SYMBOL, '1m', undefined, WARM + 1))
    .filter((r) => r[0]! + MIN <= now)
    .map((r) => ({ kind: 'bar', symbol: SYMBOL, ts: r[0]!, open: r[1]!, high: r[2]!, low: r[3]!, close: r[4]!, volume: r[5]! }));
  await side.prime(warm);
  await stage.precompute(warm);
  const stages: BarStage[] = warm.map((b) => stage.onBar(b));
  const queue: Bar[] = [];
  const feed = new CcxtFeed({ profile: OKX_PROFILE, exchange: ex, symbols: [SYMBOL], now: () => fake.admin.now(), after: new Map([[SYMBOL, warm[warm.length - 1]!.ts]]) });
  feed.start((e) => { if (e.kind === 'bar') queue.push(e); }, () => undefined);
  // The engine's order: a bar leaves the queue, its inputs and prediction are awaited, then it is dispatched.
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const bar = queue.shift();
      if (bar === undefined) { await new Promise((r) => setTimeout(r, 5)); continue; }
      try {
        if (stage.needsAwait(bar)) await stage.prepare(bar);
        stages.push(stage.onBar(bar));
      } catch (err) {
        said.push({ level: 'error', msg: String(err) });
      }
    }
  })();
  await new Promise((r) => setTimeout(r, 300)); // the candle subscription is up
  // The fake pushes a candle when its minute is played, so the one forming at subscription time was
  // never seen on the socket (a real venue re-sends it with every trade): the next minute is the
  // first the feed sees forming; the bar before it is skipped, which the comparison below allows.
  fake.admin.advance(MIN);
  return {
    stages, said,
    step: async () => {
      const n = stages.length;
      fake.admin.advance(MIN);
      await until(`bar ${n}`, () => stages.length > n);
    },
    stop: () => { stopped = true; feed.stop(); },
  };
}

/** The batch path: the same files, read by the features' assembler over the bars the live path saw. */
function batch(f: { funding: string; index: string }, stages: readonly BarStage[]): [number, number, number][] {
  const bars: Bar[] = stages.map((s) => ({ kind: 'bar', symbol: SYMBOL, ts: s.ts, open: 1, high: 1, low: 1, close: 1, volume: 0 }));
  return assembleInputs(bars, { funding: loadSideSeries(f.funding, FUNDING_FILE), index: loadSideSeries(f.index, INDEX_FILE) }, MIN).map((x) => [x.bar.ts, x.funding, x.index]);
}

describe('OKX side inputs for features, live', () => {
  let fake: OkxFake | undefined;
  let ex: Exchange | undefined;
  let run: Run | undefined;
  afterEach(async () => {
    run?.stop();
    await ex?.close();
    await fake?.close();
    run = undefined;
    ex = undefined;
    fake = undefined;
  });

  async function open(f: ReturnType<typeof files>): Promise<Exchange> {
    fake = await startOkxFake({ port: 0, speed: 0, data: [f.bars], funding: f.funding, index: f.index, startTime: T0 - 1 });
    const x = await createExchange(OKX_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, password: fake.credentials.passphrase, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl }, { enableRateLimit: false });
    await x.loadMarkets();
    ex = x;
    return x;
  }

  it('reads at every bar, warm-up and live, the funding rate and index price the batch path reads from the same files', async () => {
    const f = files();
    const x = await open(f);
    fake!.admin.advance(WARM * MIN + 1); // bars 0..WARM played: 0..WARM-1 complete
    run = await startLive(fake!, x);
    while (run.stages[run.stages.length - 1]!.ts < T0 + (BARS - 2) * MIN) await run.step();
    const live = run.stages.map((s) => [s.ts, s.funding, s.index]);
    expect(live.map((r) => r[0])).toEqual(Array.from({ length: BARS - 1 }, (_, i) => T0 + i * MIN).filter((ts) => ts !== T0 + WARM * MIN));
    expect(live).toEqual(batch(f, run.stages));
    // Not a vacuous equality: every bar has both inputs, and the rates that changed mid-run are in.
    expect(live.every((r) => Number.isFinite(r[1]) && Number.isFinite(r[2]))).toBe(true);
    const at = (i: number) => live.find((r) => r[0] === T0 + i * MIN)!;
    expect(at(3)[1]).toBe(-0.0003); // warm-up
    expect(at(4)[1]).toBe(0.0002);
    expect(at(11)[1]).toBe(0.0002); // the 00:12 rate is stamped at bar 11's close: not yet
    expect(at(12)[1]).toBe(0.0005);
    expect(at(19)[1]).toBe(0.0005);
    expect(at(20)[1]).toBe(-0.0001); // stamped inside bar 20: in force at its close
    expect(new Set(live.map((r) => r[2])).size).toBeGreaterThan(5);
    expect(run.said.filter((s) => s.level === 'warn')).toEqual([]);
  }, 30_000);

  it('a stalled index endpoint: that bar reads NaN after the timeout and the log says so; the next bar reads it again', async () => {
    const f = files();
    const x = await open(f);
    fake!.admin.advance(WARM * MIN + 1);
    run = await startLive(fake!, x, { timeoutMs: 300, attempts: 2, retryDelayMs: 20 });
    await run.step();
    await run.step();
    // Both attempts of the next bar's index fetch hang (ccxt asks history-index-candles for a 2024 minute).
    fake!.admin.inject({ stall: { path: 'market/history-index-candles', count: 2 } });
    await run.step();
    await run.step();
    await run.step();
    const want = batch(f, run.stages);
    const stalled = run.stages.findIndex((s) => Number.isNaN(s.index));
    expect(run.stages[stalled]!.ts).toBe(T0 + (WARM + 3) * MIN);
    const got = run.stages.map((s) => [s.ts, s.funding, s.index]);
    expect(got[stalled]![2]).toBeNaN();
    expect(got[stalled]![1]).toBe(want[stalled]![1]); // funding answered
    got[stalled]![2] = want[stalled]![2]!;
    expect(got).toEqual(want); // every other bar as the files say, the ones after the stall too
    const warns = run.said.filter((s) => s.level === 'warn');
    expect(warns).toHaveLength(1);
    expect(warns[0]!.msg).toMatch(/BTC\/USDT:USDT: could not fetch the index price for the bar of 2024-04-01T00:11:00.000Z \(fetchIndexOHLCV: no answer in 300 ms\): features read NaN/);
    expect(run.said.some((s) => s.level === 'info' && /index price is back/.test(s.msg))).toBe(true);
  }, 30_000);

  it('a session on OKX takes the features\' funding and index from the venue (no files in the config) and primes the warm-up from it', async () => {
    const f = files();
    await open(f);
    fake!.admin.advance(WARM * MIN + 1);
    const dir = mkdtempSync(join(tmpdir(), 'parity-okx-side-session-'));
    writeFileSync(join(dir, 'reads-side.ts'), FEATURE_STRATEGY);
    const config = ConfigSchema.parse({
      strategy: { file: join(dir, 'reads-side.ts'), typecheck: false }, run: { sessionsDir: join(dir, 'sessions') },
      okx: { symbols: [SYMBOL], deadMan: { enabled: false } },
    });
    const env = { OKX_API_KEY: fake!.credentials.apiKey, OKX_SECRET: fake!.credentials.secret, OKX_PASSPHRASE: fake!.credentials.passphrase, OKX_BASE_URL: fake!.restUrl, OKX_WS_URL: fake!.wsUrl };
    const stages: StageRecord[] = [];
    let warmed = false;
    let session: CcxtSession | undefined;
    try {
      session = await startCcxt(OKX_PROFILE, config, [{ onStage: (r) => { stages.push(r); }, onWarmup: () => { warmed = true; } }], { live: false, env, stateDir: join(dir, 'state'), heartbeatMs: 0, reconcilePeriodMs: 0 });
      await until('the warm-up', () => warmed);
      const got = stages.filter((s) => s.kind === 'model').map((s) => s.kind === 'model' ? [s.ts, s.funding, s.index] : []);
      // The newest WARM candles the venue has (the session's venue clock is this machine's: the played minute counts).
      expect(got.map((r) => r[0])).toEqual(Array.from({ length: WARM }, (_, i) => T0 + (i + 1) * MIN));
      const bars = got.map((r) => ({ ts: r[0]! }) as BarStage);
      expect(got).toEqual(batch(f, bars));
      expect(got.every((r) => Number.isFinite(r[1]) && Number.isFinite(r[2]))).toBe(true);
    } finally {
      session?.engine.stop();
      await session?.engine.execution.disconnect();
      await session?.done.catch(() => undefined);
    }
  }, 30_000);

  it('says which inputs a venue cannot serve, so the run takes them from files', () => {
    const both = new Set(['bar', 'funding', 'index'] as const);
    expect(missingSideInputs(OKX_PROFILE.sideInputs, both)).toEqual([]);
    expect(missingSideInputs(BYBIT_PROFILE.sideInputs, both)).toEqual(['funding', 'index']);
    expect(missingSideInputs(BYBIT_PROFILE.sideInputs, new Set(['bar'] as const))).toEqual([]);
  });
});
