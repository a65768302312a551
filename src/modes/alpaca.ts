/**
 * A session on Alpaca (paper by default), or on anything that speaks its protocol such as
 * `parity venue`: the Alpaca feed, the Alpaca execution client and the wall clock, around the very
 * same engine and strategy as a backtest. An assembly of parts, like paper.ts; nothing in the
 * engine knows which venue is behind the ports.
 */
import { assembleVenueSession, type LiveSessionOptions } from './venue-session.ts';
import type { Config } from '../config/schema.ts';
import { WallClock } from '../engine/clock.ts';
import type { EngineObserver } from '../engine/engine.ts';
import type { VenueAccount } from '../ports/index.ts';
import { InstrumentRegistry } from '../domain/instrument-registry.ts';
import { symbolFromFileName } from '../data/index.ts';
import {
  AlpacaConfigError, createAlpacaVenue, describeSettings, envWithDotEnv, fetchWarmupBars, loadAlpacaInstruments, MAX_WARMUP_BARS,
  resolveAlpacaSettings, warmupCount, type AlpacaProblem, type AlpacaRest, type Env,
} from '../venues/alpaca/index.ts';
import type { Bar } from '../domain/market.ts';
import type { Instrument } from '../domain/instrument.ts';
import { confirmLiveAccount } from '../ops/live-confirm.ts';
import type { RecoveryReport } from '../journal/recovery.ts';
import type { ReconcileService } from '../ops/reconcile.ts';
import type { PaperSession } from './paper.ts';

export interface AlpacaSessionOptions extends LiveSessionOptions {
  /** Ask the operator to type the account id (live sessions on a terminal). */
  readonly prompt?: (question: string) => Promise<string>;
  /** The venue answered with its account (after the live check, before anything starts). */
  readonly onAccount?: (venueName: string, account: VenueAccount) => void;
  readonly live: boolean;
  /** --confirm-account: live sessions start only when it equals the account's id. */
  readonly confirmAccount?: string;
  /** Symbols to trade; default: the names of the configured data files ("BTC-USD-1m.csv" -> BTC-USD). */
  readonly symbols?: readonly string[];
  readonly env?: Env;
  /** First stream reconnect delay (tests make it short). */
  readonly initialReconnectMs?: number;
  /** Bars per history request when warming up (default 10 000, Alpaca's largest page; tests make it small). */
  readonly warmupPageSize?: number;
}

/** What `startAlpaca` returns: the session, plus its store's recovery and reconciliation. */
export interface AlpacaSession extends PaperSession {
  /** Resolves once crash recovery ran (before the strategy's first callback). */
  readonly recovered: Promise<RecoveryReport>;
  readonly reconciler: ReconcileService;
  /** The store folder of this venue account. */
  readonly storeDir: string;
}


/**
 * The live-trading gate: a live session needs the venue to say the account is live AND the operator
 * to name that very account, typed at the prompt (or `--confirm-account` without a terminal). The
 * check itself is the operations layer's (ops/live-confirm.ts), shared with every live venue.
 * Throws with a message that says what to do; returns when paper or confirmed.
 */
export async function confirmLive(
  account: Pick<VenueAccount, 'accountId' | 'live' | 'status'>,
  flags: { readonly live: boolean; readonly confirmAccount?: string; readonly prompt?: (question: string) => Promise<string> },
): Promise<void> {
  if (!flags.live) {
    if (flags.confirmAccount !== undefined) throw new AlpacaConfigError('--confirm-account only applies with --live');
    return;
  }
  const r = await confirmLiveAccount(account.accountId, {
    tty: flags.prompt !== undefined,
    ...(flags.confirmAccount !== undefined ? { confirmAccount: flags.confirmAccount.trim() } : {}),
    ...(flags.prompt !== undefined ? { prompt: flags.prompt } : {}),
  });
  if (!r.ok) throw new AlpacaConfigError(`${r.reason}: refusing to trade real money`);
  if (account.status !== 'active') throw new AlpacaConfigError(`account ${account.accountId} is ${account.status}: refusing to trade`);
}

export async function startAlpaca(config: Config, observers: readonly EngineObserver[], opts: AlpacaSessionOptions): Promise<AlpacaSession> {
  const settings = resolveAlpacaSettings(envWithDotEnv(opts.env ?? process.env), { live: opts.live });
  const problems: AlpacaProblem[] = [];
  let engineLog: ((level: 'warn' | 'info', msg: string) => void) | null = null;
  const venue = createAlpacaVenue({
    settings,
    ...(opts.initialReconnectMs !== undefined ? { initialReconnectMs: opts.initialReconnectMs } : {}),
    onProblem: (p) => { if (engineLog !== null) engineLog('warn', `${p.name}: ${p.message}`); else problems.push(p); },
    onInfo: (m) => engineLog?.('info', m),
  });
  const exec0 = await venue.rest.account();
  const account: VenueAccount = {
    accountId: exec0.id, currency: exec0.currency, cash: { [exec0.currency]: exec0.cash }, equity: exec0.equity,
    status: exec0.status.toUpperCase() === 'ACTIVE' ? 'active' : 'restricted', live: settings.live,
  };
  await confirmLive(account, {
    live: opts.live,
    ...(opts.confirmAccount !== undefined ? { confirmAccount: opts.confirmAccount } : {}),
    ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
  });
  opts.onAccount?.(settings.live ? 'alpaca-live' : 'alpaca', account);

  const symbols = opts.symbols !== undefined && opts.symbols.length > 0 ? [...opts.symbols] : config.data.files.map((f) => config.data.symbol ?? symbolFromFileName(f));
  if (symbols.length === 0) throw new AlpacaConfigError('no symbols to trade: give --symbol (repeatable)');
  const instruments = new InstrumentRegistry(await loadAlpacaInstruments(venue.rest, [...new Set(symbols)]));
  const venueName = settings.live ? 'alpaca-live' : 'alpaca';

  const execution = venue.execution(instruments);
  const session = await assembleVenueSession({
    config, observers, opts, venueName, account, execution, instruments, logSource: 'alpaca', clock: new WallClock(),
    attachLog: (log) => {
      engineLog = log;
      for (const p of problems) log('warn', `${p.name}: ${p.message}`);
    },
    connected: `connected: ${describeSettings(settings)}, account ${account.accountId}`,
    warmup: (e, lookback, warm) => warmupFromVenue(venue.rest, instruments.all(), lookback, {
      log: (level, m) => e.log(level, 'warmup', m), warm, ...(opts.warmupPageSize !== undefined ? { pageSize: opts.warmupPageSize } : {}),
    }),
    feed: () => venue.feed(instruments.all()),
  });
  return session;
}

/**
 * The engine's warm-up source: the last N one-minute bars per symbol from the venue (N = the
 * strategy's lookback, default 500). A failure never stops the session: it starts cold, and says so.
 * `warm` receives each symbol's newest warm-up bar time (the live feed skips anything not newer).
 */
export async function warmupFromVenue(
  rest: AlpacaRest, instruments: readonly Instrument[], lookback: number | undefined,
  o: { readonly log: (level: 'info' | 'warn', message: string) => void; readonly warm?: Map<string, number>; readonly pageSize?: number },
): Promise<readonly Bar[]> {
  const warm = o.warm ?? new Map<string, number>();
  const count = warmupCount(lookback);
  if (lookback !== undefined && lookback > MAX_WARMUP_BARS) {
    o.log('warn', `the strategy asks for ${lookback} bars of history; warm-up fetches at most ${MAX_WARMUP_BARS}`);
  }
  try {
    const end = await rest.venueTime();
    const h = await fetchWarmupBars(rest, { instruments, count, end, ...(o.pageSize !== undefined ? { pageSize: o.pageSize } : {}) });
    for (const b of h.bars) warm.set(b.symbol, b.ts);
    const per = instruments.map((i) => `${i.symbol} ${h.perSymbol[i.symbol] ?? 0}`).join(', ');
    if (h.bars.length === 0) {
      o.log('warn', `the venue has no one-minute history before ${new Date(end).toISOString()}: starting cold (indicators fill from live bars only)`);
    } else {
      const short = instruments.filter((i) => (h.perSymbol[i.symbol] ?? 0) < count).map((i) => i.symbol);
      o.log(short.length > 0 ? 'warn' : 'info',
        `warm-up: ${per} one-minute bars of ${count} wanted, up to ${new Date(end).toISOString()}${short.length > 0 ? ` (short: ${short.join(', ')} start partly cold)` : ''}; no orders from history`);
    }
    return h.bars;
  } catch (err) {
    o.log('warn', `could not fetch history from the venue (${err instanceof Error ? err.message : String(err)}): starting cold (indicators fill from live bars only)`);
    return [];
  }
}

