/**
 * The one path for operator commands. The console's hotkeys, `parity ctl` over the control socket
 * and the signal handlers (SIGHUP, SIGTERM) all call `dispatch`, so a command behaves the same
 * whichever door it came through, and a later `parity attach` needs nothing new.
 */
import { KILL_LEVEL_NAMES, type KillLevel } from './kill-state.ts';
import type { KillResult, KillSwitch } from './kill-switch.ts';
import type { Hold } from '../risk/trading-holds.ts';
import type { TradingState } from '../risk/trading-state.ts';

export const COMMANDS = ['pause', 'resume', 'cancel-all', 'flatten', 'shutdown', 'status', 'accept-venue', 'external', 'cancel-order', 'close-position'] as const;

/** What the operator may decide on an external order (`external <client order id> <decision>`). */
export const EXTERNAL_DECISIONS = ['adopt', 'cancel', 'leave'] as const;
export type ExternalDecisionName = (typeof EXTERNAL_DECISIONS)[number];
export type CommandName = (typeof COMMANDS)[number];

export const isCommandName = (s: string): s is CommandName => (COMMANDS as readonly string[]).includes(s);

export interface StatusReport {
  readonly session: string;
  readonly sessionDir: string;
  readonly pid: number;
  readonly mode: string;
  readonly venue: string;
  readonly account: string;
  readonly strategy: string;
  readonly trading: TradingState;
  readonly killLevel: KillLevel;
  readonly engineTime: number | null;
  readonly running: boolean;
  readonly equity: number;
  readonly openOrders: number;
  readonly positions: readonly { readonly symbol: string; readonly qty: number }[];
  readonly gates: readonly { readonly id: string; readonly status: string; readonly detail: string }[];
  /** What the venue itself says it holds (null: it cannot be asked, or did not answer in time). */
  readonly atVenue: { readonly openOrders: number; readonly positions: readonly { readonly symbol: string; readonly qty: number }[] } | null;
}

export interface CommandResult {
  readonly ok: boolean;
  readonly command: CommandName;
  readonly message: string;
  readonly level: KillLevel;
  readonly incomplete: readonly string[];
  readonly status?: StatusReport;
}

export interface CommandRequest {
  readonly command: CommandName;
  /** Who asked: console, ctl, sighup, sigterm. */
  readonly by: string;
  /** Arguments, for the commands that take them (external: client order id, decision; cancel-order: id; close-position: symbol; resume: --confirm). */
  readonly args?: readonly string[];
}

/** The argument that confirms a resume from a halt or L3/L4 (`parity ctl resume --confirm`; the console's second p). */
export const CONFIRM_ARG = '--confirm';

export interface ResumeState {
  readonly killLevel: KillLevel;
  readonly killReason: string;
  readonly trading: TradingState;
  readonly holds: readonly Hold[];
}

/** Why a resume needs a confirm: what tripped, and what resuming means. */
export interface ResumeConfirm {
  readonly tripped: string;
  readonly means: string;
}

const LOSS_LIMIT = /daily loss/i;
const LOSS_MEANS = 'the strategy trades again: if the day\'s loss is still past the limit, the next order that adds exposure pauses it again (a new trading day counts from that day\'s equity, but never resumes by itself)';

/**
 * The one rule for whether a resume is deliberate enough (the console and the command bus both ask
 * it). A pause the operator made (L1, L2) or a watchdog pause lifts with one press: it was meant to
 * be short. A halt, kill level 3/4 (positions were closed on purpose) and the engine's own stops
 * (the loss limit, a strategy that threw, a journal that could not write) need a confirm: one press
 * is how a loss limit gets undone by reflex and the losses compound. Null: no confirm needed.
 */
export function resumeNeedsConfirm(s: ResumeState): ResumeConfirm | null {
  const engine = s.holds.find((h) => h.key === 'engine');
  const halted = s.holds.filter((h) => h.status === 'halted');
  // After a restart only the persisted latch remembers that the engine stopped itself.
  const latchedEngine = s.killLevel > 0 && s.killReason.startsWith('engine ');
  if (engine !== undefined && LOSS_LIMIT.test(engine.reason)) return { tripped: `the loss limit: ${engine.reason}`, means: LOSS_MEANS };
  if (latchedEngine && LOSS_LIMIT.test(s.killReason)) return { tripped: `the loss limit: ${s.killReason}`, means: LOSS_MEANS };
  if (s.killLevel >= 3) {
    return { tripped: `kill switch ${KILL_LEVEL_NAMES[s.killLevel]}${s.killReason ? ` (${s.killReason})` : ''}`, means: 'the strategy may open positions again after they were closed on purpose' };
  }
  if (halted.length > 0 || s.trading.status === 'halted') {
    const why = halted.length > 0 ? halted.map((h) => h.reason).join('; ') : s.trading.reason;
    return { tripped: `trading halted: ${why}`, means: 'the kill switch and the engine\'s own halts lift and the strategy trades again; a failing gate or an undecided external order still blocks orders until it is fixed' };
  }
  if (engine !== undefined) return { tripped: `the engine stopped trading: ${engine.reason}`, means: 'the strategy trades again, and the same fault may repeat' };
  if (latchedEngine) return { tripped: s.killReason, means: 'the strategy trades again, and the same fault may repeat' };
  return null;
}

export interface CommandBusDeps {
  readonly kill: KillSwitch;
  readonly status: () => Promise<StatusReport>;
  /** Called after a shutdown command has been answered (the runtime disconnects and exits). */
  readonly onShutdown: (result: CommandResult) => void;
  /**
   * The operator accepts the venue's state after a reconciliation difference: our books are repaired
   * from the venue and the reconciliation pause lifted. Absent: the session cannot (no reconciler).
   */
  readonly acceptVenue?: (by: string) => Promise<{ readonly ok: boolean; readonly message: string }>;
  /** The operator's decision on an order the venue works that the journal does not know. */
  readonly external?: (clientOrderId: string, decision: ExternalDecisionName, by: string) => Promise<{ readonly ok: boolean; readonly message: string }>;
}

export class CommandBus {
  private readonly listeners = new Set<(req: CommandRequest, res: CommandResult) => void>();
  constructor(private readonly deps: CommandBusDeps) {}

  /** Every command and its result (the console's event log shows ctl-issued actions too). */
  onResult(fn: (req: CommandRequest, res: CommandResult) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async dispatch(req: CommandRequest): Promise<CommandResult> {
    const k = this.deps.kill;
    let r: Pick<KillResult, 'ok' | 'message' | 'level' | 'incomplete'> | null = null;
    let res: CommandResult;
    try {
      switch (req.command) {
        case 'pause': r = await k.pause(req.by); break;
        case 'resume': {
          const need = (req.args ?? []).includes(CONFIRM_ARG) ? null
            : resumeNeedsConfirm({ killLevel: k.level(), killReason: k.levelReason(), trading: k.tradingState(), holds: k.holds() });
          r = need === null ? await k.resume(req.by)
            : { ok: false, level: k.level(), incomplete: [], message: `not resumed: ${need.tripped}. Resuming means ${need.means}. To resume, confirm: parity ctl resume ${CONFIRM_ARG} (in the console: p, then p again within 3 s)` };
          break;
        }
        case 'cancel-all': r = await k.cancelAll(req.by); break;
        case 'flatten': r = await k.flatten(req.by); break;
        case 'shutdown': r = await k.shutdown(req.by); break;
        case 'status': break;
        // One row, no kill level: the console's `d d` on the selected order or position.
        case 'cancel-order': {
          const id = req.args?.[0];
          r = id === undefined || id === '' ? { ok: false, message: 'usage: cancel-order <client order id>', level: k.level(), incomplete: [] } : await k.cancelOne(id, req.by);
          break;
        }
        case 'close-position': {
          const symbol = req.args?.[0];
          r = symbol === undefined || symbol === '' ? { ok: false, message: 'usage: close-position <symbol>', level: k.level(), incomplete: [] } : await k.closeOne(symbol, req.by);
          break;
        }
        case 'external': {
          const [id, decision] = req.args ?? [];
          const known = (EXTERNAL_DECISIONS as readonly string[]).includes(decision ?? '');
          const a = id === undefined || !known
            ? { ok: false, message: `usage: external <client order id> <${EXTERNAL_DECISIONS.join('|')}>` }
            : this.deps.external === undefined
              ? { ok: false, message: 'external decisions are not available in this session' }
              : await this.deps.external(id, decision as ExternalDecisionName, req.by);
          r = { ok: a.ok, message: a.message, level: k.level(), incomplete: [] };
          break;
        }
        case 'accept-venue': {
          const a = this.deps.acceptVenue === undefined
            ? { ok: false, message: 'accept-venue is not available: this session has no reconciliation' }
            : await this.deps.acceptVenue(req.by);
          r = { ok: a.ok, message: a.message, level: k.level(), incomplete: [] };
          break;
        }
      }
      res = r === null
        ? { ok: true, command: req.command, message: 'status', level: k.level(), incomplete: [], status: await this.deps.status() }
        : { ok: r.ok, command: req.command, message: r.message, level: r.level, incomplete: r.incomplete, status: await this.deps.status() };
    } catch (err) {
      res = { ok: false, command: req.command, message: `${req.command} failed: ${(err as Error).message}`, level: k.level(), incomplete: [] };
    }
    for (const l of this.listeners) l(req, res);
    if (req.command === 'shutdown') this.deps.onShutdown(res);
    return res;
  }
}
