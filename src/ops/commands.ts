/**
 * The one path for operator commands. The console's hotkeys, `parity ctl` over the control socket
 * and the signal handlers (SIGHUP, SIGTERM) all call `dispatch`, so a command behaves the same
 * whichever door it came through, and a later `parity attach` needs nothing new.
 */
import type { KillLevel } from './kill-state.ts';
import type { KillResult, KillSwitch } from './kill-switch.ts';
import type { TradingState } from '../risk/trading-state.ts';

export const COMMANDS = ['pause', 'resume', 'cancel-all', 'flatten', 'shutdown', 'status', 'accept-venue', 'external'] as const;

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
  /** Arguments, for the commands that take them (external: client order id, decision). */
  readonly args?: readonly string[];
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
        case 'resume': r = await k.resume(req.by); break;
        case 'cancel-all': r = await k.cancelAll(req.by); break;
        case 'flatten': r = await k.flatten(req.by); break;
        case 'shutdown': r = await k.shutdown(req.by); break;
        case 'status': break;
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
