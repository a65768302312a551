/** How the CLI tells the user about strategy exceptions: one block per place, with a count and the stack. */
import type { StrategyErrorRecord } from '../engine/strategy-errors.ts';
import { describeStrategyError } from '../engine/strategy-errors.ts';

/** parity's own src/ (engine, loader): stack frames from there on are plumbing, not the user's code. */
const PARITY_SRC = new URL('../', import.meta.url).pathname;

/** The stack's frames up to the first one in parity itself (the strategy's own frames, innermost first). */
export function strategyStack(stack: string | null): string[] {
  if (stack === null) return [];
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l));
  const out: string[] = [];
  for (const f of frames) {
    if (f.includes(PARITY_SRC) || f.includes('node:internal')) break;
    out.push(f.trim());
  }
  return out;
}

const when = (ts: number): string => (Number.isFinite(ts) ? new Date(ts).toISOString().replace('T', ' ').slice(0, 19) : 'at start');

/** Lines for stderr: "error: strategy threw in onBar at f.ts:13:5: msg (46 times, first at ...)" and the stack. */
export function strategyErrorLines(errors: readonly StrategyErrorRecord[]): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    const times = e.count > 1 ? ` (${e.count} times, the first at ${when(e.firstTs)}; repeats not shown)` : ` (at ${when(e.firstTs)})`;
    lines.push(`error: strategy threw in ${describeStrategyError(e)}${times}`);
    for (const f of strategyStack(e.stack)) lines.push(`    ${f}`);
  }
  return lines;
}
