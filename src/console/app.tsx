/**
 * The console UI. THE SEAM (for paper, live and issue 5's replay):
 *
 *   <App source={SnapshotSource} mode="paper" | "live" | "replay" keys={ConsoleKeys} />
 *
 * - `source` hands out immutable ConsoleSnapshots and says when a new one exists (model.ts's
 *   ConsoleModel for a running engine; a replay plugs its own player that builds the same snapshot
 *   type). The UI never touches an engine: it renders snapshots and sends commands.
 * - `mode` only changes the status bar and the quit warning.
 * - `keys` is the set of actions this session offers. Leave one out and its hotkey is inert and
 *   missing from the help line (a replay has no kill switch: pass no `command`; add its own keys,
 *   e.g. space to pause playback, through `extra`).
 * Navigation (tab / shift-tab, arrows, page up/down, ?) always works.
 */
import { Box, Text, useStdin, useStdout } from 'ink';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { type CommandName, type CommandResult, resumeNeedsConfirm } from '../ops/commands.ts';
import { fit, groupFigures } from './format.ts';
import { KeyReader, type ParsedKey } from './key-input.ts';
import { useLook, type LookState } from './look.ts';
import { chartPane, selectedSymbol } from './panes/chart.ts';
import { filterNote, promptText, visibleEvents, visibleOrders } from './search.ts';
import { INITIAL_UI, type ArmedAction, type Effect, type KeyInfo, type PaneId, type Pending, type UiState, armText, armedPrompt, expectedState, onKey, pendingFor } from './keys.ts';
import { type SelectionKeys, keyAt, resolveScroll } from './selection.ts';
import { detailView, reasonFooter, rowAction, selectedRow, wrapText } from './panes/detail.ts';
import type { ConsoleMode, ConsoleSnapshot, SnapshotSource } from './model.ts';
import { type Line, Pane, inkText, windowAt, windowOf } from './panes/pane.tsx';
import { StatusBar } from './panes/status-bar.tsx';
import { POSITION_HEADER, eventLines, gateLines, gateSummary, orderTable, pnlLines, positionLines, reconLines } from './panes/tables.ts';
import { ColorContext, type Tone, useTone } from './theme.tsx';

export interface ExtraKey {
  readonly key: string;
  readonly label: string;
  readonly run: () => void;
}

export interface ConsoleKeys {
  /**
   * Kill-switch commands through the command bus (the same path `parity ctl` uses). `args`: the
   * confirmed resume (--confirm), the order or symbol of a per-row `d d`.
   */
  readonly command?: (name: CommandName, args?: readonly string[]) => Promise<CommandResult>;
  /** Reconcile now; resolves to a one-line summary. */
  readonly reconcile?: () => Promise<string>;
  readonly rerunGates?: () => Promise<void>;
  /** The operator confirmed quit. */
  readonly quit?: () => void;
  /** What quitting leaves behind, for the confirm prompt. */
  readonly quitWarning?: (snap: ConsoleSnapshot) => string;
  readonly extra?: readonly ExtraKey[];
  /** Offered every key first (replay's player: arrows step, g prompts); true = used, skip the rest. */
  readonly input?: (input: string, key: KeyInfo & { readonly backspace?: boolean; readonly delete?: boolean; readonly meta?: boolean }) => boolean;
}

export interface AppProps {
  readonly source: SnapshotSource;
  readonly mode: ConsoleMode;
  readonly keys: ConsoleKeys;
  readonly colors?: boolean;
  readonly wallNow?: () => number;
  /** Fixed size (tests, benchmarks); otherwise the terminal's, following resizes. */
  readonly size?: { readonly columns: number; readonly rows: number };
}

interface Notice {
  readonly text: string;
  readonly tone: Tone;
  readonly until: number;
}

function useTerminalSize(fixed?: { columns: number; rows: number }): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => fixed ?? { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed !== undefined) return;
    const on = () => setSize(read());
    stdout.on('resize', on);
    return () => { stdout.off('resize', on); };
  }, [stdout, fixed?.columns, fixed?.rows]);
  return fixed ?? size;
}

/**
 * Every key, one at a time and in order. Ink's useInput hands a chunk of text ("ff" from SSH or mosh
 * batching two presses) over as one input, which reads as no key at all; so the console listens to
 * Ink's raw input events (text runs and whole escape sequences) and cuts them into keys itself
 * (key-input.ts), bracketed pastes apart. The handler is read through a ref: keys in one chunk
 * must each see the state the previous one left.
 */
function useKeys(handler: (item: ReturnType<KeyReader['push']>[number]) => void): void {
  const { setRawMode, isRawModeSupported, internal_eventEmitter: events } = useStdin();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!isRawModeSupported) return;
    setRawMode(true);
    return () => { setRawMode(false); };
  }, [isRawModeSupported, setRawMode]);
  useEffect(() => {
    const reader = new KeyReader();
    const on = (event: string) => { for (const item of reader.push(event)) ref.current(item); };
    events.on('input', on);
    return () => { events.off('input', on); };
  }, [events]);
}

export function App(props: AppProps) {
  return (
    <ColorContext.Provider value={props.colors ?? true}>
      <Console {...props} />
    </ColorContext.Provider>
  );
}

function Console({ source, mode, keys, wallNow = Date.now, size }: AppProps) {
  const snap = useSyncExternalStore(source.subscribe.bind(source), source.get.bind(source));
  const { columns, rows } = useTerminalSize(size);
  const [ui, setUi] = useState<UiState>(INITIAL_UI);
  // Keys can arrive faster than React re-renders: the handler reads and writes the latest state
  // through refs, never a stale closure (two quick presses of f must see the first one).
  const uiRef = useRef(ui);
  const snapRef = useRef(snap);
  snapRef.current = snap;
  const [notice, setNotice] = useState<Notice | null>(null);
  // The kill-switch command just sent, until the snapshot shows it (keys.ts expectedState).
  // Once the command is answered, the first snapshot after the answer rules again (`settled`):
  // an engine that stops itself right after a resume (the loss limit) must read as stopped.
  const pendingRef = useRef<(Pending & { settled?: ConsoleSnapshot }) | null>(null);
  // The selected row of each pane by its key (selection.ts): rows that arrive never move it.
  const selKeys = useRef<SelectionKeys>({});
  const [, setTick] = useState(0);
  const tone = useTone();
  const layoutRef = useRef<Layout>(computeLayout(columns, rows, columns < 100 || rows < 30, ui.focus));

  // Re-render when an armed window, a notice or a finished action's line expires, so each goes on
  // time even when no snapshot arrives (a paused engine, a closed market).
  const expiry = messageExpiry(snap, ui.armed, notice);
  useEffect(() => {
    if (!Number.isFinite(expiry)) return;
    const t = setTimeout(() => setTick((n) => n + 1), Math.max(0, expiry - wallNow()) + 20);
    return () => clearTimeout(t);
  }, [expiry]);

  const say = useCallback((text: string, t: Tone, ms = 15_000) => setNotice({ text, tone: t, until: wallNow() + ms }), [wallNow]);

  const run = useCallback((e: Effect) => {
    switch (e.kind) {
      case 'command':
        if (keys.command === undefined) return;
        const sent = pendingFor(e.command, wallNow());
        if (sent !== null) pendingRef.current = sent;
        const settle = () => { if (sent !== null && pendingRef.current === sent) pendingRef.current = { ...sent, settled: snapRef.current }; };
        say(`${e.command}: sent…`, 'accent', 60_000);
        keys.command(e.command, e.args).then(
          (r) => { settle(); say(`${e.command}: ${r.message}`, r.ok ? 'good' : 'bad', r.ok ? 15_000 : 60_000); },
          (err: unknown) => { settle(); say(`${e.command} failed: ${(err as Error).message}`, 'bad', 60_000); },
        );
        return;
      case 'reconcile':
        if (keys.reconcile === undefined) { say('reconciliation not available for this venue', 'warn'); return; }
        say('reconciling…', 'accent', 60_000);
        keys.reconcile().then((m) => say(m, 'accent'), (err: unknown) => say(`reconcile failed: ${(err as Error).message}`, 'bad', 60_000));
        return;
      case 'gates':
        if (keys.rerunGates === undefined) return;
        say('re-running pre-flight gates…', 'accent', 5000);
        keys.rerunGates().then(() => say('gates re-run: see the gates pane', 'accent', 5000), (err: unknown) => say(`gates failed: ${(err as Error).message}`, 'bad'));
        return;
      case 'quit':
        keys.quit?.();
        return;
      case 'notice':
        say(e.text, e.level === 'warn' ? 'warn' : 'dim', 3000);
        return;
      case 'extra':
        keys.extra?.find((x) => x.key === e.key)?.run();
        return;
    }
  }, [keys, say, wallNow]);

  const compact = columns < 100 || rows < 30;
  // `/` filters and `v` charts (look.ts): their own state, offered each key around the hotkeys.
  const look = useLook(() => ({ focus: uiRef.current.focus, help: uiRef.current.help, armed: uiRef.current.armed !== null && uiRef.current.armed.until > wallNow(), snap: snapRef.current, symbol: selectedSymbol(selectedRow(snapRef.current, { ...sel, pane: uiRef.current.focus, index: resolveScroll(uiRef.current.scroll, selKeys.current, selRows)[uiRef.current.focus] })) }), (t) => say(t, 'dim', 4000));
  // What the selection points at, with the rows as the panes show them (a `/` filter narrows them).
  const sq = look.state.search.query;
  const sel = {
    orders: sq.orders === '' ? snap.orders : visibleOrders(snap, sq.orders),
    events: sq.events === '' ? snap.events : visibleEvents(snap, sq.events),
    eventRows: Math.max(1, layoutRef.current.events - 1),
    gateLines: gateLines(snap, columns),
    reconLines: reconLines(snap, columns),
  };
  const selRows = { orders: sel.orders, positions: snap.positions, events: sel.events, eventRows: sel.eventRows };

  const onOneKey = (k: ParsedKey) => {
    const { input, ...key } = k;
    const layout = layoutRef.current;
    if (look.key(input, key, 'first')) return;
    if (keys.input?.(input, key) === true) return;
    if (look.key(input, key, 'then')) return;
    const now = wallNow();
    // The selection as the screen shows it (by row key), and the kill state the last command asked for.
    const cur: UiState = { ...uiRef.current, scroll: resolveScroll(uiRef.current.scroll, selKeys.current, selRows) };
    const p = pendingRef.current;
    const exp = expectedState({ killLevel: snap.ops.killLevel, tradingActive: snap.trading.status === 'active' }, p !== null && p.settled !== undefined && p.settled !== snap ? null : p, now);
    pendingRef.current = exp.pending;
    const trading = !exp.tradingActive && snap.trading.status === 'active' ? { ...snap.trading, status: 'paused' as const } : snap.trading;
    const ctx = {
      now,
      killLevel: exp.killLevel,
      tradingActive: exp.tradingActive,
      can: { command: keys.command !== undefined, reconcile: keys.reconcile !== undefined, gates: keys.rerunGates !== undefined, quit: keys.quit !== undefined },
      page: Math.max(1, layout.pageRows),
      reconDifference: reconDifference(snap),
      resumeConfirm: resumeNeedsConfirm({ killLevel: exp.killLevel, killReason: snap.ops.killReason, trading, holds: snap.ops.holds }),
      rows: { orders: sel.orders.length, positions: snap.positions.length, gates: sel.gateLines.length, recon: sel.reconLines.length },
      rowAction: rowAction(selectedRow(snap, { ...sel, pane: cur.focus, index: cur.scroll[cur.focus] })),
      help: { page: Math.max(1, layout.body - 2), max: Math.max(0, helpLines(keys, columns).length - (layout.body - 1)) },
    };
    const out = onKey(cur, input, key, ctx, (keys.extra ?? []).map((x) => x.key));
    if (out.state.scroll[cur.focus] !== cur.scroll[cur.focus]) {
      const k = keyAt(cur.focus, out.state.scroll[cur.focus], selRows);
      const next = { ...selKeys.current };
      if (k === undefined) delete next[cur.focus]; else next[cur.focus] = k;
      selKeys.current = next;
    }
    if (out.state !== uiRef.current) { uiRef.current = out.state; setUi(out.state); }
    if (out.effect !== null) run(out.effect);
  };
  useKeys((item) => {
    if (item.kind === 'key') { onOneKey(item.key); return; }
    // A paste is text, never keys: "ff" or "X X" pasted by mistake must not flatten. An open text
    // prompt (replay's jump-to) takes it as typed text, control characters left out.
    const text = item.text.replace(/[\u0000-\u001f\u007f]/g, '');
    if (look.paste(text)) return;
    if (snapRef.current.replay?.prompt != null && keys.input !== undefined && text !== '') { keys.input(text, {}); return; }
    say(`paste ignored (${item.text.length} characters): keys are typed, never pasted`, 'warn', 4000);
  });

  const now = wallNow();
  const armed = ui.armed !== null && ui.armed.until > now ? ui.armed : null;
  const prompt = promptText(look.state.search);
  const message = armed === null && prompt !== null ? { text: ` ${prompt}`, tone: 'accent' as const, inverse: false } : messageLine(snap, armed === null ? null : armed.action === 'quit' ? `${armText('quit')} — ${keys.quitWarning?.(snap) ?? ''}` : armedPrompt(armed), notice !== null && notice.until > now ? notice : null, now);
  const W = columns;
  // The 80x24 rule: a message longer than the line (a halt reason) wraps onto up to three rows,
  // taken from the panes, instead of being cut mid-word; an armed prompt (what tripped, what
  // resuming means) gets the rows it needs, so what the second press does is read whole.
  const messageRows = messageText(message.text, W, armed !== null ? ARMED_ROWS : 3);
  // At 80x24 the gate strip above Events would repeat the message line's gate summary: its row goes to events.
  const strip = compact && message.text !== ` ${gateSummary(snap).text}`;
  const layout = computeLayout(columns, rows, compact, ui.focus, messageRows.length, strip);
  layoutRef.current = layout;
  const shownUi: UiState = { ...ui, scroll: resolveScroll(ui.scroll, selKeys.current, selRows) };

  // Below 80x24 panes would cut figures: one honest screen instead, until the terminal grows back.
  if (columns < MIN_SIZE.columns || rows < MIN_SIZE.rows) return <TooSmall columns={columns} rows={rows} />;

  return (
    <Box flexDirection="column" width={W} height={layout.total}>
      <StatusBar snap={snap} width={W} compact={compact} />
      {messageRows.map((t, i) => <Text key={`m${i}`} inverse={message.inverse} bold={message.inverse} color={tone(message.tone)} wrap="truncate">{inkText(fit(t, W), message.inverse)}</Text>)}
      {ui.help ? <Help width={W} height={layout.body} keys={keys} offset={ui.helpScroll} />
        : ui.detail ? <Detail view={detailView(selectedRow(snap, { ...sel, pane: ui.focus, index: shownUi.scroll[ui.focus] }), W)} width={W} height={layout.body} />
        : <Body snap={snap} ui={shownUi} look={look.state} layout={layout} width={W} compact={compact} strip={strip} />}
      <HelpLine width={W} keys={keys} armed={armed?.action ?? null} snap={snap} typing={look.state.search.editing !== null} />
    </Box>
  );
}

/** The smallest terminal the panes fit whole (README "80x24"). */
export const MIN_SIZE = { columns: 80, rows: 24 } as const;

/** Rows an armed prompt may wrap onto (the loss-limit resume prompt takes six at 80 columns). */
const ARMED_ROWS = 8;

export function tooSmallText(columns: number, rows: number): string {
  return `terminal too small: ${MIN_SIZE.columns}x${MIN_SIZE.rows} needed, now ${columns}x${rows} (the engine keeps running; parity ctl status)`;
}

function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  const tone = useTone();
  const lines = wrapText(tooSmallText(columns, rows), Math.max(1, columns)).slice(0, Math.max(1, rows - 1));
  return (
    <Box flexDirection="column" width={columns}>
      {lines.map((l, i) => <Text key={i} color={tone('warn')} bold={i === 0} wrap="truncate">{l}</Text>)}
    </Box>
  );
}

interface Layout {
  readonly total: number;
  readonly body: number;
  readonly top: number;
  readonly mid: number;
  readonly mid2: number;
  readonly events: number;
  readonly pageRows: number;
}

/** The message line's rows: one when it fits, else the words wrapped onto at most `max`. */
export function messageText(text: string, width: number, max = 3): string[] {
  if (text.length <= width) return [text];
  const lines = wrapText(text, Math.max(10, width - 1)).map((l) => ` ${l}`);
  return lines.length <= max ? lines : [...lines.slice(0, max - 1), `${lines[max - 1]!.slice(0, Math.max(0, width - 1))}…`];
}

/**
 * Rows for each band. One row is left free so Ink never takes its clear-the-screen path (flicker).
 * A message that wraps (`messageRows` > 1) takes its extra rows from the panes.
 */
export function computeLayout(columns: number, rows: number, compact: boolean, _focus: PaneId, messageRows = 1, strip = true): Layout {
  const total = Math.max(10, rows - 1);
  const status = compact ? 2 : 1;
  const body = Math.max(4, total - status - 1 - messageRows);
  if (compact) {
    const top = Math.min(7, Math.max(3, Math.floor(body * 0.4)));
    const mid = Math.min(5, Math.max(2, Math.floor(body * 0.25)));
    const events = Math.max(1, body - (strip ? 1 : 0) - top - mid);
    return { total, body, top, mid, mid2: 0, events, pageRows: Math.max(1, events - 1) };
  }
  const top = Math.min(14, Math.max(5, Math.floor(body * 0.27)));
  const mid = Math.min(8, Math.max(4, Math.floor(body * 0.18)));
  const mid2 = Math.min(9, Math.max(3, Math.floor(body * 0.2)));
  const events = Math.max(2, body - top - mid - mid2);
  return { total, body, top, mid, mid2, events, pageRows: Math.max(1, events - 2) };
}

/** How long a finished kill-switch action's line stays: as long as any other success notice. */
const DONE_MS = 15_000;

/**
 * When the message line next changes by itself (an armed window closing, a notice or a finished
 * action's line fading): the console schedules a re-render for then, since no snapshot may come.
 */
export function messageExpiry(snap: ConsoleSnapshot, armed: { readonly until: number } | null, notice: { readonly until: number } | null): number {
  const p = snap.ops.progress;
  const done = p !== null && p.state !== 'working' && p.finishedAt !== null ? p.finishedAt + DONE_MS : Infinity;
  return Math.min(armed?.until ?? Infinity, notice?.until ?? Infinity, done);
}

/**
 * What stops trading, each reason once: the kill switch's latch of an engine stop ("kill switch L1
 * paused (engine paused: daily loss …)") repeats the engine's own hold, so it is left out beside it.
 */
export function holdReasons(snap: ConsoleSnapshot): string {
  const holds = snap.ops.holds;
  if (holds.length === 0) return snap.trading.reason;
  const halted = holds.filter((h) => h.status === 'halted');
  const top = halted.length > 0 ? halted : holds;
  const engine = holds.some((h) => h.key === 'engine');
  const shown = top.filter((h) => !(h.key === 'kill' && engine && snap.ops.killReason.startsWith('engine ')));
  return (shown.length > 0 ? shown : top).map((h) => h.reason).join('; ');
}

export function messageLine(snap: ConsoleSnapshot, armed: string | null, notice: Notice | null, now: number): { text: string; tone: Tone | null; inverse: boolean } {
  const m = messageLineRaw(snap, armed, notice, now);
  // Figures as the panes write them (298,656.88, not 298656.88): reasons come from the engine raw.
  return { ...m, text: groupFigures(m.text) };
}

function messageLineRaw(snap: ConsoleSnapshot, armed: string | null, notice: Notice | null, now: number): { text: string; tone: Tone | null; inverse: boolean } {
  if (armed !== null) return { text: ` ${armed}`, tone: 'bad', inverse: true };
  const p = snap.ops.progress;
  if (p !== null && p.state === 'working') {
    const secs = Math.round((now - p.startedAt) / 1000);
    return { text: ` ${p.action} (${p.by}) ${secs}s: ${p.detail} — open orders ${p.openOrders}, positions ${p.positions.length === 0 ? 'flat' : p.positions.map((x) => `${x.symbol} ${x.qty}`).join(', ')}`, tone: 'warn', inverse: false };
  }
  // A finished action's line fades like a notice (DONE_MS, with a re-render scheduled for it:
  // messageExpiry); before, it had no timer and stayed until some snapshot redrew the screen.
  if (p !== null && p.finishedAt !== null && now - p.finishedAt < DONE_MS && (notice === null || notice.text.endsWith('sent…'))) {
    return { text: ` ${p.action} (${p.by}) ${p.state === 'done' ? 'done' : 'DID NOT COMPLETE'}: ${p.detail}`, tone: p.state === 'done' ? 'good' : 'bad', inverse: p.state !== 'done' };
  }
  if (notice !== null) return { text: ` ${notice.text}`, tone: notice.tone, inverse: false };
  if (snap.replay?.prompt != null) return { text: ` jump to (14:30, 2024-03-04T14:30, +5m, -1h, #event; enter / esc): ${snap.replay.prompt}█`, tone: 'accent', inverse: false };
  if (snap.replay?.message != null) return { text: ` ${snap.replay.message}`, tone: 'warn', inverse: false };
  if (snap.ended !== null) return { text: ` ${snap.ended}; q quits`, tone: 'dim', inverse: false };
  if (snap.trading.status !== 'active') return { text: ` trading ${snap.trading.status.toUpperCase()}: ${holdReasons(snap)}`, tone: snap.trading.status === 'halted' ? 'bad' : 'warn', inverse: false };
  const g = gateSummary(snap);
  return { text: ` ${g.text}`, tone: g.tone, inverse: false };
}

function Body({ snap, ui, look, layout, width, compact, strip }: { snap: ConsoleSnapshot; ui: UiState; look: LookState; layout: Layout; width: number; compact: boolean; strip: boolean }) {
  const f = ui.focus;
  const q = look.search.query;
  if (look.chart !== null) {
    // The 80x24 rule: a chart takes the rows of the orders pane and the events band, which give
    // way while it is shown (v cycles on, then back); positions, P&L and gates stay in view.
    const posW = Math.floor(width * (compact ? 0.6 : 0.55));
    const g = gateSummary(snap);
    const c = chartPane(snap, look.chart, width, layout.top + layout.events);
    return (
      <Box flexDirection="column" width={width} height={layout.body}>
        <Pane title={c.title} note={c.note} width={width} height={layout.top + layout.events} focused={false} lines={c.lines} />
        <Box width={width} height={layout.mid}>
          <PositionsPane snap={snap} width={posW} height={layout.mid} focused={f === 'positions'} offset={ui.scroll.positions} />
          <Pane title={compact ? 'P&L' : 'P&L (session equity)'} width={width - posW} height={layout.mid} focused={false} lines={pnlLines(snap, width - posW - 1, layout.mid - 1)} />
        </Box>
        {compact ? (strip ? <GateStrip text={g.text} tone={g.tone} width={width} /> : null) : (
          <Box width={width} height={layout.mid2}>
            <GatesPane snap={snap} width={Math.floor(width * 0.6)} height={layout.mid2} focused={f === 'gates'} offset={ui.scroll.gates} />
            <ReconPane snap={snap} width={width - Math.floor(width * 0.6)} height={layout.mid2} focused={f === 'recon'} offset={ui.scroll.recon} />
          </Box>
        )}
      </Box>
    );
  }
  if (compact) {
    const posW = Math.floor(width * 0.6);
    const g = gateSummary(snap);
    const bottom = f === 'gates' || f === 'recon' ? f : 'events';
    return (
      <Box flexDirection="column" width={width} height={layout.body}>
        <OrdersPane snap={snap} width={width} height={layout.top} focused={f === 'orders'} offset={ui.scroll.orders} query={q.orders} />
        <Box width={width} height={layout.mid}>
          <PositionsPane snap={snap} width={posW} height={layout.mid} focused={f === 'positions'} offset={ui.scroll.positions} />
          <Pane title="P&L" width={width - posW} height={layout.mid} focused={false} lines={pnlLines(snap, width - posW - 1, layout.mid - 1)} />
        </Box>
        {strip ? <GateStrip text={g.text} tone={g.tone} width={width} /> : null}
        {bottom === 'events' ? <EventsPane snap={snap} width={width} height={layout.events} focused={f === 'events'} back={ui.scroll.events} query={q.events} />
          : bottom === 'gates' ? <GatesPane snap={snap} width={width} height={layout.events} focused offset={ui.scroll.gates} />
          : <ReconPane snap={snap} width={width} height={layout.events} focused offset={ui.scroll.recon} />}
      </Box>
    );
  }
  const posW = Math.floor(width * 0.55);
  const gatesW = Math.floor(width * 0.6);
  return (
    <Box flexDirection="column" width={width} height={layout.body}>
      <OrdersPane snap={snap} width={width} height={layout.top} focused={f === 'orders'} offset={ui.scroll.orders} query={q.orders} />
      <Box width={width} height={layout.mid}>
        <PositionsPane snap={snap} width={posW} height={layout.mid} focused={f === 'positions'} offset={ui.scroll.positions} />
        <Pane title="P&L (session equity)" width={width - posW} height={layout.mid} focused={false} lines={pnlLines(snap, width - posW - 1, layout.mid - 1)} />
      </Box>
      <Box width={width} height={layout.mid2}>
        <GatesPane snap={snap} width={gatesW} height={layout.mid2} focused={f === 'gates'} offset={ui.scroll.gates} />
        <ReconPane snap={snap} width={width - gatesW} height={layout.mid2} focused={f === 'recon'} offset={ui.scroll.recon} />
      </Box>
      <EventsPane snap={snap} width={width} height={layout.events} focused={f === 'events'} back={ui.scroll.events} query={q.events} />
    </Box>
  );
}

function GateStrip({ text, tone: t, width }: { text: string; tone: Tone; width: number }) {
  const tone = useTone();
  return <Text color={tone(t)} wrap="truncate">{inkText(fit(` ${text}`, width))}</Text>;
}

interface PaneArgs { snap: ConsoleSnapshot; width: number; height: number; focused: boolean; offset: number }

function OrdersPane({ snap, width, height, focused, offset, query = '' }: PaneArgs & { query?: string }) {
  // A `/` filter (search.ts) narrows the list the pane shows; the counts stay the whole book's.
  const shown = query === '' ? snap : { ...snap, orders: visibleOrders(snap, query) };
  // The layout is judged on every order; only the rows in view (and the selected one) are written.
  const t = orderTable(shown.orders, shown.engineTime ?? 0, width - 1);
  // The 80x24 rule: the selected order's reason, when its column cut it, is shown whole under the list.
  const chosen = focused && t.count > 0 ? Math.min(Math.max(0, offset), t.count - 1) : -1;
  const foot = chosen < 0 || height < 6 ? [] : reasonFooter(shown.orders[chosen]!, t.line(chosen).text, width - 1);
  const listRows = Math.max(1, height - 2 - foot.length);
  const w = windowAt(t.count, listRows, offset);
  const items = Array.from({ length: w.end - w.offset }, (_, i) => t.line(w.offset + i));
  const filter = filterNote(query, shown.orders.length, snap.orders.length);
  const note = `${filter !== '' ? `${filter}  ` : ''}${snap.openOrders} working, ${snap.orders.length - snap.openOrders} recent${w.note ? `  ${w.note}` : ''}`;
  const empty = query !== '' && snap.orders.length > 0 ? `no order matches /${query}/ (esc clears the filter)` : 'no orders yet';
  return <Pane title="Orders" note={note} header={t.header} width={width} height={height} focused={focused}
    lines={t.count === 0 ? [{ text: empty, tone: 'dim' }] : [...items, ...Array.from({ length: foot.length > 0 ? listRows - items.length : 0 }, () => ({ text: '' })), ...foot]}
    {...(focused && t.count > 0 ? { selected: w.selected } : {})} />;
}

function PositionsPane({ snap, width, height, focused, offset }: PaneArgs) {
  const all = positionLines(snap, width - 1);
  const w = windowOf(all, Math.max(0, height - 2), offset);
  return <Pane title="Positions" note={w.note} header={POSITION_HEADER(width - 1, snap)} width={width} height={height} focused={focused} lines={w.items} {...(focused && snap.positions.length > 0 ? { selected: w.selected } : {})} />;
}

function GatesPane({ snap, width, height, focused, offset }: PaneArgs) {
  const all = gateLines(snap, width);
  const w = windowOf(all, Math.max(0, height - 1), offset);
  return <Pane title="Pre-flight gates" note={`${gateSummary(snap).text.replace(/^gates: /, '')}${w.note ? `  ${w.note}` : ''}`} width={width} height={height} focused={focused} lines={w.items} {...(focused ? { selected: w.selected } : {})} />;
}

function ReconPane({ snap, width, height, focused, offset }: PaneArgs) {
  const all = reconLines(snap, width);
  const w = windowOf(all, Math.max(0, height - 1), offset);
  return <Pane title="Reconciliation" note={w.note} width={width} height={height} focused={focused} lines={w.items} {...(focused ? { selected: w.selected } : {})} />;
}

function EventsPane({ snap, width, height, focused, back, query = '' }: { snap: ConsoleSnapshot; width: number; height: number; focused: boolean; back: number; query?: string }) {
  const shown = query === '' ? snap : { ...snap, events: visibleEvents(snap, query) };
  const e = eventLines(shown, Math.max(0, height - 1), back);
  const note = query === '' ? e.note : `${filterNote(query, shown.events.length, snap.events.length)}${e.note.startsWith('scrolled') ? `  ${e.note}` : ''}`;
  const lines = e.lines.length === 0 && query !== '' ? [{ text: `no event matches /${query}/ (esc clears the filter)`, tone: 'dim' as const }] : e.lines;
  // The bottom row shown is the selected one (enter opens it): up scrolls back and selects older.
  return <Pane title="Events" note={note} width={width} height={height} focused={focused} lines={lines} {...(focused && e.lines.length > 0 ? { selected: lines.length - 1 } : {})} />;
}

const HELP_TEXT: readonly (readonly [string, string, keyof ConsoleKeys | null])[] = [
  ['p', 'L1 pause: no new exposure; p again resumes (from a halt, L3/L4 or the loss limit: p p)', 'command'],
  ['c', 'L2 cancel every open order parity made (never external ones); also pauses', 'command'],
  ['f f', 'L3 flatten: pause, cancel, close every parity position (second f within 3 s)', 'command'],
  ['X X', 'L4 flatten, save state, disconnect and exit (second X within 3 s)', 'command'],
  ['r', 'reconcile now: compare positions, orders and cash with the venue', 'reconcile'],
  ['a a', "accept the venue's state while reconciliation shows a difference: repair our positions, cash and the differing orders from the venue, lift the reconciliation pause (second a within 3 s)", 'command'],
  ['g', 're-run the pre-flight gates', 'rerunGates'],
  ['tab / shift-tab', 'move between panes (orders, positions, gates, reconciliation, events)', null],
  ['↑ ↓ PgUp PgDn', 'select a row (events: scroll back, up = older)', null],
  ['enter', 'the selected row in full (esc closes)', null],
  ['d d', 'cancel the selected order / close the selected position', 'command'],
  // One line each at 80 columns: the help screen is already taller than 80x24's body.
  ['/', 'filter orders or events as you type; enter keeps, esc clears', null],
  ['v', 'charts: price with our fills ▲ buy ▼ sell, equity, back', null],
  ['?  / esc', 'this help / close it', null],
  ['q  / Ctrl-C', 'quit (asks first and says what stays open)', 'quit'],
];

/** Words onto lines of at most `w` characters (help text on an 80-column terminal must not be cut). */
export function wrapWords(text: string, w: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > w) { out.push(line); line = word; } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}

function Detail({ view, width, height }: { view: { title: string; lines: Line[] }; width: number; height: number }) {
  return <Pane title={view.title} width={width} height={height} focused lines={view.lines} />;
}

/** The help screen's rows for these keys at this width (it scrolls when taller than the body). */
export function helpLines(keys: ConsoleKeys, width: number): Line[] {
  const textW = Math.max(20, width - 20);
  const entry = (k: string, d: string) => wrapWords(d, textW).map((part, i) => ({ text: `${fit(i === 0 ? k : '', 16)} ${part}` }));
  const lines = HELP_TEXT.filter(([, , need]) => need === null || keys[need] !== undefined).flatMap(([k, d]) => entry(k, d));
  const extra = (keys.extra ?? []).flatMap((x) => entry(x.key, x.label));
  const note = (t: string) => wrapWords(t, Math.max(20, width - 4)).map((text) => ({ text, tone: 'dim' as const }));
  // A replay has no engine to reach: the ctl and hangup notes are for sessions that trade.
  const live = keys.command !== undefined;
  const more = [
    { text: '' },
    ...(!live ? [] : note('From another terminal (frozen console, lost SSH): parity ctl pause|resume|cancel-all|flatten|shutdown|status, accept-venue; resume --confirm from a halt or L3/L4; cancel-order <id>, close-position <symbol>')),
    ...(!live ? [] : note('A lost SSH link (SIGHUP) does not stop the engine; run parity inside tmux to get the screen back.')),
  ];
  return [...lines, ...extra, ...more];
}

/** The help, scrolled (arrows, PgUp / PgDn while it is shown): at 80x24 it is taller than the body. */
function Help({ width, height, keys, offset }: { width: number; height: number; keys: ConsoleKeys; offset: number }) {
  const all = helpLines(keys, width);
  const rows = Math.max(1, height - 1);
  const o = Math.min(Math.max(0, offset), Math.max(0, all.length - rows));
  const note = all.length > rows ? `${o + 1}-${Math.min(all.length, o + rows)} of ${all.length} · ↑↓ PgUp PgDn scroll · esc closes` : 'esc closes';
  return <Pane title="Help" note={note} width={width} height={height} focused lines={all.slice(o, o + rows)} />;
}

/** The reconciliation pane shows a difference, or its pause is still in force: `a a` has something to accept. */
function reconDifference(snap: ConsoleSnapshot): boolean {
  const r = snap.ops.reconciliation;
  return (r !== null && !r.clean) || snap.ops.holds.some((h) => h.key === 'reconcile');
}

function HelpLine(props: HelpLineProps) {
  const tone = useTone();
  return <Text color={tone('dim')} wrap="truncate">{inkText(fit(helpLineText(props), props.width))}</Text>;
}

interface HelpLineProps { readonly width: number; readonly keys: ConsoleKeys; readonly armed: ArmedAction | null; readonly snap: ConsoleSnapshot; readonly typing?: boolean }

/** One hint: its long and short label, and how late it gives way (higher stays longer). */
interface Hint { readonly long: string; readonly short: string; readonly keep: number }

/** Replay's keys, shorter for a narrow line (their long labels are in ? help). */
const SHORT_EXTRA: Readonly<Record<string, readonly [string, number]>> = {
  space: ['play', 9], '←/→': ['step', 8], g: ['jump', 7], '[/]': ['speed', 5], 'n/N': ['next', 6], k: ['kind', 4], '0/$': ['ends', 3],
};

/**
 * The bottom line, built to fit (the 80x24 rule): hints have priorities; the line first shortens
 * its labels and separators, then the lowest-priority hints give way one by one; `? help` and
 * `q quit` are the last to go, so the way to every other key is always on screen.
 */
export function helpLineText({ width, keys, armed, snap, typing = false }: HelpLineProps): string {
  if (armed === 'quit') return ' q or y quits · any other key stays';
  if (armed !== null) return ' confirm with the same key · any other key aborts';
  if (typing) return ' typing a filter: keys are text, not hotkeys · enter keeps · esc clears';
  const hints: Hint[] = [];
  const h = (long: string, short: string, keep: number) => hints.push({ long, short, keep });
  if (keys.command !== undefined) {
    const resume = snap.ops.killLevel > 0 || snap.trading.status !== 'active';
    h(resume ? 'p RESUME' : 'p pause', resume ? 'p RESUME' : 'p pause', 90);
    h('c cancel-all', 'c cancel', 70);
    h('f flatten', 'f flat', 80);
    h('X exit flat', 'X exit', 75);
  }
  if (keys.reconcile !== undefined) h('r reconcile', 'r recon', 50);
  if (keys.command !== undefined && reconDifference(snap)) h('a a accept venue state', 'a a accept venue', 85);
  if (keys.rerunGates !== undefined) h('g gates', 'g gates', 40);
  for (const x of keys.extra ?? []) {
    const [short, keep] = SHORT_EXTRA[x.key] ?? [x.label, 30];
    h(`${x.key} ${x.label}`, `${x.key} ${short}`, 20 + keep);
  }
  h('/ find', '/ find', 15);
  h('v chart', 'v chart', 14);
  h('tab pane', 'tab', 11);
  h('↑↓ scroll', '↑↓', 10);
  h('? help', '? help', 1000);
  if (keys.quit !== undefined) h('q quit', 'q quit', 1000);
  let shown = hints;
  for (;;) {
    // Separators that read well before long labels: ' · ' with short labels beats single spaces.
    for (const sep of [' · ', '  ', ' ']) {
      for (const label of ['long', 'short'] as const) {
        const t = ` ${shown.map((x) => x[label]).join(sep)}`;
        if (t.length <= width) return t;
      }
    }
    // The lowest priority goes first; of equals, the rightmost.
    let drop = -1;
    shown.forEach((x, i) => { if (x.keep < 1000 && (drop < 0 || x.keep <= shown[drop]!.keep)) drop = i; });
    if (drop < 0) return ` ${shown.map((x) => x.short).join(' ')}`;
    shown = shown.filter((_, i) => i !== drop);
  }
}
