/**
 * A model whose metadata lists other feature names, or the same names in another order, than the
 * strategy declares is refused in every mode, before anything trades, with both lists in the
 * message: backtest, re-run, paper on the simulator and a session on a venue (the OKX fake).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import { exportOnnx, parseLightGbm, writeModelFolder } from '../../src/ml/index.ts';
import { runBacktest } from '../../src/modes/backtest.ts';
import { startPaper } from '../../src/modes/paper.ts';
import { rerunRecording } from '../../src/modes/rerun.ts';
import { startCcxt } from '../../src/modes/ccxt.ts';
import { StrategyModelError } from '../../src/modes/model.ts';
import { openRecording } from '../../src/recording/recording.ts';
import { startOkxFake, type OkxFake } from '../../src/venue-server/okx/index.ts';
import { OKX_PROFILE } from '../../src/venues/ccxt/index.ts';

const API = resolve(import.meta.dirname, '../../src/api.ts');
const FIXTURE = resolve(import.meta.dirname, '../fixtures/lightgbm/model.txt');
/** The LightGBM fixture's columns: ret_5 vol_30 rsi_14 zscore_20 funding. */
const RIGHT = 'returns(5), volatility(30), rsi(14), zscore(20), fundingRate()';
const SWAPPED = 'volatility(30), returns(5), rsi(14), zscore(20), fundingRate()';

const strategy = (features: string): string => `import { defineStrategy, z, returns, volatility, rsi, zscore, fundingRate } from '${API}';
export default defineStrategy({
  name: 'mismatch-probe', params: z.object({}),
  features: [${features}], model: 'models/lgb',
  create() { return { onBar(bar, ctx) { if (ctx.prediction(bar.symbol) > 0.99) ctx.log('sure'); } }; },
});
`;

let dir = '';
const DATA = resolve(import.meta.dirname, '../../data/sample/BTC-USDT-SWAP-1m.csv');
const FUNDING = resolve(import.meta.dirname, '../../data/sample/BTC-USDT-SWAP-funding.csv');

function configFor(file: string, over: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({
    strategy: { file, typecheck: false }, data: { files: [DATA], funding: FUNDING }, run: { sessionsDir: join(dir, 'sessions'), speed: 'max' }, ...over,
  });
}

function expectBothLists(err: unknown): void {
  expect(err).toBeInstanceOf(StrategyModelError);
  const msg = (err as Error).message;
  expect(msg).toContain('vol_30, ret_5, rsi_14, zscore_20, funding');
  expect(msg).toContain('ret_5, vol_30, rsi_14, zscore_20, funding');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parity-model-mismatch-'));
  const lgb = parseLightGbm(readFileSync(FIXTURE, 'utf8'));
  mkdirSync(join(dir, 'models'), { recursive: true });
  writeModelFolder(join(dir, 'models/lgb'), exportOnnx(lgb.model), {
    version: 1, featureNames: lgb.featureNames, label: { kind: 'imported' }, source: 'lightgbm', createdAt: new Date().toISOString(),
    trainingWindow: null, dataHash: null, trainingRows: null, referenceBins: [],
  });
  writeFileSync(join(dir, 'right.ts'), strategy(RIGHT));
  writeFileSync(join(dir, 'swapped.ts'), strategy(SWAPPED));
});

describe('a model that does not fit the strategy is refused in every mode', () => {
  it('backtest', async () => {
    // The same model fits the strategy that declares its order: the refusal is about the order alone.
    const ok = await runBacktest(configFor(join(dir, 'right.ts')));
    expect(ok.model?.features).toEqual(['ret_5', 'vol_30', 'rsi_14', 'zscore_20', 'funding']);
    expectBothLists(await runBacktest(configFor(join(dir, 'swapped.ts'))).catch((e: unknown) => e));
  });

  it('paper on the simulator', async () => {
    expectBothLists(await startPaper(configFor(join(dir, 'swapped.ts')), []).catch((e: unknown) => e));
  });

  it('re-run of a recorded session', async () => {
    const paper = await startPaper(configFor(join(dir, 'right.ts'), { data: { files: [DATA], funding: FUNDING }, run: { sessionsDir: join(dir, 'sessions'), speed: 'max' } }), []);
    await paper.done;
    const rec = openRecording(paper.session.dir);
    const again = await rerunRecording(rec);
    expect(again.match).toBe(true);
    expectBothLists(await rerunRecording(rec, { strategyFile: join(dir, 'swapped.ts') }).catch((e: unknown) => e));
  });

  describe('a session on a venue (OKX fake)', () => {
    let fake: OkxFake | undefined;
    afterAll(async () => { await fake?.close(); });
    it('is refused before the store is opened or an order sent', async () => {
      fake = await startOkxFake({ port: 0, speed: 0 });
      const env = { OKX_API_KEY: fake.credentials.apiKey, OKX_SECRET: fake.credentials.secret, OKX_PASSPHRASE: fake.credentials.passphrase, OKX_BASE_URL: fake.restUrl, OKX_WS_URL: fake.wsUrl };
      const config = configFor(join(dir, 'swapped.ts'), { okx: { symbols: ['BTC/USDT:USDT'], deadMan: { enabled: false } } });
      const err = await startCcxt(OKX_PROFILE, config, [], { live: false, env, stateDir: join(dir, 'state'), heartbeatMs: 0, reconcilePeriodMs: 0 }).catch((e: unknown) => e);
      expectBothLists(err);
    }, 30_000);
  });
});
