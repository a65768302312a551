/**
 * What an exception thrown by a strategy callback does, and the count of them.
 *
 * A strategy that throws on every bar must not bury the run under 1,000 identical lines, nor pass
 * for a normal run. Every throw is counted; throws from the same place (callback + the strategy's
 * file:line, or the message when no frame is in the strategy) are collapsed into one record with
 * the first message, its stack and a count. The policy says what the run does about it:
 * - 'stop'  (backtest default): the run ends at the first throw, the CLI exits non-zero.
 * - 'skip'  (backtest --on-error skip): the run goes on, the callback's effect is simply lost.
 * - 'pause' (paper / live default): trading pauses (the engine hold) with the reason; exits still flow.
 */

export type StrategyErrorPolicy = 'stop' | 'skip' | 'pause';
export const STRATEGY_ERROR_POLICIES: readonly StrategyErrorPolicy[] = ['stop', 'skip', 'pause'];

export interface StrategyErrorRecord {
  /** The callback that threw: onBar, onFill, onStart... */
  readonly where: string;
  /** The first throw's message. */
  readonly message: string;
  /** `file:line:col` of the innermost stack frame in the strategy's own files, when there is one. */
  readonly location: string | null;
  readonly stack: string | null;
  /** Engine time of the first throw. */
  readonly firstTs: number;
  count: number;
}

/** Frames of Node itself and of this installation (engine, API) are not "where the strategy threw". */
const PARITY_SRC = new URL('../', import.meta.url).pathname;

/**
 * The innermost frame that belongs to the strategy: in `strategyFile` when it is known and appears,
 * else the first frame outside Node's internals, node_modules and parity's own src/.
 */
export function strategyFrame(stack: string | undefined, strategyFile?: string): string | null {
  if (stack === undefined) return null;
  const frames: string[] = [];
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:.*? \()?(?:file:\/\/)?(\/[^()]*?:\d+:\d+)\)?\s*$/.exec(line);
    if (m !== null) frames.push(m[1]!);
  }
  if (strategyFile !== undefined) {
    const own = frames.find((f) => f.startsWith(`${strategyFile}:`));
    if (own !== undefined) return own;
  }
  return frames.find((f) => !f.startsWith(PARITY_SRC) && !f.includes('/node_modules/')) ?? null;
}

export class StrategyErrors {
  private readonly byKey = new Map<string, StrategyErrorRecord>();
  private total = 0;

  constructor(readonly policy: StrategyErrorPolicy, private readonly strategyFile?: string) {}

  /** Count a throw; returns its record and whether it is the first from that place. */
  record(where: string, err: unknown, ts: number): { readonly rec: StrategyErrorRecord; readonly first: boolean } {
    this.total++;
    const message = err instanceof Error ? err.message : String(err);
    const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : null;
    const location = strategyFrame(stack ?? undefined, this.strategyFile);
    const key = `${where}|${location ?? message}`;
    const prev = this.byKey.get(key);
    if (prev !== undefined) { prev.count++; return { rec: prev, first: false }; }
    const rec: StrategyErrorRecord = { where, message, location, stack, firstTs: ts, count: 1 };
    this.byKey.set(key, rec);
    return { rec, first: true };
  }

  get count(): number {
    return this.total;
  }

  /** One record per place, in the order they first happened. */
  list(): readonly StrategyErrorRecord[] {
    return [...this.byKey.values()];
  }
}

/** "onBar at /x/s.ts:15:27: boom" — what a log line, a hold reason and the CLI say about one record. */
export function describeStrategyError(r: Pick<StrategyErrorRecord, 'where' | 'message' | 'location'>): string {
  return `${r.where}${r.location !== null ? ` at ${r.location}` : ''}: ${r.message}`;
}
