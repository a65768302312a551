/**
 * The engine's two doors to the world. A strategy cannot tell which implementation is behind them:
 * a file or a socket behind the DataFeed, the simulated venue or a broker behind the ExecutionClient.
 */
import type { MarketEvent } from '../domain/market.ts';
import type { OrderRequest, ReplaceRequest } from '../domain/order.ts';
import type { Liquidity } from '../domain/fill.ts';

// ---------- data ----------

/** A feed the engine pulls from in time order (files, in-memory arrays): backtests and replays. */
export interface PullFeed {
  readonly kind: 'pull';
  /** Timestamp of the next event, or Infinity when the feed is exhausted. */
  peekTime(): number;
  /** The next event; only called when peekTime() is finite. */
  next(): MarketEvent;
  /** How many events in total, when known (progress bars). */
  readonly size?: number;
}

/** A feed that pushes events as they arrive (sockets, paced file replay). */
export interface PushFeed {
  readonly kind: 'push';
  start(sink: (event: MarketEvent) => void, done: () => void): void | Promise<void>;
  stop(): void;
}

export type DataFeed = PullFeed | PushFeed;

// ---------- execution ----------

/**
 * Optional on every report: the venue's own sequence number for this order's updates (when the venue
 * has one). A status report with a sequence at or below what was already applied is stale
 * (reordered in transit) and ignored; fills are deduplicated by execution id instead.
 */
export interface ReportMeta { readonly venueSeq?: number }

/** What the venue tells us about our orders. Every report names the order by our client order id. */
export type ExecutionReport = ReportMeta & (
  | { readonly kind: 'accepted'; readonly clientOrderId: string; readonly venueOrderId: string; readonly ts: number }
  | { readonly kind: 'rejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: number }
  | {
      readonly kind: 'fill';
      readonly clientOrderId: string;
      readonly execId: string;
      readonly qty: number;
      readonly price: number;
      readonly fee: number;
      readonly liquidity: Liquidity;
      readonly ts: number;
      /**
       * The venue order this execution belongs to and its cumulative filled quantity right after it.
       * A fill is known by its exec id AND by (venue order, cumulative quantity): the same execution
       * heard from the stream and from the venue's activity list carries both, even when one source
       * has no execution id (so a restart never books it twice).
       */
      readonly venueOrderId?: string;
      readonly venueCumQty?: number;
    }
  | {
      /**
       * A fee learned after its fill was booked (IBKR: a commission report that came after the
       * adapter stopped waiting for it): ADDED to that execution's fee, once per execId. Only live
       * adapters emit it; the backtest and the simulated venue never do.
       */
      readonly kind: 'fee'; readonly clientOrderId: string; readonly execId: string; readonly fee: number; readonly ts: number;
    }
  | { readonly kind: 'canceled'; readonly clientOrderId: string; readonly reason?: string; readonly ts: number }
  | {
      readonly kind: 'cancel_rejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: number;
      /** The request failed in transit (5xx, network): the order may still work; the engine retries. */
      readonly transient?: boolean;
    }
  | { readonly kind: 'expired'; readonly clientOrderId: string; readonly ts: number }
  | {
      readonly kind: 'replaced';
      readonly clientOrderId: string;
      readonly qty: number;
      readonly limitPrice?: number;
      readonly stopPrice?: number;
      readonly ts: number;
    }
  | {
      readonly kind: 'replace_rejected'; readonly clientOrderId: string; readonly reason: string; readonly ts: number;
      readonly transient?: boolean;
    });

export interface SubmitCommand {
  readonly clientOrderId: string;
  readonly request: OrderRequest;
  /** Engine time when the decision was made. */
  readonly ts: number;
}

/** Declared, not discovered (ccxt's `has`): code asks the table instead of the venue's name. */
export interface VenueCapabilities {
  readonly orderTypes: readonly OrderRequest['type'][];
  readonly timeInForce: readonly NonNullable<OrderRequest['tif']>[];
  readonly replace: boolean;
  readonly reduceOnly: boolean;
  readonly shorting: boolean;
  /** Client order id rule: maximum length and allowed characters. */
  readonly clientOrderId: { readonly maxLength: number; readonly pattern: RegExp };
  /** True when the venue matches against the engine's own market data (the simulator). */
  readonly simulated: boolean;
  /**
   * Stop orders, as ccxt's `has` says it: the venue takes them (true), parity holds them and sends a
   * market order when one triggers ('emulated': venues/emulated-stops.ts), or neither (false).
   * Absent: whether `orderTypes` lists 'stop'.
   */
  readonly stop?: boolean | 'emulated';
}

// ---------- what the venue says it holds (recovery, reconciliation, gates) ----------

export type VenueOrderStatus = 'pending' | 'accepted' | 'partially_filled' | 'filled' | 'canceled' | 'rejected' | 'expired' | 'replaced';

export interface VenueOrderState {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly request: OrderRequest;
  readonly status: VenueOrderStatus;
  readonly filledQty: number;
  readonly avgFillPrice: number;
  /** The venue's clock (as its executions are dated): when it took the order (the first link of a replace chain). */
  readonly createdAt: number;
  /** The venue's clock: its last change (an execution, a replace, the end). */
  readonly updatedAt: number;
}

export interface VenuePosition {
  readonly symbol: string;
  /** Signed: positive long, negative short. */
  readonly qty: number;
  readonly avgPrice: number;
}

export interface VenueAccount {
  readonly accountId: string;
  readonly currency: string;
  readonly cash: Readonly<Record<string, number>>;
  readonly equity: number;
  readonly status: 'active' | 'restricted' | 'closed';
  /** Paper (simulated or a broker's paper account) or real money. */
  readonly live: boolean;
}

export interface VenueExecution {
  readonly clientOrderId: string;
  readonly execId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly ts: number;
  /** As on a fill report: the venue order and its cumulative filled quantity after this execution. */
  readonly venueOrderId?: string;
  readonly venueCumQty?: number;
}

/** Questions the engine asks a venue: crash recovery, reconciliation, pre-flight gates. */
export interface VenueQueries {
  /** null = the venue has never heard of this client order id. */
  order(clientOrderId: string): Promise<VenueOrderState | null>;
  openOrders(): Promise<VenueOrderState[]>;
  positions(): Promise<VenuePosition[]>;
  account(): Promise<VenueAccount>;
  /** Executions at or after `ts` (recover fills missed during a disconnect). */
  executionsSince(ts: number): Promise<VenueExecution[]>;
  /** The venue's clock (epoch ms), for the clock-skew gate. */
  time(): Promise<number>;
  /**
   * Venue-initiated entries (funding, liquidations, rebates) at or after `ts`, oldest first: booked
   * before a reconciliation compares cash and positions, and after a disconnect. Venues that book
   * nothing on their own (equity brokers) leave it out.
   */
  entriesSince?(ts: number): Promise<AccountEntry[]>;
  /**
   * The entries booked since the adapter's last pull (it keeps its own cursor on the venue's ledger
   * clock, which need not be ours): what a reconciliation books before it compares. Without it the
   * reconciler asks entriesSince from the newest entry it booked.
   */
  pullEntries?(): Promise<AccountEntry[]>;
}

export type ConnectionState = 'connected' | 'connecting' | 'disconnected';

export interface ConnectionStatus {
  readonly state: ConnectionState;
  /** Wall time (epoch ms) of the last sign of life from the venue; null before the first. */
  readonly lastHeartbeat: number | null;
  readonly detail?: string;
}

export interface ReportSink {
  (report: ExecutionReport): void;
}

// ---------- what the venue books on its own (funding, liquidations, rebates) ----------

/**
 * Why the venue moved our cash or our position without an order of ours: a funding payment, a
 * liquidation, auto-deleveraging, a fee rebate, a fee not tied to one of our executions.
 */
export type AccountEntryKind = 'funding' | 'liquidation' | 'adl' | 'fee_rebate' | 'fee' | 'other';

/**
 * One venue-initiated ledger entry (an OKX account bill; the simulator's funding and liquidations).
 * The engine books it on arrival and before every reconciliation, so the books and the venue agree
 * after a funding interval. The same `entryId` twice is one entry (a bill heard over the socket and
 * again from the REST gap fill).
 */
export interface AccountEntry {
  readonly entryId: string;
  readonly kind: AccountEntryKind;
  /** The instrument it concerns; null for account-wide entries (a rebate on the whole account). */
  readonly symbol: string | null;
  readonly currency: string;
  /**
   * Cash booked apart from any position P&L, signed: positive received, negative paid (a funding
   * payment, a liquidation penalty, a rebate).
   */
  readonly amount: number;
  /**
   * The trade the venue made on our account (liquidation, ADL): signed quantity (positive bought)
   * and price. The ledger books it like a fill with no order: the realized P&L follows from the
   * position's cost. Absent for cash-only entries.
   */
  readonly trade?: { readonly qty: number; readonly price: number };
  /** Funding: the rate applied and the mark price it was applied at (shown, journaled). */
  readonly rate?: number;
  readonly markPrice?: number;
  /** The venue's clock. */
  readonly ts: number;
}

export interface AccountEntrySink {
  (entry: AccountEntry): void;
}

// ---------- the venue's own dead-man switch (cancel on disconnect) ----------

/**
 * The state of a venue-side switch that cancels our working orders if we stop refreshing it (OKX
 * cancel-all-after, Binance countdownCancelAll). 'unsupported': the venue has none (the status bar
 * says so); 'off': it has one and it is not armed; 'armed': refreshed, `expiresAt` is when the venue
 * cancels unless refreshed again; 'failing': the last refresh failed (the venue may fire soon);
 * 'fired': it lapsed and the venue cancelled our orders.
 */
export type DeadManState = 'unsupported' | 'off' | 'armed' | 'failing' | 'fired';

export interface DeadManStatus {
  readonly state: DeadManState;
  /** The countdown the venue was given (ms); 0 when not armed. */
  readonly timeoutMs: number;
  /** Wall time (epoch ms) the venue fires at unless refreshed; null when not armed. */
  readonly expiresAt: number | null;
  /** Wall time of the last successful refresh; null before the first. */
  readonly lastRefresh: number | null;
  readonly detail?: string;
}

/**
 * What an adapter tells the engine about its transport, outside the order state machine: the moment
 * a request actually left for the venue. Round-trip timeouts (no ack, no cancel answer) are measured
 * from here on the scheduler's clock, never from the engine time of the decision (a live minute bar
 * is stamped with the start of its minute, so engine time may lag the wall clock by a minute).
 */
export interface TransportHooks {
  sent(clientOrderId: string, command: 'submit' | 'cancel' | 'replace'): void;
}

export interface ExecutionClient {
  readonly venue: string;
  readonly capabilities: VenueCapabilities;
  /**
   * The engine hands over its report sink; reports may arrive at any time after this. Venues that
   * book entries on their own (funding, liquidations) push them to `entries`.
   */
  connect(sink: ReportSink, transport?: TransportHooks, entries?: AccountEntrySink): void | Promise<void>;
  /** Fire and forget: the outcome arrives as reports. Never throws for a venue-side refusal. */
  submit(cmd: SubmitCommand): void;
  cancel(clientOrderId: string, ts: number): void;
  replace(clientOrderId: string, changes: ReplaceRequest, ts: number): void;
  /**
   * Simulated venues match against the same market data the strategy sees. The engine calls this
   * before the strategy sees the event, so fills at this instant are applied first.
   */
  onMarketData?(event: MarketEvent): void;
  disconnect(): void | Promise<void>;
  /** Queries for recovery and reconciliation; every real venue has them. */
  readonly queries?: VenueQueries;
  /** Connection health for the status bar and the heartbeat watchdog. */
  connection?(): ConnectionStatus;
  /** The venue's dead-man switch; absent = the venue has none ('unsupported' on the status bar). */
  deadMan?(): DeadManStatus;
}

/** Defined in the domain (the registry implements it there); a port all the same. */
export type { InstrumentProvider } from '../domain/instrument-registry.ts';
