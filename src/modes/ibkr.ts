/**
 * A session on Interactive Brokers through TWS or IB Gateway (paper by default), or on anything
 * that speaks the TWS protocol such as `parity venue --protocol tws`: the TWS feed, the IBKR
 * execution client and TWS's clock around the very same engine and strategy as a backtest. An
 * assembly of parts, like alpaca.ts; nothing in the engine knows which venue is behind the ports.
 *
 * Before anything trades: the socket opens with the fixed client id, TWS names its accounts, and
 * port + account + mode must agree (identity.ts); a live account needs --live and the account id
 * typed. The session's clock is TWS's (reqCurrentTime), so market hours and gates follow the venue.
 */
import { assembleVenueSession, type LiveSessionOptions } from './venue-session.ts';
import type { Config } from '../config/schema.ts';
import { WallClock } from '../engine/clock.ts';
import type { EngineObserver } from '../engine/engine.ts';
import type { VenueAccount } from '../ports/index.ts';
import type { Bar } from '../domain/market.ts';
import { makeInstrument, type Instrument } from '../domain/instrument.ts';
import { InstrumentRegistry } from '../domain/instrument-registry.ts';
import { symbolFromFileName } from '../data/index.ts';
import { parseDurableId } from '../orders/client-ids.ts';
import { storeDir } from '../journal/store.ts';
import type { RecoveryReport } from '../journal/recovery.ts';
import { confirmLiveAccount } from '../ops/live-confirm.ts';
import type { ReconcileService } from '../ops/reconcile.ts';
import { nodeFileSystem } from '../util/node-file-system.ts';
import type { FileSystem } from '../ports/file-system.ts';
import type { Scheduler } from '../ports/scheduler.ts';
import {
  fetchIbkrWarmup, IbkrConfigError, IbkrExecution, IbkrFeed, IbkrLink, OrderIdAllocator, resolveIdentity, type ContractSpec, type IbkrProblem,
} from '../venues/ibkr/index.ts';
import { DEFAULT_WARMUP_BARS, MAX_WARMUP_BARS } from '../venues/alpaca/index.ts';
import { resolveContract } from '../venues/ibkr/instruments.ts';
import type { PaperSession } from './paper.ts';

export interface IbkrSessionOptions extends LiveSessionOptions {
  readonly live: boolean;
  readonly confirmAccount?: string;
  readonly prompt?: (question: string) => Promise<string>;
  readonly onAccount?: (venueName: string, account: VenueAccount) => void;
  /** Symbols to trade; default: the names of the configured data files. */
  readonly symbols?: readonly string[];
  /** Link tuning (tests make them short). */
  readonly heartbeatMs?: number;
  readonly heartbeatTimeoutMs?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly random?: () => number;
  readonly commissionWaitMs?: number;
  readonly scheduler?: Scheduler;
  readonly fs?: FileSystem;
}

export interface IbkrSession extends PaperSession {
  readonly recovered: Promise<RecoveryReport>;
  readonly reconciler: ReconcileService;
  readonly storeDir: string;
  readonly execution: IbkrExecution;
  readonly link: IbkrLink;
}

export async function startIbkr(config: Config, observers: readonly EngineObserver[], opts: IbkrSessionOptions): Promise<IbkrSession> {
  const ib = config.ibkr;
  const problems: string[] = [];
  let engineLog: ((level: 'warn' | 'info' | 'debug', msg: string) => void) | null = null;
  const log = (level: 'warn' | 'info' | 'debug', msg: string): void => { if (engineLog !== null) engineLog(level, msg); else if (level !== 'debug') problems.push(msg); };
  const onProblem = (p: IbkrProblem): void => log('warn', `${p.name}: ${p.message}`);
  const link = new IbkrLink({
    host: ib.host, port: ib.port, clientId: ib.clientId, onProblem, onInfo: log,
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.heartbeatTimeoutMs !== undefined ? { heartbeatTimeoutMs: opts.heartbeatTimeoutMs } : {}),
    ...(opts.reconnectInitialMs !== undefined ? { reconnectInitialMs: opts.reconnectInitialMs } : {}),
    ...(opts.reconnectMaxMs !== undefined ? { reconnectMaxMs: opts.reconnectMaxMs } : {}),
    ...(opts.random !== undefined ? { random: opts.random } : {}),
    ...(opts.scheduler !== undefined ? { scheduler: opts.scheduler } : {}),
  });
  await link.open();
  try {
    const identity = resolveIdentity({ port: ib.port, managedAccounts: link.managedAccounts, live: opts.live, ...(ib.account !== undefined ? { account: ib.account } : {}) });
    if (!opts.live && opts.confirmAccount !== undefined) throw new IbkrConfigError('--confirm-account only applies with --live');
    if (opts.live) {
      const r = await confirmLiveAccount(identity.account, {
        tty: opts.prompt !== undefined,
        ...(opts.confirmAccount !== undefined ? { confirmAccount: opts.confirmAccount.trim() } : {}),
        ...(opts.prompt !== undefined ? { prompt: opts.prompt } : {}),
      });
      if (!r.ok) throw new IbkrConfigError(`${r.reason}: refusing to trade real money`);
    }
    const venueName = identity.live ? 'ibkr-live' : 'ibkr';
    const root = opts.stateDir ?? 'state';
    const ids = new OrderIdAllocator({ fs: opts.fs ?? nodeFileSystem, dir: storeDir(root, venueName, identity.account) });

    const symbols = opts.symbols !== undefined && opts.symbols.length > 0 ? [...opts.symbols] : config.data.files.map((f) => config.data.symbol ?? symbolFromFileName(f));
    if (symbols.length === 0) throw new IbkrConfigError('no symbols to trade: give --symbol (repeatable)');
    // Each symbol's contract as TWS knows it (conId, primary exchange, currency, tick), the config's pins first.
    const contracts: Record<string, ContractSpec> = {};
    const resolved: Instrument[] = [];
    for (const sym of [...new Set(symbols)]) {
      const r = await resolveContract(link, instrumentFor(sym, config), ib.route, config.ibkr.contracts[sym]);
      contracts[sym] = r.spec;
      resolved.push(r.instrument);
    }
    const instruments = new InstrumentRegistry(resolved);

    let reconcileAfterResync: ((why: string) => Promise<void>) | null = null;
    // Ours: an orderRef of this store's client-id form (any durable id until the store is open).
    let ownStore: string | null = null;
    const ownsRef = (ref: string): boolean => { const p = parseDurableId(ref); return p !== null && (ownStore === null || p.storeId === ownStore); };
    const execution = new IbkrExecution({
      link, ids, account: identity.account, live: identity.live, instruments, route: ib.route, contracts, onProblem, onInfo: log, ownsRef,
      ...(opts.commissionWaitMs !== undefined ? { commissionWaitMs: opts.commissionWaitMs } : {}),
      ...(opts.scheduler !== undefined ? { scheduler: opts.scheduler } : {}),
      onResynced: async (why) => { await reconcileAfterResync?.(why); },
    });
    const summary = await execution.accountSummary();
    const account: VenueAccount = { accountId: identity.account, currency: summary.currency, cash: { [summary.currency]: summary.cash }, equity: summary.equity, status: 'active', live: identity.live };
    opts.onAccount?.(venueName, account);

    const session = await assembleVenueSession({
      config, observers, venueName, account, execution, instruments, logSource: 'ibkr',
      // The store's id marks our orderRefs: known as soon as the store is open.
      opts: { ...opts, stateDir: root, onStore: (st) => { ownStore = st.storeId; opts.onStore?.(st); } },
      // TWS's clock: market hours and the gates follow the venue, not this machine.
      clock: new WallClock(() => execution.venueNow()),
      attachLog: (l) => {
        engineLog = l;
        for (const p of problems) l('warn', p);
      },
      connected: `connected: TWS ${ib.host}:${ib.port} client ${ib.clientId}, ${identity.live ? 'LIVE' : 'paper'} account ${identity.account}; cash ${summary.cash} ${summary.currency}, equity ${summary.equity}, buying power ${summary.buyingPower}`,
      // After every reconnect, once executions and open orders were applied: compare before trading resumes.
      beforeRun: ({ engine, reconciler, recovered }) => {
        reconcileAfterResync = async () => {
          await recovered;
          await reconciler.reconcileNow('reconnect').catch((err: unknown) => engine.log('warn', 'reconcile', `reconnect: ${err instanceof Error ? err.message : String(err)}`));
        };
      },
      warmup: async (e, lookback, warm) => {
        const count = Math.max(1, Math.min(MAX_WARMUP_BARS, lookback ?? DEFAULT_WARMUP_BARS));
        const h = await fetchIbkrWarmup({
          link, instruments: instruments.all(), count, route: ib.route, contracts, log: (level, m) => e.log(level, 'warmup', m),
          ...(opts.scheduler !== undefined ? { scheduler: opts.scheduler } : {}),
        }).catch((err: unknown) => {
          e.log('warn', 'warmup', `could not fetch history from TWS (${err instanceof Error ? err.message : String(err)}): starting cold`);
          return { bars: [] as Bar[], perSymbol: {} as Record<string, number> };
        });
        for (const b of h.bars) warm.set(b.symbol, Math.max(warm.get(b.symbol) ?? 0, b.ts));
        if (h.bars.length > 0) e.log('info', 'warmup', `warm-up: ${instruments.all().map((i) => `${i.symbol} ${h.perSymbol[i.symbol] ?? 0}`).join(', ')} one-minute bars of ${count} wanted; no orders from history`);
        return h.bars;
      },
      feed: () => new IbkrFeed({ link, instruments: instruments.all(), route: ib.route, contracts, onInfo: log }),
    });
    return { ...session, execution, link };
  } catch (err) {
    link.close();
    throw err;
  }
}

/** A stock or ETF as the config describes it (instruments[]), else US-equity defaults. */
function instrumentFor(symbol: string, config: Config): Instrument {
  const spec = config.instruments.find((i) => i.symbol === symbol);
  const { symbol: _s, ...rest } = spec ?? { symbol };
  const assetClass = rest.assetClass ?? 'equity';
  if (assetClass !== 'equity' && assetClass !== 'etf') throw new IbkrConfigError(`${symbol}: this build trades stocks and ETFs at Interactive Brokers (asset class ${assetClass} is not supported yet)`);
  return makeInstrument(symbol, 'ibkr', { ...rest, assetClass, calendar: 'us_equity', quoteCurrency: config.ibkr.contracts[symbol]?.currency ?? rest.quoteCurrency ?? 'USD', source: spec !== undefined ? 'config' : 'default' });
}

