/**
 * Hotkeys as a pure state machine: (ui state, key, context) -> (ui state, effect). The component
 * only runs the effect (a command on the bus, a reconcile, a quit). Destructive keys arm first and
 * act on the second press inside the window (lazygit / k9s style), never a modal maze.
 */
import { CONFIRM_ARG, type CommandName, type ResumeConfirm } from '../ops/commands.ts';
import type { KillLevel } from '../ops/kill-state.ts';

export const PANES = ['orders', 'positions', 'gates', 'recon', 'events'] as const;
export type PaneId = (typeof PANES)[number];

export const ARM_MS = 3000;
export const QUIT_ARM_MS = 10_000;

export type ArmedAction = 'flatten' | 'shutdown' | 'quit' | 'accept' | 'resume' | 'cancel-order' | 'close-position';

export interface Armed {
  readonly action: ArmedAction;
  /** Wall time the window closes. */
  readonly until: number;
  /** What a per-row action acts on (the order's client id, the position's symbol). */
  readonly target?: string;
  /** The prompt, when it depends on the moment (what tripped, which order). */
  readonly text?: string;
}

export interface UiState {
  readonly focus: PaneId;
  /**
   * Events: rows scrolled back from the newest; the bottom row shown is the selected one. Other
   * panes: the selected row, counted from the top (the window follows it).
   */
  readonly scroll: Readonly<Record<PaneId, number>>;
  readonly armed: Armed | null;
  readonly help: boolean;
  /** The selected row's full text is open (enter opens, esc closes). */
  readonly detail: boolean;
  /** First help row shown: at 80x24 the help is taller than the screen, so it scrolls. */
  readonly helpScroll: number;
}

export const INITIAL_UI: UiState = {
  focus: 'orders',
  scroll: { orders: 0, positions: 0, gates: 0, recon: 0, events: 0 },
  armed: null,
  help: false,
  detail: false,
  helpScroll: 0,
};

export interface KeyInfo {
  readonly tab?: boolean;
  readonly shift?: boolean;
  readonly ctrl?: boolean;
  readonly escape?: boolean;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly return?: boolean;
}

export interface KeyContext {
  readonly now: number;
  readonly killLevel: KillLevel;
  readonly tradingActive: boolean;
  /** Which effects have a handler (replay mode has no kill switch). */
  readonly can: Readonly<Record<'command' | 'reconcile' | 'gates' | 'quit', boolean>>;
  /** Rows one page scrolls. */
  readonly page: number;
  /** The reconciliation pane shows a difference (or its pause is in force): `a a` accepts the venue's state. */
  readonly reconDifference?: boolean;
  /** Why a resume needs the second p (ops/commands.ts resumeNeedsConfirm); null or absent: one press. */
  readonly resumeConfirm?: ResumeConfirm | null;
  /** Rows in each pane, so the selection stays on a row. */
  readonly rows?: Partial<Record<PaneId, number>>;
  /** What `d` would act on in the focused pane's selected row (a string: why nothing). */
  readonly rowAction?: RowAction | string | null;
  /** While help is shown: its rows on screen and the last first-row it may scroll to. */
  readonly help?: { readonly page: number; readonly max: number };
}

/** `d d` on the selected row: cancel that order (orders pane) or close that position (positions pane). */
export interface RowAction {
  readonly action: 'cancel-order' | 'close-position';
  readonly target: string;
  /** The row in words, for the prompt. */
  readonly label: string;
}

export type Effect =
  | { readonly kind: 'command'; readonly command: CommandName; readonly args?: readonly string[] }
  | { readonly kind: 'reconcile' }
  | { readonly kind: 'gates' }
  | { readonly kind: 'quit' }
  | { readonly kind: 'notice'; readonly text: string; readonly level: 'info' | 'warn' }
  | { readonly kind: 'extra'; readonly key: string };

export interface KeyOutcome {
  readonly state: UiState;
  readonly effect: Effect | null;
}

const ARM_TEXT: Record<ArmedAction, string> = {
  flatten: 'press f again within 3 s to FLATTEN (cancel all, close every position); any other key aborts',
  shutdown: 'press X again within 3 s to FLATTEN, SAVE STATE AND EXIT; any other key aborts',
  quit: 'QUIT? q/y yes · any key stays',
  accept: "press a again within 3 s to ACCEPT THE VENUE'S STATE (our positions, cash and the differing orders become the venue's); any other key aborts",
  resume: 'press p again within 3 s to RESUME; any other key aborts',
  'cancel-order': 'press d again within 3 s to CANCEL the selected order; any other key aborts',
  'close-position': 'press d again within 3 s to CLOSE the selected position; any other key aborts',
};

export const armText = (a: ArmedAction): string => ARM_TEXT[a];

/** The prompt an armed window shows (its own text when it has one). */
export const armedPrompt = (a: Armed): string => a.text ?? ARM_TEXT[a.action];

const ABORTED: Record<ArmedAction, string> = {
  flatten: 'flatten aborted', shutdown: 'shutdown aborted', quit: 'quit aborted', accept: 'accept venue state aborted',
  resume: 'resume aborted: still stopped', 'cancel-order': 'cancel of the order aborted', 'close-position': 'close of the position aborted',
};

/**
 * A kill-switch command just sent, remembered until the snapshot shows it (or PENDING_MS passes):
 * a quick `p p` must judge the second p against the pause the first asked for, not against the
 * snapshot from before it landed.
 */
export interface Pending {
  readonly command: CommandName;
  readonly until: number;
}

export const PENDING_MS = 3000;

/** The kill level each command asks for; absent: the command does not move the kill level. */
const ASKS: Partial<Record<CommandName, KillLevel>> = { pause: 1, 'cancel-all': 2, flatten: 3, shutdown: 4, resume: 0 };

export function pendingFor(command: CommandName, now: number): Pending | null {
  return ASKS[command] === undefined ? null : { command, until: now + PENDING_MS };
}

/**
 * The state keys are judged against: the snapshot's, unless a command just sent asked for another
 * one that has not shown yet. `pending` comes back null once the snapshot reflects it or it timed out.
 */
export function expectedState(snap: { readonly killLevel: KillLevel; readonly tradingActive: boolean }, pending: Pending | null, now: number): { readonly killLevel: KillLevel; readonly tradingActive: boolean; readonly pending: Pending | null } {
  const level = pending === null ? undefined : ASKS[pending.command];
  if (pending === null || level === undefined || now >= pending.until) return { ...snap, pending: null };
  const landed = level === 0 ? snap.killLevel === 0 : snap.killLevel >= level;
  if (landed) return { ...snap, pending: null };
  return { killLevel: level === 0 ? 0 : (Math.max(level, snap.killLevel) as KillLevel), tradingActive: level === 0, pending };
}

export function onKey(s: UiState, input: string, key: KeyInfo, ctx: KeyContext, extraKeys: readonly string[] = []): KeyOutcome {
  const armed = s.armed !== null && s.armed.until > ctx.now ? s.armed : null;
  const base: UiState = armed === s.armed ? s : { ...s, armed };
  const isCtrlC = key.ctrl === true && input === 'c';

  // A second press inside the window acts; anything else disarms first. The second press is the
  // exact key (never its case twin): caps lock must not confirm, and a stray key aborts.
  if (armed !== null) {
    const disarmed = { ...base, armed: null };
    const plain = !key.ctrl;
    if (armed.action === 'flatten' && input === 'f' && plain) return { state: disarmed, effect: { kind: 'command', command: 'flatten' } };
    if (armed.action === 'shutdown' && input === 'X') return { state: disarmed, effect: { kind: 'command', command: 'shutdown' } };
    if (armed.action === 'quit' && (input === 'q' || input === 'y' || input === 'Y' || isCtrlC)) return { state: disarmed, effect: { kind: 'quit' } };
    if (armed.action === 'accept' && input === 'a' && plain) return { state: disarmed, effect: { kind: 'command', command: 'accept-venue' } };
    if (armed.action === 'resume' && input === 'p' && plain) return { state: disarmed, effect: { kind: 'command', command: 'resume', args: [CONFIRM_ARG] } };
    if ((armed.action === 'cancel-order' || armed.action === 'close-position') && input === 'd' && plain && armed.target !== undefined) {
      return { state: disarmed, effect: { kind: 'command', command: armed.action, args: [armed.target] } };
    }
    return { state: disarmed, effect: { kind: 'notice', text: ABORTED[armed.action], level: 'info' } };
  }

  if (key.escape) return { state: { ...base, help: false, detail: false }, effect: null };
  if (input === '?') return { state: { ...base, help: !base.help, helpScroll: 0 }, effect: null };
  if (key.return) return { state: { ...base, detail: !base.detail, help: false }, effect: null };

  if (isCtrlC || input === 'q') {
    if (!ctx.can.quit) return { state: base, effect: null };
    return { state: { ...base, armed: { action: 'quit', until: ctx.now + QUIT_ARM_MS } }, effect: null };
  }

  if (key.tab) {
    const i = PANES.indexOf(base.focus);
    const next = PANES[(i + (key.shift ? PANES.length - 1 : 1)) % PANES.length]!;
    return { state: { ...base, focus: next, detail: false }, effect: null };
  }
  if (base.help) {
    // The help is its own scrolled list while it is shown: the panes under it keep their selection.
    const h = ctx.help ?? { page: ctx.page, max: Number.POSITIVE_INFINITY };
    const d = key.upArrow ? -1 : key.downArrow ? 1 : key.pageUp ? -h.page : key.pageDown ? h.page : 0;
    if (d !== 0) return { state: { ...base, helpScroll: Math.min(Math.max(0, h.max), Math.max(0, (base.helpScroll ?? 0) + d)) }, effect: null };
  }
  const step = key.upArrow ? 1 : key.downArrow ? -1 : key.pageUp ? ctx.page : key.pageDown ? -ctx.page : 0;
  if (step !== 0) {
    // Events scroll back in time (up = older; the bottom row shown is the selected one); in the
    // other panes the arrows move the selection (down = the next row), and the window follows it.
    const delta = base.focus === 'events' ? step : -step;
    const cur = base.scroll[base.focus];
    const n = ctx.rows?.[base.focus];
    const max = n === undefined ? Number.POSITIVE_INFINITY : Math.max(0, n - 1);
    return { state: { ...base, scroll: { ...base.scroll, [base.focus]: Math.min(max, Math.max(0, cur + delta)) } }, effect: null };
  }
  if (key.ctrl) return { state: base, effect: null };

  if (ctx.can.command) {
    switch (input) {
      case 'p': {
        if (!(ctx.killLevel > 0 || !ctx.tradingActive)) return { state: base, effect: { kind: 'command', command: 'pause' } };
        const why = ctx.resumeConfirm ?? null;
        // A pause the operator made lifts with one press; a halt, L3/L4 or a loss limit asks again.
        if (why === null) return { state: base, effect: { kind: 'command', command: 'resume' } };
        // Said once each, shortest first: what to press, what stopped it, what resuming means (the
        // message line wraps it onto as many rows as it needs while armed; the 80x24 rule).
        const text = `press p again within 3 s to RESUME, any other key aborts. Stopped by ${why.tripped}. Resuming means ${why.means}`;
        return { state: { ...base, armed: { action: 'resume', until: ctx.now + ARM_MS, text } }, effect: null };
      }
      case 'd': {
        const r = ctx.rowAction ?? null;
        if (r === null) return { state: base, effect: null };
        if (typeof r === 'string') return { state: base, effect: { kind: 'notice', text: r, level: 'info' } };
        const what = r.action === 'cancel-order' ? 'CANCEL order' : 'CLOSE the position';
        return { state: { ...base, armed: { action: r.action, until: ctx.now + ARM_MS, target: r.target, text: `press d again within 3 s to ${what} ${r.label}; any other key aborts` } }, effect: null };
      }
      case 'c':
        return { state: base, effect: { kind: 'command', command: 'cancel-all' } };
      case 'f':
        return { state: { ...base, armed: { action: 'flatten', until: ctx.now + ARM_MS } }, effect: null };
      case 'X':
        return { state: { ...base, armed: { action: 'shutdown', until: ctx.now + ARM_MS } }, effect: null };
      case 'a':
        if (ctx.reconDifference !== true) return { state: base, effect: { kind: 'notice', text: 'nothing to accept: the reconciliation pane shows no difference (r reconciles now)', level: 'info' } };
        return { state: { ...base, armed: { action: 'accept', until: ctx.now + ARM_MS } }, effect: null };
    }
  }
  if (input === 'r' && ctx.can.reconcile) return { state: base, effect: { kind: 'reconcile' } };
  if (input === 'g' && ctx.can.gates) return { state: base, effect: { kind: 'gates' } };
  if (input !== '' && extraKeys.includes(input)) return { state: base, effect: { kind: 'extra', key: input } };
  return { state: base, effect: null };
}
