/**
 * The recording format: `events.jsonl` in a session folder, one JSON object per line.
 *
 *   line 1      header    who recorded what: parity version, git commit, strategy file hash, params,
 *                          config (secrets redacted), venue, account, instruments
 *   then        events    market data, venue reports, order events, fills, decisions, logs, trading
 *                          state, operator actions, gate results, errors, in the order the engine
 *                          handled them (a market event comes before the reports and decisions it caused)
 *   every N     snap      the engine's own state (positions, account, orders, trading state, marks), so a
 *                          reader seeks by starting from the nearest snapshot instead of the beginning
 *   last        end       written on a clean stop only: its absence means the session died
 *
 * Snapshots and the header/end records are not events: event numbers count the rest.
 * Every line is parsed with zod on read; a kind this version does not know is a warning, not a crash,
 * so a newer recorder's extra kinds leave everything else readable. Market lines use short keys
 * (they are most of the file); everything else is spelled out.
 */
import { z } from 'zod';
import { OrderRequestSchema, orderViewFields } from '../domain/order-schema.ts';

export { OrderRequestSchema };

export const FORMAT_VERSION = 1;
export const EVENTS_FILE = 'events.jsonl';

const num = z.number();
const side = z.enum(['buy', 'sell']);

/** A newer recorder may know order states this reader does not: the status is kept as text. */
export const OrderViewSchema = z.looseObject({ ...orderViewFields, status: z.string() });

export const PositionViewSchema = z.object({
  symbol: z.string(),
  qty: num,
  avgPrice: num,
  lastPrice: num,
  unrealizedPnl: num,
  realizedPnl: num,
  fees: num,
});

export const AccountViewSchema = z.object({
  currency: z.string(),
  cash: num,
  cashByCurrency: z.record(z.string(), num),
  equity: num,
  buyingPower: num,
  marginUsed: num,
  realizedPnl: num,
  fees: num,
});

export const TradingStateSchema = z.object({
  status: z.enum(['active', 'paused', 'halted']),
  reason: z.string(),
  since: num,
});

export const InstrumentSchema = z.object({
  symbol: z.string(),
  venue: z.string(),
  assetClass: z.enum(['equity', 'etf', 'crypto_spot', 'crypto_perp']),
  quoteCurrency: z.string(),
  tickSize: num,
  lotSize: num,
  minQty: num,
  multiplier: num,
  calendar: z.enum(['us_equity', '24x7']),
  source: z.enum(['default', 'config', 'venue']),
  /** A perpetual's margin and funding terms: a re-run rebuilds the same liquidation and funding rules. */
  perp: z.object({
    leverage: num, marginMode: z.enum(['cross', 'isolated']), maintenanceMarginRate: num,
    fundingIntervalMs: num, fundingRate: num, liquidationFeeRate: num,
  }).optional(),
});

// Reports and order views are loose: fields added by newer engines (venueSeq...) pass through intact,
// which matters when a re-run hands recorded reports back to the engine.
export const ExecutionReportSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('accepted'), clientOrderId: z.string(), venueOrderId: z.string(), ts: num }),
  z.looseObject({ kind: z.literal('rejected'), clientOrderId: z.string(), reason: z.string(), ts: num }),
  z.looseObject({
    kind: z.literal('fill'), clientOrderId: z.string(), execId: z.string(), qty: num, price: num, fee: num,
    liquidity: z.enum(['maker', 'taker']), ts: num,
  }),
  z.looseObject({ kind: z.literal('fee'), clientOrderId: z.string(), execId: z.string(), fee: num, ts: num }),
  z.looseObject({ kind: z.literal('canceled'), clientOrderId: z.string(), reason: z.string().optional(), ts: num }),
  z.looseObject({ kind: z.literal('cancel_rejected'), clientOrderId: z.string(), reason: z.string(), ts: num }),
  z.looseObject({ kind: z.literal('expired'), clientOrderId: z.string(), ts: num }),
  z.looseObject({ kind: z.literal('replaced'), clientOrderId: z.string(), qty: num, limitPrice: num.optional(), stopPrice: num.optional(), ts: num }),
  z.looseObject({ kind: z.literal('replace_rejected'), clientOrderId: z.string(), reason: z.string(), ts: num }),
]);

/** A venue-initiated ledger entry (ports AccountEntry): funding, liquidation, ADL, rebate. */
export const AccountEntrySchema = z.looseObject({
  entryId: z.string(),
  kind: z.enum(['funding', 'liquidation', 'adl', 'fee_rebate', 'fee', 'other']),
  symbol: z.string().nullable(),
  currency: z.string(),
  amount: num,
  trade: z.object({ qty: num, price: num }).optional(),
  rate: num.optional(),
  markPrice: num.optional(),
  ts: num,
});

export const FillSchema = z.object({
  clientOrderId: z.string(), execId: z.string(), symbol: z.string(), side, qty: num, price: num, fee: num,
  liquidity: z.enum(['maker', 'taker']), ts: num,
});

export const ReplaceChangesSchema = z.object({ qty: num.optional(), limitPrice: num.optional(), stopPrice: num.optional() });

export const DecisionSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('submit'), id: z.string(), req: OrderRequestSchema }),
  z.object({ op: z.literal('cancel'), id: z.string() }),
  /** `changes` is null when the recorder could not see them (execution client not wrapped). */
  z.object({ op: z.literal('replace'), id: z.string(), changes: ReplaceChangesSchema.nullable() }),
]);

/** What the engine was handling when the strategy decided: the decision's triggering event. */
export const TriggerSchema = z.object({
  k: z.string(),
  t: num,
  /** Event number of the trigger in this recording (-1: none, e.g. onStart). */
  n: num,
  s: z.string().optional(),
});

export const CapabilitiesSchema = z.object({
  orderTypes: z.array(z.string()),
  timeInForce: z.array(z.string()),
  replace: z.boolean(),
  reduceOnly: z.boolean(),
  shorting: z.boolean().optional(),
  clientOrderId: z.object({ maxLength: num, pattern: z.string() }),
  simulated: z.boolean(),
  /** Stop orders as ccxt's `has` says it: the venue's own, held by parity ('emulated'), or none (absent in older recordings). */
  stop: z.union([z.boolean(), z.literal('emulated')]).optional(),
});

export const CountsSchema = z.object({ orders: num, fills: num, decisions: num, rejections: num, errors: num });

export const HeaderSchema = z.object({
  k: z.literal('header'),
  format: num,
  parity: z.string(),
  commit: z.string().nullable(),
  sessionId: z.string(),
  mode: z.string(),
  venue: z.string(),
  account: z.object({ id: z.string().nullable(), currency: z.string(), cash: num, live: z.boolean() }),
  strategy: z.object({ name: z.string(), file: z.string(), hash: z.string() }),
  params: z.record(z.string(), z.unknown()),
  /** The run's config with secrets redacted (it is what a re-run rebuilds the engine from). */
  config: z.record(z.string(), z.unknown()),
  instruments: z.array(InstrumentSchema),
  capabilities: CapabilitiesSchema.nullable(),
  startedAt: z.string(),
  snapshotEvery: num,
  /**
   * The strategy's declared features (the model's input order) and its model: the folder as the
   * strategy names it, and the sha256 of model.onnx. Absent for a strategy without features.
   */
  model: z.object({ features: z.array(z.string()), path: z.string().nullable(), hash: z.string().nullable() }).optional(),
});

const t = num;
export const BarRec = z.object({ k: z.literal('bar'), t, s: z.string(), o: num, h: num, l: num, c: num, v: num });
export const QuoteRec = z.object({ k: z.literal('quote'), t, s: z.string(), b: num, a: num, bs: num, as: num });
export const TradeRec = z.object({ k: z.literal('trade'), t, s: z.string(), p: num, q: num });
/** `m: 1`: applied while the engine handled the market event before it (the venue's fills at that instant). */
export const ReportRec = z.object({ k: z.literal('report'), t, r: ExecutionReportSchema, m: z.literal(1).optional(), raw: z.unknown().optional() });
export const OrderRec = z.object({
  k: z.literal('order'), t, id: z.string(), ev: z.string(), from: z.string(), to: z.string(),
  reason: z.string().optional(), o: OrderViewSchema,
});
export const FillRec = z.object({ k: z.literal('fill'), t, f: FillSchema, pos: PositionViewSchema, acct: AccountViewSchema });
/**
 * A venue-initiated entry as booked (once per entry id), with the books after it. `m: 1`: booked
 * while the engine handled the market event before it (the simulator's funding and liquidations).
 */
export const EntryRec = z.object({ k: z.literal('entry'), t, e: AccountEntrySchema, m: z.literal(1).optional(), acct: AccountViewSchema });
export const DecisionRec = z.object({
  k: z.literal('decision'), t, d: DecisionSchema, src: z.enum(['strategy', 'operator']), trig: TriggerSchema,
  /** Extension point: features, model predictions, anything the decision was made from. */
  x: z.record(z.string(), z.unknown()).optional(),
});
export const LogRec = z.object({
  k: z.literal('log'), t, level: z.enum(['debug', 'info', 'warn', 'error']), src: z.string(), msg: z.string(),
  fields: z.record(z.string(), z.unknown()).optional(),
});
/** `m: 1`: changed while a market event was handled (the engine's own doing: strategy error, loss limit). */
export const StateRec = z.object({ k: z.literal('state'), t, st: TradingStateSchema, m: z.literal(1).optional() });
export const OperatorRec = z.object({
  k: z.literal('operator'), t, action: z.string(), by: z.string(), detail: z.record(z.string(), z.unknown()).optional(),
});
export const GateRec = z.object({ k: z.literal('gate'), t, name: z.string(), ok: z.boolean(), detail: z.string().optional() });
export const ErrorRec = z.object({ k: z.literal('error'), t, where: z.string(), msg: z.string(), stack: z.string().optional() });
/** A bar inside a warm-up record: the bar's own time (in the past), the same short keys as a bar line. */
export const WarmupBarSchema = z.object({ t, s: z.string(), o: num, h: num, l: num, c: num, v: num });
/**
 * History bars fed to the strategy at start with order entry off (warm-up), at engine time `t`, in
 * the order fed; one warm-up is split over several records of at most WARMUP_CHUNK bars.
 * A re-run feeds them to the strategy as warm-up again. Not market events: they are the past.
 */
export const WarmupRec = z.object({ k: z.literal('warmup'), t, bars: z.array(WarmupBarSchema) });
export const WARMUP_CHUNK = 1000;
/** A number that may be NaN (a feature still warming up): JSON has no NaN, so null stands for it. */
const maybe = z.number().nullable();
/**
 * A pipeline stage of a decision, in order: `model` = a bar's features (in the model's input order,
 * the header's `features` names them) and prediction, recorded before onBar for that bar; `signal`
 * and `target` = what the strategy named (ctx.signal, ctx.target). `verify` compares them stage by stage.
 */
export const StageRec = z.object({
  k: z.literal('stage'), t, s: z.string(), st: z.enum(['model', 'signal', 'target']),
  f: z.array(maybe).optional(), p: maybe.optional(), v: num.optional(),
  /** `model` only: the side inputs read at the bar, [funding rate, index price] (null: none). */
  fi: z.tuple([maybe, maybe]).optional(),
});

export const SnapRec = z.object({
  k: z.literal('snap'), t,
  /** Events recorded before this snapshot: the state is the state after event n-1. */
  n: num,
  positions: z.array(PositionViewSchema),
  account: AccountViewSchema,
  orders: z.array(OrderViewSchema),
  fills: z.array(FillSchema),
  state: TradingStateSchema,
  marks: z.record(z.string(), num),
  counts: CountsSchema,
});

export const EndRec = z.object({
  k: z.literal('end'), t, reason: z.string(), wall: z.string(), events: num,
  account: AccountViewSchema, counts: CountsSchema,
});

export const EventRecSchema = z.discriminatedUnion('k', [
  BarRec, QuoteRec, TradeRec, ReportRec, OrderRec, FillRec, EntryRec, DecisionRec, LogRec, StateRec, OperatorRec, GateRec, ErrorRec, WarmupRec,
  StageRec,
]);

export type Header = z.infer<typeof HeaderSchema>;
export type BarRecord = z.infer<typeof BarRec>;
export type QuoteRecord = z.infer<typeof QuoteRec>;
export type TradeRecord = z.infer<typeof TradeRec>;
export type MarketRecord = BarRecord | QuoteRecord | TradeRecord;
export type ReportRecord = z.infer<typeof ReportRec>;
export type OrderRecord = z.infer<typeof OrderRec>;
export type FillRecord = z.infer<typeof FillRec>;
export type EntryRecord = z.infer<typeof EntryRec>;
export type DecisionRecord = z.infer<typeof DecisionRec>;
export type Decision = z.infer<typeof DecisionSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
export type LogRecord = z.infer<typeof LogRec>;
export type StateRecord = z.infer<typeof StateRec>;
export type OperatorRecord = z.infer<typeof OperatorRec>;
export type GateRecord = z.infer<typeof GateRec>;
export type ErrorRecord = z.infer<typeof ErrorRec>;
export type WarmupRecord = z.infer<typeof WarmupRec>;
export type StageRecordLine = z.infer<typeof StageRec>;
export type SnapRecord = z.infer<typeof SnapRec>;
export type EndRecord = z.infer<typeof EndRec>;
export type EventRecord = z.infer<typeof EventRecSchema>;
export type Counts = z.infer<typeof CountsSchema>;
export type RecordedOrderView = z.infer<typeof OrderViewSchema>;
export type RecordedPosition = z.infer<typeof PositionViewSchema>;
export type RecordedAccount = z.infer<typeof AccountViewSchema>;
export type RecordedFill = z.infer<typeof FillSchema>;
export type RecordedTradingState = z.infer<typeof TradingStateSchema>;

export type EventKind = EventRecord['k'];

/** Kind codes for the reader's compact per-event arrays. */
export const KIND_CODES: readonly EventKind[] = [
  'bar', 'quote', 'trade', 'report', 'order', 'fill', 'decision', 'log', 'state', 'operator', 'gate', 'error', 'warmup', 'entry', 'stage',
];
export const KIND_CODE: Readonly<Record<EventKind, number>> = Object.fromEntries(KIND_CODES.map((k, i) => [k, i])) as Record<EventKind, number>;
export const isMarketKind = (k: string): k is MarketRecord['k'] => k === 'bar' || k === 'quote' || k === 'trade';

/** Navigation categories (`n` / `N` in replay). A record may belong to several. */
export const FLAG = {
  market: 1,
  fill: 2,
  rejection: 4,
  error: 8,
  operator: 16,
  gateFailure: 32,
  decision: 64,
  order: 128,
} as const;
export type NavKind = 'fill' | 'rejection' | 'error' | 'operator' | 'gateFailure' | 'decision' | 'order';
export const NAV_KINDS: readonly NavKind[] = ['fill', 'rejection', 'error', 'operator', 'gateFailure', 'decision', 'order'];
export const NAV_LABEL: Readonly<Record<NavKind, string>> = {
  fill: 'fill', rejection: 'rejection', error: 'error', operator: 'operator action', gateFailure: 'gate failure',
  decision: 'decision', order: 'order event',
};

/** Which navigation categories a record belongs to. */
export function flagsOf(r: EventRecord): number {
  switch (r.k) {
    case 'bar': case 'quote': case 'trade': return FLAG.market;
    case 'fill': return FLAG.fill;
    // A liquidation is the venue closing our position: navigable with the fills.
    case 'entry': return r.e.kind === 'liquidation' || r.e.kind === 'adl' ? FLAG.fill : 0;
    case 'report': {
      const k = r.r.kind;
      return k === 'rejected' || k === 'cancel_rejected' || k === 'replace_rejected' ? FLAG.rejection : 0;
    }
    case 'order': return FLAG.order | (r.ev === 'deny' || r.ev === 'reject' ? FLAG.rejection : 0);
    case 'decision': return FLAG.decision | (r.src === 'operator' ? FLAG.operator : 0);
    // The kill switch and the gates report through the engine log (sources "operator", "gates").
    case 'log': return (r.level === 'error' ? FLAG.error : 0) | (r.src === 'operator' ? FLAG.operator : 0)
      | (r.src === 'gates' && r.msg.startsWith('FAIL') ? FLAG.gateFailure : 0);
    case 'error': return FLAG.error;
    case 'operator': return FLAG.operator;
    case 'gate': return r.ok ? 0 : FLAG.gateFailure;
    case 'state': case 'warmup': case 'stage': return 0;
  }
}

/** One line of text for an event (the replay log pane, re-run reports). */
export function describeRecord(r: EventRecord): string {
  switch (r.k) {
    case 'bar': return `bar ${r.s} O ${r.o} H ${r.h} L ${r.l} C ${r.c} V ${r.v}`;
    case 'quote': return `quote ${r.s} ${r.b} x ${r.a} (${r.bs} x ${r.as})`;
    case 'trade': return `trade ${r.s} ${r.q} @ ${r.p}`;
    case 'report': {
      const x = r.r;
      const extra = x.kind === 'fill' ? ` ${x.qty} @ ${x.price} fee ${x.fee}`
        : x.kind === 'rejected' || x.kind === 'cancel_rejected' || x.kind === 'replace_rejected' ? `: ${x.reason}`
        : x.kind === 'replaced' ? ` qty ${x.qty}${x.limitPrice !== undefined ? ` lmt ${x.limitPrice}` : ''}${x.stopPrice !== undefined ? ` stp ${x.stopPrice}` : ''}`
        : '';
      return `venue ${x.kind} ${x.clientOrderId}${extra}`;
    }
    case 'order': return `order ${r.id} ${r.ev}: ${r.from} -> ${r.to}${r.reason !== undefined ? ` (${r.reason})` : ''}`;
    case 'fill': return `fill ${r.f.side.toUpperCase()} ${r.f.qty} ${r.f.symbol} @ ${r.f.price} fee ${r.f.fee} -> position ${r.pos.qty}`;
    case 'entry': return describeEntry(r.e);
    case 'decision': return `${r.src} ${describeDecision(r.d)}`;
    case 'log': return `[${r.level} ${r.src}] ${r.msg}`;
    case 'state': return `trading ${r.st.status}: ${r.st.reason}`;
    case 'operator': return `operator ${r.action} (${r.by})${r.detail !== undefined ? ` ${JSON.stringify(r.detail)}` : ''}`;
    case 'gate': return `gate ${r.name} ${r.ok ? 'passed' : 'FAILED'}${r.detail !== undefined ? `: ${r.detail}` : ''}`;
    case 'error': return `error in ${r.where}: ${r.msg}`;
    case 'stage': return r.st === 'model' ? `model ${r.s} p ${r.p === null || r.p === undefined ? 'n/a' : r.p.toFixed(4)} from ${r.f?.length ?? 0} features` : `${r.st} ${r.s} ${r.v}`;
    case 'warmup': {
      const syms = [...new Set(r.bars.map((b) => b.s))].join(', ');
      const a = r.bars[0];
      const z = r.bars[r.bars.length - 1];
      return `warm-up ${r.bars.length} history bar${r.bars.length === 1 ? '' : 's'}${syms !== '' ? ` ${syms}` : ''}${a !== undefined && z !== undefined ? ` ${new Date(a.t).toISOString()} .. ${new Date(z.t).toISOString()}` : ''} (no orders)`;
    }
  }
}

export function describeDecision(d: Decision): string {
  if (d.op === 'cancel') return `cancel ${d.id}`;
  if (d.op === 'replace') {
    const c = d.changes;
    if (c === null) return `replace ${d.id} (changes not recorded)`;
    const parts = [c.qty !== undefined ? `qty ${c.qty}` : '', c.limitPrice !== undefined ? `lmt ${c.limitPrice}` : '', c.stopPrice !== undefined ? `stp ${c.stopPrice}` : ''].filter((s) => s !== '');
    return `replace ${d.id} ${parts.join(' ')}`;
  }
  const q = d.req;
  const px = q.type === 'market' ? 'MKT' : q.type === 'limit' ? `LMT ${q.limitPrice}` : q.type === 'stop' ? `STP ${q.stopPrice}` : `STP ${q.stopPrice} LMT ${q.limitPrice}`;
  return `submit ${q.side.toUpperCase()} ${q.qty} ${q.symbol} ${px}${q.tag !== undefined ? ` [${q.tag}]` : ''}`;
}

/** One line for a venue-initiated entry: "funding BTC/USDT:USDT -1.25 USDT (rate 0.0001 @ 50000)". */
export function describeEntry(e: z.infer<typeof AccountEntrySchema>): string {
  const what = e.kind === 'fee_rebate' ? 'fee rebate' : e.kind === 'adl' ? 'auto-deleverage' : e.kind;
  const trade = e.trade !== undefined ? ` ${e.trade.qty > 0 ? 'bought' : 'sold'} ${Math.abs(e.trade.qty)} @ ${e.trade.price}` : '';
  const rate = e.rate !== undefined ? ` (rate ${e.rate}${e.markPrice !== undefined ? ` @ ${e.markPrice}` : ''})` : '';
  return `${what}${e.symbol !== null ? ` ${e.symbol}` : ''}${trade} ${e.amount >= 0 ? '+' : ''}${e.amount} ${e.currency}${rate}`;
}
