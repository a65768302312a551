/**
 * Hotkeys as a pure state machine: (ui state, key, context) -> (ui state, effect). The component
 * only runs the effect (a command on the bus, a reconcile, a quit). Destructive keys arm first and
 * act on the second press inside the window (lazygit / k9s style), never a modal maze.
 */
import type { CommandName } from '../ops/commands.ts';
import type { KillLevel } from '../ops/kill-state.ts';

export const PANES = ['orders', 'positions', 'gates', 'recon', 'events'] as const;
export type PaneId = (typeof PANES)[number];

export const ARM_MS = 3000;
export const QUIT_ARM_MS = 10_000;

export type ArmedAction = 'flatten' | 'shutdown' | 'quit' | 'accept';

export interface Armed {
  readonly action: ArmedAction;
  /** Wall time the window closes. */
  readonly until: number;
}

export interface UiState {
  readonly focus: PaneId;
  /** Rows scrolled back from the newest (events) or from the top (other panes). */
  readonly scroll: Readonly<Record<PaneId, number>>;
  readonly armed: Armed | null;
  readonly help: boolean;
}

export const INITIAL_UI: UiState = {
  focus: 'orders',
  scroll: { orders: 0, positions: 0, gates: 0, recon: 0, events: 0 },
  armed: null,
  help: false,
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
}

export type Effect =
  | { readonly kind: 'command'; readonly command: CommandName }
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
};

export const armText = (a: ArmedAction): string => ARM_TEXT[a];

export function onKey(s: UiState, input: string, key: KeyInfo, ctx: KeyContext, extraKeys: readonly string[] = []): KeyOutcome {
  const armed = s.armed !== null && s.armed.until > ctx.now ? s.armed : null;
  const base: UiState = armed === s.armed ? s : { ...s, armed };
  const isCtrlC = key.ctrl === true && input === 'c';

  // A second press inside the window acts; anything else disarms first.
  if (armed !== null) {
    const disarmed = { ...base, armed: null };
    if (armed.action === 'flatten' && input === 'f' && !key.ctrl) return { state: disarmed, effect: { kind: 'command', command: 'flatten' } };
    if (armed.action === 'shutdown' && input === 'X') return { state: disarmed, effect: { kind: 'command', command: 'shutdown' } };
    if (armed.action === 'quit' && (input === 'q' || input === 'y' || input === 'Y' || isCtrlC)) return { state: disarmed, effect: { kind: 'quit' } };
    if (armed.action === 'accept' && input === 'a' && !key.ctrl) return { state: disarmed, effect: { kind: 'command', command: 'accept-venue' } };
    return { state: disarmed, effect: { kind: 'notice', text: `${armed.action === 'accept' ? 'accept venue state' : armed.action} aborted`, level: 'info' } };
  }

  if (key.escape) return { state: { ...base, help: false }, effect: null };
  if (input === '?') return { state: { ...base, help: !base.help }, effect: null };

  if (isCtrlC || input === 'q') {
    if (!ctx.can.quit) return { state: base, effect: null };
    return { state: { ...base, armed: { action: 'quit', until: ctx.now + QUIT_ARM_MS } }, effect: null };
  }

  if (key.tab) {
    const i = PANES.indexOf(base.focus);
    const next = PANES[(i + (key.shift ? PANES.length - 1 : 1)) % PANES.length]!;
    return { state: { ...base, focus: next }, effect: null };
  }
  const step = key.upArrow ? 1 : key.downArrow ? -1 : key.pageUp ? ctx.page : key.pageDown ? -ctx.page : 0;
  if (step !== 0) {
    // Events scroll back in time (up = older); lists scroll down (down = further rows).
    const delta = base.focus === 'events' ? step : -step;
    const cur = base.scroll[base.focus];
    return { state: { ...base, scroll: { ...base.scroll, [base.focus]: Math.max(0, cur + delta) } }, effect: null };
  }
  if (key.ctrl) return { state: base, effect: null };

  if (ctx.can.command) {
    switch (input) {
      case 'p':
        return { state: base, effect: { kind: 'command', command: ctx.killLevel > 0 || !ctx.tradingActive ? 'resume' : 'pause' } };
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
