/**
 * A ccxt venue's execution side, assembled from its profile: the order instance (REST and
 * websockets), the bill-pull instance (its own throttle, the markets shared: orders never wait
 * behind ledger pages), the dead-man switch on an instance of its own where the profile has one and
 * it covers a traded market type, and the execution client over them. Sessions (modes/ccxt.ts), the
 * bench and the cross-venue tests build it here, so they run what a session runs.
 */
import type { Exchange } from 'ccxt';
import { InstrumentRegistry } from '../../domain/instrument-registry.ts';
import type { Scheduler } from '../../ports/scheduler.ts';
import { WallScheduler } from '../../ports/scheduler.ts';
import { createExchange, type CcxtSettings } from './config.ts';
import { DcpSubscription, type DcpState } from './dcp-subscription.ts';
import { DeadManSwitch, armCallOf } from './dead-man.ts';
import { CcxtExecution, type CcxtExecutionOptions } from './execution.ts';
import { instrumentsFromMarkets, type PerpTerms } from './instruments.ts';
import { DeribitConnection } from './jsonrpc-connection.ts';
import { marketTypeOf, type CcxtProfile } from './profiles.ts';
import { closeExchange } from './teardown.ts';
import { creditIdleTime } from './throttle-idle.ts';

export interface CcxtClientOptions {
  readonly symbols: readonly string[];
  /** Leverage and margin mode per swap symbol (the config's, else the account default). */
  readonly terms: (symbol: string) => PerpTerms;
  readonly deadMan: { readonly enabled: boolean; readonly timeoutSec: number; readonly refreshSec?: number | undefined };
  readonly orderTag?: string;
  readonly scheduler?: Scheduler;
  /** ccxt's own throttle (default on, as sessions run it; the bench measures without it too). */
  readonly enableRateLimit?: boolean;
  readonly say: (level: 'info' | 'warn' | 'error', msg: string) => void;
  /** Each state of the dcp subscription, where the profile's switch needs one (tests). */
  readonly onDcpState?: (s: DcpState) => void;
  /** Adapter tuning (tests make them short). */
  readonly tuning?: Pick<CcxtExecutionOptions, 'reconnectInitialMs' | 'billsPollMs' | 'heartbeatMs'>;
}

export interface CcxtClient {
  readonly ex: Exchange;
  readonly execution: CcxtExecution;
  readonly deadMan: DeadManSwitch | null;
  /** The dcp subscription the switch needs (Bybit), started and stopped with it; null elsewhere. */
  readonly dcp: DcpSubscription | null;
  readonly instruments: InstrumentRegistry;
  readonly venueName: string;
}

export async function openCcxtClient(profile: CcxtProfile, settings: CcxtSettings, o: CcxtClientOptions): Promise<CcxtClient> {
  // ccxt's throttle forgets the time it sat idle (throttle-idle.ts): without the credit each order
  // waited its whole cost (Binance 200 ms) however quiet the account had been.
  const make = async () => {
    const x = await createExchange(profile, settings, o.enableRateLimit !== undefined ? { enableRateLimit: o.enableRateLimit } : {});
    creditIdleTime(x);
    return x;
  };
  const ex = await make();
  const opened: { close(): Promise<unknown> }[] = [];
  try {
    await ex.loadMarkets();
    const venueName = settings.live ? `${profile.name}-live` : profile.name;
    const instruments = new InstrumentRegistry(instrumentsFromMarkets(ex, venueName, o.symbols, o.terms, { amountsInBase: profile.amountsInBase === true }));
    const scheduler = o.scheduler ?? new WallScheduler();

    // Orders over the venue connection its switch watches (Deribit: cancel-on-disconnect covers
    // only the orders made on that websocket), or ccxt's REST.
    let connection: DeribitConnection | undefined;
    if (profile.orderEntry === 'connection') {
      const url = settings.wsUrl ?? String((ex.urls as unknown as { api?: { ws?: unknown } }).api?.ws ?? '');
      connection = new DeribitConnection({ url, apiKey: settings.apiKey, secret: settings.secret, exchange: ex });
      opened.push(connection);
      await connection.connect();
    }

    let deadMan: DeadManSwitch | null = null;
    let dcp: DcpSubscription | null = null;
    const dm = profile.deadMan;
    // Only where it covers a traded market type (Binance has none for spot: the status bar says so).
    if (dm !== null && o.deadMan.enabled && o.symbols.some((s) => dm.markets.includes(marketTypeOf(s)))) {
      const dmEx = await make();
      opened.push({ close: () => closeExchange(dmEx) });
      dmEx.setMarkets(ex.markets);
      // Bybit's switch fires only while a private socket of ours is subscribed to dcp: on the order
      // instance's socket, which goes when the console does.
      const sub = dm.subscription !== undefined ? new DcpSubscription({ exchange: ex, topics: dm.subscription.topics, ...(o.onDcpState !== undefined ? { onState: o.onDcpState } : {}) }) : null;
      dcp = sub;
      deadMan = new DeadManSwitch({
        profile: dm, timeoutSec: o.deadMan.timeoutSec, ...(o.deadMan.refreshSec !== undefined ? { refreshSec: o.deadMan.refreshSec } : {}),
        scheduler, call: armCallOf(dm, dmEx, o.symbols, { tag: o.orderTag ?? 'parity', marketTypeOf, ...(connection !== undefined ? { connection } : {}) }),
        onEvent: (level, m) => o.say(level, m),
        ...(sub !== null ? { companion: { start: () => sub.start(), stop: () => sub.stop(), blocker: () => dcpBlocker(sub.view()) } } : {}),
      });
      const sw = deadMan;
      connection?.onClose((why) => sw.connectionLost(why));
    }
    const ledgerEx = await make();
    ledgerEx.setMarkets(ex.markets);
    const execution = new CcxtExecution({
      profile, exchange: ex, ledgerExchange: ledgerEx, instruments, symbols: o.symbols, live: settings.live, deadMan, alsoClose: opened,
      ...(connection !== undefined ? { orderGateway: connection } : {}),
      marginMode: (s) => (marketTypeOf(s) === 'swap' ? o.terms(s).marginMode : undefined),
      onProblem: (p) => o.say('warn', `${p.name}: ${p.message}`), onInfo: (m) => o.say('info', m),
      ...(o.orderTag !== undefined ? { orderTag: o.orderTag } : {}),
      ...(o.scheduler !== undefined ? { scheduler: o.scheduler } : {}),
      ...o.tuning,
    });
    // A dropped order connection: the venue has cancelled what it placed (cancel-on-disconnect), said
    // or not on the stream: the venue's order states now, not at the next reconciliation.
    connection?.onClose((why) => { void execution.recover(`the order connection dropped (${why})`); });
    return { ex, execution, deadMan, dcp, instruments, venueName };
  } catch (err) {
    await closeExchange(ex);
    for (const x of opened) await x.close().catch(() => undefined);
    throw err;
  }
}

/** Why the venue could not fire Disconnection Protect now, from the dcp subscription's state (null: it could). */
function dcpBlocker(s: DcpState): string | null {
  switch (s.state) {
    case 'subscribed': return null;
    case 'subscribing': return `the dcp subscription is not acknowledged yet${s.detail !== undefined ? ` (${s.detail})` : ''}`;
    case 'down': return s.detail;
    case 'stopped': return 'the dcp subscription is stopped';
  }
}
