/**
 * A session on a crypto venue through ccxt (OKX, Binance, Bybit, Deribit: the venue's demo or test
 * account by default, `--live` with the typed account id), or on anything that speaks its protocol
 * such as `parity venue --protocol okx`: the ccxt feed and execution client around the very same
 * engine and strategy as a backtest. Every venue difference is the profile's
 * (venues/ccxt/profiles.ts); the session assembly is the one live venues share (venue-session.ts).
 */
import ccxt from 'ccxt';
import type { Config } from '../config/schema.ts';
import type { EngineObserver } from '../engine/engine.ts';
import { WallClock } from '../engine/clock.ts';
import type { VenueAccount } from '../ports/index.ts';
import type { Bar } from '../domain/market.ts';
import type { Scheduler } from '../ports/scheduler.ts';
import { confirmLiveAccount } from '../ops/live-confirm.ts';
import { envWithDotEnv } from '../venues/alpaca/config.ts';
import {
  CcxtConfigError, CcxtExecution, CcxtNetworkError, CcxtFeed, DeadManSwitch, createExchange, describeCcxtSettings,
  marketRefusal, marketTypeOf, resolveCcxtSettings, type CcxtProfile, type CcxtSettings, type Env,
} from '../venues/ccxt/index.ts';
import { EmulatedStops } from '../venues/emulated-stops.ts';
import { openCcxtClient } from '../venues/ccxt/client.ts';
import { clockError } from '../venues/ccxt/errors.ts';
import { CcxtSideInputs, missingSideInputs, type SideQueries } from '../venues/ccxt/side-inputs.ts';
import { loadStrategy } from '../strategy/loader.ts';
import { FeatureSet, type FeatureSource } from '../features/index.ts';
import { assembleVenueSession, type LiveSessionOptions, type VenueSession } from './venue-session.ts';

export interface CcxtSessionOptions extends LiveSessionOptions {
  readonly live: boolean;
  readonly confirmAccount?: string;
  readonly prompt?: (question: string) => Promise<string>;
  readonly onAccount?: (venueName: string, account: VenueAccount) => void;
  /** ccxt unified symbols; default the config's <venue>.symbols. */
  readonly symbols?: readonly string[];
  readonly env?: Env;
  /** Adapter tuning (tests make them short). */
  readonly scheduler?: Scheduler;
  readonly reconnectInitialMs?: number;
  readonly billsPollMs?: number;
  readonly heartbeatMs?: number;
  /** The order tag the dead-man switch is scoped to (default "parity"). */
  readonly orderTag?: string;
}

export interface CcxtSession extends VenueSession {
  readonly execution: CcxtExecution;
  readonly deadMan: DeadManSwitch | null;
}

const WARMUP_BARS = 300;

/** The config sections of the ccxt venues (one shape each). */
export type CcxtVenueName = 'okx' | 'binance' | 'bybit' | 'deribit';
const isCcxtVenue = (n: string): n is CcxtVenueName => n === 'okx' || n === 'binance' || n === 'bybit' || n === 'deribit';

export async function startCcxt(profile: CcxtProfile, config: Config, observers: readonly EngineObserver[], opts: CcxtSessionOptions): Promise<CcxtSession> {
  if (!opts.live && opts.confirmAccount !== undefined) throw new CcxtConfigError('--confirm-account only applies with --live');
  if (!isCcxtVenue(profile.name)) throw new CcxtConfigError(`profile ${profile.name} has no config section`);
  const c = config[profile.name];
  const settings = resolveCcxtSettings(profile, envWithDotEnv(opts.env ?? process.env), {
    live: opts.live, ...(c.restUrl !== undefined ? { restUrl: c.restUrl } : {}), ...(c.wsUrl !== undefined ? { wsUrl: c.wsUrl } : {}),
  });
  const symbols = [...new Set(opts.symbols !== undefined && opts.symbols.length > 0 ? opts.symbols : c.symbols)];
  if (symbols.length === 0) throw new CcxtConfigError(`no symbols to trade: give --symbol (ccxt spelling: BTC/USDT spot, BTC/USDT:USDT swap) or ${profile.name}.symbols in the config`);
  const early: string[] = [];
  let log: ((level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void) | null = null;
  const say = (level: 'info' | 'warn' | 'error', msg: string): void => { if (log !== null) log(level, msg); else if (level !== 'info') early.push(msg); };

  const terms = (s: string) => ({ leverage: c.leverage[s]?.leverage ?? config.account.perpLeverage, marginMode: c.leverage[s]?.marginMode ?? 'cross' });
  const { ex, execution, deadMan, instruments, venueName } = await openCcxtClient(profile, settings, {
    symbols, terms, deadMan: c.deadMan, say,
    ...(opts.orderTag !== undefined ? { orderTag: opts.orderTag } : {}),
    ...(opts.scheduler !== undefined ? { scheduler: opts.scheduler } : {}),
    tuning: {
      ...(opts.reconnectInitialMs !== undefined ? { reconnectInitialMs: opts.reconnectInitialMs } : {}),
      ...(opts.billsPollMs !== undefined ? { billsPollMs: opts.billsPollMs } : {}),
      ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    },
  }).catch(async (err: unknown) => {
    throw startupError(profile, settings.restUrl, err, err instanceof ccxt.InvalidNonce ? await publicClockOffset(profile, settings) : null);
  });
  try {
    const account = await execution.queries.account();
    if (opts.live) {
      const r = await confirmLiveAccount(account.accountId, {
        tty: opts.prompt !== undefined,
        ...(opts.confirmAccount !== undefined ? { confirmAccount: opts.confirmAccount.trim() } : {}),
        ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
      });
      if (!r.ok) throw new CcxtConfigError(`${r.reason}: refusing to trade real money (the ${profile.accountIdName} of the ${profile.endpoints.venue} account)`);
    }
    opts.onAccount?.(venueName, account);

    // Leverage and margin mode at the venue before the first order (where the profile has the calls).
    for (const s of symbols.filter((x) => marketTypeOf(x) === 'swap')) {
      const t = terms(s);
      if (profile.leverage.setLeverage === true) {
        await ex.setLeverage(t.leverage, s, { marginMode: t.marginMode }).catch((err: unknown) => say('warn', `${s}: could not set leverage ${t.leverage} ${t.marginMode} (${err instanceof Error ? err.message : String(err)}): the venue's setting applies`));
      }
    }

    await deadMan?.start();
    // The venue takes no stop orders: parity holds them and sends a market order when one triggers.
    const stops = new EmulatedStops(execution, { refusal: (r) => marketRefusal(profile, r) });
    const side = await venueSideInputs(profile, config, ex, say, opts.scheduler);
    const session = await assembleVenueSession({
      config, observers: [stops, ...observers], opts, venueName, account, execution: stops, instruments, logSource: profile.name,
      attachLog: (l) => { log = l; for (const m of early) l('warn', m); },
      connected: `connected: ${describeCcxtSettings(profile, settings)}, account ${account.accountId}${deadMan !== null ? `; dead-man switch ${deadMan.view().state} (${c.deadMan.timeoutSec} s)` : '; dead-man switch off'}`,
      clock: new WallClock(() => execution.venueNow()),
      ...(side !== null ? { featureInputs: (s: string) => side.inputsFor(s) } : {}),
      feed: () => new CcxtFeed({ profile, exchange: ex, symbols, now: () => execution.venueNow(), onInfo: (level, m) => say(level, m), ...(opts.scheduler !== undefined ? { scheduler: opts.scheduler } : {}) }),
      warmup: async (e, lookback, warm) => {
        const count = Math.max(1, Math.min(WARMUP_BARS, lookback ?? WARMUP_BARS));
        const bars: Bar[] = [];
        for (const s of symbols) {
          try {
            // The newest candles (no start time: a venue's clock and its data's need not agree, as on a replaying fake).
            const rows = await ex.fetchOHLCV(s, '1m', undefined, count + 1);
            // The newest candle may still be forming: only complete ones warm up.
            const now = execution.venueNow();
            for (const r of rows) if (r[0] !== undefined && r[0] + 60_000 <= now) bars.push({ kind: 'bar', symbol: s, ts: r[0], open: r[1] ?? 0, high: r[2] ?? 0, low: r[3] ?? 0, close: r[4] ?? 0, volume: r[5] ?? 0 });
          } catch (err) {
            e.log('warn', 'warmup', `${s}: could not fetch history (${err instanceof Error ? err.message : String(err)}): starting cold`);
          }
        }
        bars.sort((a, b) => a.ts - b.ts);
        const kept = symbols.flatMap((s) => bars.filter((b) => b.symbol === s).slice(-count)).sort((a, b) => a.ts - b.ts);
        bars.length = 0;
        bars.push(...kept);
        for (const b of bars) warm.set(b.symbol, b.ts);
        await side?.prime(bars);
        if (bars.length > 0) e.log('info', 'warmup', `warm-up: ${symbols.map((s) => `${s} ${bars.filter((b) => b.symbol === s).length}`).join(', ')} one-minute bars of ${count} wanted; no orders from history`);
        return bars;
      },
    });
    return { ...session, execution, deadMan };
  } catch (err) {
    const offset = err instanceof ccxt.InvalidNonce ? await publicClockOffset(profile, settings) : null;
    await execution.disconnect().catch(() => undefined);
    throw startupError(profile, settings.restUrl, err, offset);
  }
}

/**
 * The venue's funding rates and index prices for the strategy's features, when they read any
 * (FeatureSet.sources) and the profile serves every one they read; null otherwise: the run then
 * takes them from the config's files (data.funding, data.index) or is refused naming them.
 */
async function venueSideInputs(profile: CcxtProfile, config: Config, ex: SideQueries, say: (level: 'info' | 'warn', msg: string) => void, scheduler: Scheduler | undefined): Promise<CcxtSideInputs | null> {
  // Loaded again for its features only (the module and the type check's verdict are cached).
  const def = (await loadStrategy(config.strategy.file, process.cwd(), { typecheck: config.strategy.typecheck })).definition;
  if (def.features === undefined || def.features.length === 0) return null;
  let needs: ReadonlySet<FeatureSource>;
  try {
    needs = new FeatureSet(def.features).sources;
  } catch {
    return null; // the model stage refuses the features with the reason
  }
  if (!needs.has('funding') && !needs.has('index')) return null;
  const missing = missingSideInputs(profile.sideInputs, needs);
  if (missing.length > 0) {
    say('info', `the features read ${missing.join(' and ')}, which ${profile.endpoints.venue} does not serve here (profile sideInputs): from the config's files`);
    return null;
  }
  return new CcxtSideInputs({ profile: profile.sideInputs, exchange: ex, needs, say, ...(scheduler !== undefined ? { scheduler } : {}) });
}

/** A refused timestamp: how far off our clock is, from the venue's public time (unsigned, on an instance of its own). */
async function publicClockOffset(p: CcxtProfile, s: CcxtSettings): Promise<number | null> {
  const ex = await createExchange(p, s).catch(() => null);
  if (ex === null) return null;
  try {
    const t = await ex.fetchTime();
    return t === undefined ? null : t - Date.now();
  } catch {
    return null;
  } finally {
    await ex.close().catch(() => undefined);
  }
}

/** ccxt's refusal at start-up in words that say what to check (the CLI shows it without a stack). */
function startupError(p: CcxtProfile, restUrl: string | undefined, err: unknown, clockOffsetMs: number | null): unknown {
  const msg = err instanceof Error ? err.message : String(err);
  // Before NetworkError: ccxt files InvalidNonce (OKX 50102 "Timestamp request expired") under it,
  // and the network is not what to check.
  if (err instanceof ccxt.InvalidNonce) return clockError(p.endpoints.venue, clockOffsetMs, msg);
  if (err instanceof ccxt.AuthenticationError) {
    return new CcxtConfigError(`${p.endpoints.venue} refused the keys (${msg}): check ${p.env.apiKey}, ${p.env.secret}${p.env.password !== null ? ` and ${p.env.password}` : ''}; paper keys (made ${p.paperKeys}) work only without --live, live keys only with it`);
  }
  if (err instanceof ccxt.NetworkError) return new CcxtNetworkError(`could not reach ${p.endpoints.venue}${restUrl !== undefined ? ` at ${restUrl}` : ''} (${msg}); check ${p.env.restUrl} / ${p.env.wsUrl} and the network`);
  return err;
}
