/**
 * Re-run: the recorded market data and the recorded venue answers, fed through the (possibly
 * changed) strategy on the simulated clock; the first decision that differs from the recording is
 * reported (or that all match). A decision is an order intent (symbol, side, type, qty, prices), a
 * cancel or a replace, in order; client ids are not compared (a cancel or replace is compared by the
 * order it targets, matched through the submissions).
 *
 * How the venue is replayed. ReplayVenue answers nothing by itself: each recorded report is handed
 * to the engine at the point where the original engine handled it, defined by
 *   - its market event: reports applied while a market event was handled (`m: 1`, the simulated
 *     venue's fills at that instant) are released when the re-run hands the venue that event; the
 *     others after the engine has finished it;
 *   - the decisions before it: a report waits until the re-run has made (and matched) every decision
 *     the recording shows before it, so an ack or a cancel confirmation never precedes its cause.
 * Released reports go through the engine's ordinary report queue under their recorded timestamps,
 * so the strategy sees the same fills at the same moments. Once a decision differs the recorded
 * answers no longer apply: the re-run stops feeding data and reports the difference.
 *
 * Operator actions (pause, resume, halt, cancel_all, flatten) are re-applied at their place, so a
 * session the operator intervened in re-runs as it ran. Warm-up bars (history fetched from the venue
 * at start, recorded as `warmup` records) are fed to the strategy as warm-up again, after its
 * onStart and before the first market event, with order entry off, as in the session; a recording
 * made before warm-up was recorded simply has none.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigSchema } from '../config/schema.ts';
import { InstrumentRegistry } from '../domain/instrument-registry.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { Bar, MarketEvent } from '../domain/market.ts';
import { type OrderRequest, limitPriceOf, stopPriceOf } from '../domain/order.ts';
import type { Engine, EngineObserver } from '../engine/engine.ts';
import type { AccountEntry, AccountEntrySink, ExecutionClient, ExecutionReport, PullFeed, ReportSink, TransportHooks, VenueCapabilities } from '../ports/index.ts';
import { makeEngine } from './parts.ts';
import { openStrategyModel, type StrategyModel } from './model.ts';
import type { Config } from '../config/schema.ts';
import type { SideRow } from '../data/index.ts';
import { loadStrategy, parseParams, type LoadedStrategy } from '../strategy/loader.ts';
import { describeDecision, type Decision, type DecisionRecord, type Header, type MarketRecord, type OperatorRecord, type StateRecord } from '../recording/format.ts';
import { PARITY_ROOT } from '../recording/provenance.ts';
import { Recorder } from '../recording/recorder.ts';
import type { Recording } from '../recording/recording.ts';
import { RecordingError } from '../recording/resolve.ts';
import { NullSink } from '../recording/sink.ts';

export interface RerunOptions {
  /** Strategy file to run instead of the recorded one. */
  readonly strategyFile?: string;
  /** Parameters over the recorded ones (`--param k=v`). */
  readonly params?: Readonly<Record<string, unknown>>;
  readonly cwd?: string;
}

export interface DecisionAt {
  readonly t: number;
  /** Event number in the recording (recorded side only). */
  readonly eventIndex: number | null;
  readonly decision: Decision;
  readonly text: string;
}

export interface RerunDifference {
  /** 1-based decision number. */
  readonly number: number;
  readonly recorded: DecisionAt | null;
  readonly rerun: DecisionAt | null;
}

export interface RerunResult {
  readonly match: boolean;
  readonly recordedDecisions: number;
  readonly rerunDecisions: number;
  readonly matched: number;
  readonly difference: RerunDifference | null;
  readonly strategy: { readonly file: string; readonly hash: string; readonly changed: boolean };
  readonly params: Record<string, unknown>;
  readonly marketEvents: number;
  /** Recorded warm-up bars fed to the strategy before the first market event. */
  readonly warmupBars: number;
  readonly notes: readonly string[];
}

interface Gate {
  /** Index of the market event it belongs after (-1: before the first). */
  readonly m: number;
  /** Applied inside that market event (released when the venue is handed it). */
  readonly inMarket: boolean;
  /** Recorded decisions before it. */
  readonly needD: number;
}

type Pending =
  | (Gate & { readonly type: 'report'; readonly report: ExecutionReport })
  /** A venue-initiated entry (funding, liquidation): handed back like a report, at its place. */
  | (Gate & { readonly type: 'entry'; readonly entry: AccountEntry })
  | (Gate & { readonly type: 'operator'; readonly op: OperatorRecord })
  /** A decision the operator made (kill switch flatten, cancel all): re-issued, not compared. */
  | (Gate & { readonly type: 'opDecision'; readonly d: DecisionRecord })
  /** A trading-state change from outside the strategy (kill switch, gates, guards): re-applied. */
  | (Gate & { readonly type: 'state'; readonly st: StateRecord });

const REPLAYED_ACTIONS = new Set(['pause', 'resume', 'halt']);

function capabilitiesOf(h: Header): VenueCapabilities {
  const c = h.capabilities;
  if (c === null) {
    return {
      orderTypes: ['market', 'limit', 'stop', 'stop_limit'], timeInForce: ['day', 'gtc', 'ioc', 'fok'], replace: true, reduceOnly: true,
      shorting: true, clientOrderId: { maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/ }, simulated: false,
    };
  }
  return {
    orderTypes: c.orderTypes as OrderRequest['type'][],
    timeInForce: c.timeInForce as NonNullable<OrderRequest['tif']>[],
    replace: c.replace, reduceOnly: c.reduceOnly, shorting: c.shorting ?? true,
    clientOrderId: { maxLength: c.clientOrderId.maxLength, pattern: new RegExp(c.clientOrderId.pattern) },
    simulated: c.simulated,
    ...(c.stop !== undefined ? { stop: c.stop } : {}),
  };
}

function toMarketEvent(r: MarketRecord): MarketEvent {
  if (r.k === 'bar') return { kind: 'bar', symbol: r.s, ts: r.t, open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v };
  if (r.k === 'quote') return { kind: 'quote', symbol: r.s, ts: r.t, bid: r.b, ask: r.a, bidSize: r.bs, askSize: r.as };
  return { kind: 'trade', symbol: r.s, ts: r.t, price: r.p, size: r.q };
}

/** The recorded market events, in order, as the engine's pull feed. */
class RecordedFeed implements PullFeed {
  readonly kind = 'pull' as const;
  readonly size: number;
  private i = 0;
  private nextEv: MarketEvent | null = null;
  stopped = false;
  constructor(private readonly rec: Recording, private readonly indices: readonly number[]) {
    this.size = indices.length;
  }
  private peek(): MarketEvent | null {
    if (this.nextEv === null && this.i < this.indices.length) this.nextEv = toMarketEvent(this.rec.record(this.indices[this.i]!) as MarketRecord);
    return this.nextEv;
  }
  peekTime(): number {
    if (this.stopped) return Number.POSITIVE_INFINITY;
    return this.peek()?.ts ?? Number.POSITIVE_INFINITY;
  }
  next(): MarketEvent {
    const ev = this.peek();
    if (ev === null) throw new Error('RecordedFeed.next() on an exhausted feed');
    this.nextEv = null;
    this.i++;
    return ev;
  }
}

/** Answers the re-run's orders with the recorded reports, at the points where they were handled. */
class ReplayVenue implements ExecutionClient, EngineObserver {
  readonly venue: string;
  readonly capabilities: VenueCapabilities;
  private sink: ReportSink | null = null;
  private entries: AccountEntrySink | null = null;
  private engine: Engine | null = null;
  private m = -1;
  private inMarket = false;
  private head = 0;
  /** Recorded decisions matched so far. */
  made = 0;
  /** Recorded client order id -> the re-run's. */
  readonly ids = new Map<string, string>();
  halted = false;
  readonly notes: string[] = [];

  constructor(header: Header, private readonly pending: readonly Pending[], private readonly recorder: () => Recorder) {
    this.venue = `replay:${header.venue}`;
    this.capabilities = capabilitiesOf(header);
  }

  attach(engine: Engine): void {
    this.engine = engine;
  }

  connect(sink: ReportSink, _transport?: TransportHooks, entries?: AccountEntrySink): void {
    this.sink = sink;
    this.entries = entries ?? null;
    this.release();
  }
  submit(): void {}
  cancel(): void {}
  replace(): void {}
  disconnect(): void {}

  onMarketData(): void {
    this.m++;
    this.inMarket = true;
    this.release();
  }

  onMarket(): void {
    this.inMarket = false;
    this.release();
  }

  /** Hand over, in recorded order, everything whose place the re-run has reached. */
  release(): void {
    const sink = this.sink;
    if (sink === null) return;
    while (!this.halted && this.head < this.pending.length) {
      const p = this.pending[this.head]!;
      const reached = p.m < this.m || (p.m === this.m && (p.inMarket || !this.inMarket));
      if (!reached || p.needD > this.made) return;
      this.head++;
      if (p.type === 'report') {
        const mapped = this.ids.get(p.report.clientOrderId);
        sink(mapped === undefined ? p.report : { ...p.report, clientOrderId: mapped });
      } else if (p.type === 'entry') {
        this.entries?.(p.entry);
      } else if (p.type === 'operator') {
        this.operator(p.op);
      } else if (p.type === 'opDecision') {
        this.operatorDecision(p.d);
      } else {
        const st = p.st.st;
        this.engine?.schedule(p.st.t, () => this.engine!.setTradingState(st.status, st.reason));
      }
    }
  }

  private operatorDecision(rec: DecisionRecord): void {
    const e = this.engine;
    if (e === null) return;
    const d = rec.d;
    e.schedule(rec.t, () => this.recorder().asOperator(() => {
      if (d.op === 'submit') {
        const id = e.submit(d.req as OrderRequest, 'operator');
        this.ids.set(d.id, id);
      } else if (d.op === 'cancel') {
        e.cancel(this.ids.get(d.id) ?? d.id);
      } else if (d.changes !== null) {
        e.replace(this.ids.get(d.id) ?? d.id, d.changes);
      }
    }));
  }

  private operator(op: OperatorRecord): void {
    const e = this.engine;
    if (e === null) return;
    if (!REPLAYED_ACTIONS.has(op.action)) {
      this.notes.push(`operator action "${op.action}" at ${new Date(op.t).toISOString()} is not re-applied`);
      return;
    }
    const reason = typeof op.detail?.reason === 'string' ? op.detail.reason : `operator ${op.action}`;
    e.schedule(op.t, () => this.recorder().asOperator(() => {
      if (op.action === 'pause') e.setTradingState('paused', reason);
      else if (op.action === 'halt') e.setTradingState('halted', reason);
      else if (op.action === 'resume') e.setTradingState('active', reason);
      else if (op.action === 'cancel_all') e.cancelAll();
      else e.flatten();
    }));
  }
}

function sameNum(a: number | undefined, b: number | undefined): boolean {
  return a === b;
}

/** Do a recorded and a re-run decision agree? Targets are compared through the id map. */
function sameDecision(rec: Decision, re: Decision, ids: ReadonlyMap<string, string>): boolean {
  if (rec.op !== re.op) return false;
  if (rec.op === 'submit' && re.op === 'submit') {
    const a = rec.req;
    const b = re.req;
    return a.symbol === b.symbol && a.side === b.side && a.type === b.type && a.qty === b.qty
      && sameNum(limitPriceOf(a), limitPriceOf(b)) && sameNum(stopPriceOf(a), stopPriceOf(b));
  }
  const target = (ids.get(rec.id) ?? rec.id) === re.id;
  if (rec.op === 'replace' && re.op === 'replace') {
    if (!target) return false;
    if (rec.changes === null || re.changes === null) return true;
    return sameNum(rec.changes.qty, re.changes.qty) && sameNum(rec.changes.limitPrice, re.changes.limitPrice) && sameNum(rec.changes.stopPrice, re.changes.stopPrice);
  }
  return target;
}

function resolveStrategyFile(file: string, cwd: string): string {
  if (isAbsolute(file)) return file;
  const here = resolve(cwd, file);
  if (existsSync(here)) return here;
  const inParity = resolve(PARITY_ROOT, file);
  return existsSync(inParity) ? inParity : here;
}

export async function rerunRecording(rec: Recording, opts: RerunOptions = {}): Promise<RerunResult> {
  const header = rec.header;
  if (header === null) throw new RecordingError(`${rec.file} has no readable header: the strategy, parameters and account are unknown, so it cannot be re-run`);
  const cfg = ConfigSchema.safeParse(header.config);
  if (!cfg.success) throw new RecordingError(`the recorded config cannot be read by this version (${cfg.error.issues[0]?.path.join('.')}: ${cfg.error.issues[0]?.message})`);
  const config = cfg.data;
  const cwd = opts.cwd ?? process.cwd();
  const strategy = await loadStrategy(resolveStrategyFile(opts.strategyFile ?? header.strategy.file, cwd), cwd);
  const params = parseParams(strategy.definition, { ...header.params, ...(opts.params ?? {}) });
  const instruments = new InstrumentRegistry(header.instruments as Instrument[]);

  // One pass over the recording: market events for the feed; reports, operator actions and
  // decisions with their place.
  const marketIdx: number[] = [];
  const recorded: { rec: DecisionRecord; index: number }[] = [];
  const pending: Pending[] = [];
  const warmup: Bar[] = [];
  const notes: string[] = [];
  for (let i = 0; i < rec.total; i++) {
    const k = rec.kindOf(i);
    if (k === 'bar' || k === 'quote' || k === 'trade') { marketIdx.push(i); continue; }
    if (k === 'warmup') {
      const w = rec.record(i);
      if (w.k !== 'warmup') continue;
      if (marketIdx.length > 0) { notes.push(`warm-up record at event ${i + 1} comes after market data: not re-applied`); continue; }
      for (const b of w.bars) warmup.push({ kind: 'bar', symbol: b.s, ts: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v });
      continue;
    }
    if (k !== 'report' && k !== 'entry' && k !== 'decision' && k !== 'operator' && k !== 'state') continue;
    const r = rec.record(i);
    const gate: Gate = { m: marketIdx.length - 1, inMarket: false, needD: recorded.length };
    if (r.k === 'decision') {
      if (r.src === 'operator') pending.push({ ...gate, type: 'opDecision', d: r });
      else recorded.push({ rec: r, index: i });
    } else if (r.k === 'report') pending.push({ ...gate, inMarket: r.m === 1, type: 'report', report: r.r as ExecutionReport });
    else if (r.k === 'entry') pending.push({ ...gate, inMarket: r.m === 1, type: 'entry', entry: r.e as AccountEntry });
    else if (r.k === 'operator') pending.push({ ...gate, type: 'operator', op: r });
    else if (r.k === 'state' && !r.st.reason.startsWith('strategy error') && r.m !== 1) pending.push({ ...gate, type: 'state', st: r });
  }

  let recorder: Recorder | null = null;
  const venue = new ReplayVenue(header, pending, () => recorder!);
  const feed = new RecordedFeed(rec, marketIdx);
  let rerunCount = 0;
  let difference: RerunDifference | null = null;
  const at = (r: { rec: DecisionRecord; index: number } | undefined): DecisionAt | null =>
    r === undefined ? null : { t: r.rec.t, eventIndex: r.index, decision: r.rec.d, text: `${r.rec.src} ${describeDecision(r.rec.d)}` };
  const diverge = (k: number, re: DecisionRecord | null): void => {
    difference = { number: k + 1, recorded: at(recorded[k]), rerun: re === null ? null : { t: re.t, eventIndex: null, decision: re.d, text: `${re.src} ${describeDecision(re.d)}` } };
    venue.halted = true;
    feed.stopped = true;
  };
  recorder = new Recorder({
    sink: new NullSink(), header: null, flushMs: 0,
    onDecision: (d) => {
      if (d.src === 'operator') return; // re-issued from the recording, not the strategy's
      rerunCount++;
      if (difference !== null) return;
      const k = venue.made;
      const exp = recorded[k];
      if (exp === undefined || !sameDecision(exp.rec.d, d.d, venue.ids)) { diverge(k, d); return; }
      if (exp.rec.d.op === 'submit') venue.ids.set(exp.rec.d.id, d.d.id);
      venue.made++;
      venue.release();
    },
  });
  const execution = recorder.wrapExecution(venue);
  const model = await rerunModel(rec, strategy, config, instruments, warmup, marketIdx);
  const engine = makeEngine(config, { strategy, params, series: [], instruments, warnings: [] }, execution, {
    observers: [recorder, venue], idPrefix: 'rerun',
    ...(warmup.length > 0 ? { warmup: () => warmup } : {}),
    ...(model !== null ? { model: model.stage } : {}),
  });
  venue.attach(engine);
  engine.addFeed(feed);
  try {
    engine.runToEnd();
  } finally {
    await model?.close();
  }
  if (difference === null && venue.made < recorded.length) diverge(venue.made, null);
  const diff: RerunDifference | null = difference;
  return {
    match: diff === null,
    recordedDecisions: recorded.length,
    rerunDecisions: rerunCount,
    matched: venue.made,
    difference: diff,
    strategy: { file: strategy.path, hash: strategy.sourceHash, changed: strategy.sourceHash !== header.strategy.hash },
    params,
    marketEvents: marketIdx.length,
    notes: [...notes, ...(warmup.length > 0 ? [`warmed up with ${warmup.length} recorded history bars (no orders from them)`] : []), ...venue.notes],
    warmupBars: warmup.length,
  };
}

/**
 * The strategy's model for a re-run: the side inputs (funding, index) the session read, from its
 * recorded model stages, else the recorded config's files; then every bar's prediction in batched
 * runs before the pass, as a backtest does (the recorded bars are all known).
 */
async function rerunModel(rec: Recording, strategy: LoadedStrategy, config: Config, instruments: InstrumentRegistry, warmup: readonly Bar[], marketIdx: readonly number[]): Promise<StrategyModel | null> {
  const def = strategy.definition;
  if (def.features === undefined && def.model === undefined) return null;
  const funding: Record<string, SideRow[]> = {};
  const index: Record<string, SideRow[]> = {};
  let recordedSide = false;
  for (let i = 0; i < rec.total; i++) {
    if (rec.kindOf(i) !== 'stage') continue;
    const r = rec.record(i);
    if (r.k !== 'stage' || r.st !== 'model' || r.fi === undefined) continue;
    recordedSide = true;
    // A row stamped at the bar's open is read at that bar's close (features/inputs.ts): the value it
    // had, NaN included (a row left out would let the bar before's value stand in for it).
    (funding[r.s] ??= []).push({ ts: r.t, value: r.fi[0] ?? Number.NaN });
    (index[r.s] ??= []).push({ ts: r.t, value: r.fi[1] ?? Number.NaN });
  }
  const bars: Bar[] = [...warmup];
  for (const i of marketIdx) {
    const r = rec.record(i);
    if (r.k === 'bar') bars.push({ kind: 'bar', symbol: r.s, ts: r.t, open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v });
  }
  const barMs = intervalOf(bars);
  const model = await openStrategyModel(def, strategy.path, {
    config, instruments, barMs, ...(recordedSide ? { side: { funding, index } } : {}),
  });
  if (model?.predictor != null) await model.stage.precompute(bars);
  return model;
}

/** The most common spacing between one symbol's consecutive bars (one minute when it cannot tell). */
function intervalOf(bars: readonly Bar[]): number {
  const last = new Map<string, number>();
  const counts = new Map<number, number>();
  for (const b of bars) {
    const p = last.get(b.symbol);
    if (p !== undefined && b.ts > p) counts.set(b.ts - p, (counts.get(b.ts - p) ?? 0) + 1);
    last.set(b.symbol, b.ts);
  }
  let best = 60_000;
  let n = 0;
  for (const [d, c] of counts) if (c > n || (c === n && d < best)) { best = d; n = c; }
  return best;
}

/** The result as text for a terminal. */
export function describeRerun(r: RerunResult, header: Header | null): string {
  const lines: string[] = [];
  const iso = (t: number) => new Date(t).toISOString();
  lines.push(`re-run of ${header?.sessionId ?? '?'} (${header?.strategy.name ?? '?'}) with ${r.strategy.file}${r.strategy.changed ? ' (CHANGED since the recording)' : ' (unchanged)'}`);
  lines.push(`  params ${JSON.stringify(r.params)}; ${r.marketEvents} market events`);
  for (const n of r.notes) lines.push(`  note: ${n}`);
  const d = r.difference;
  if (d === null) {
    lines.push(`MATCH: all ${r.recordedDecisions} decisions are the same, in the same order`);
    return lines.join('\n');
  }
  lines.push(`DIFFERENT at decision ${d.number} (the first ${r.matched} matched)`);
  const rec = d.recorded;
  const re = d.rerun;
  const when = rec?.t ?? re?.t;
  if (when !== undefined) lines.push(`  time      ${iso(when)}${rec?.eventIndex !== null && rec?.eventIndex !== undefined ? `, event ${rec.eventIndex + 1}` : ''}`);
  lines.push(`  recorded  ${rec === null ? '(no more decisions)' : `${iso(rec.t)}  ${rec.text}`}`);
  lines.push(`  re-run    ${re === null ? '(no decision: the re-run made fewer)' : `${iso(re.t)}  ${re.text}`}`);
  return lines.join('\n');
}
