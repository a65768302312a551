/**
 * Where a sweep's time went, from its profile (sweep.ts SweepProfile): the serial part (the main
 * thread's check and load, or the threads' start-up if slower, then a thread's strategy load; the
 * ranking after), the parallel part (the runs, per thread), and the speedup those allow. CPU times,
 * not wall: on a shared machine other processes stretch wall time, not the CPU a thread used.
 */
import type { SweepProfile } from './sweep.ts';

export interface ThreadSummary {
  readonly thread: number;
  readonly runs: number;
  /** Thread start-up (tsx, the engine's modules): its CPU until its modules were loaded. */
  readonly bootCpuMs: number | null;
  /** Loading the strategy in the thread (its first task; later tasks reuse it). */
  readonly setupCpuMs: number | null;
  /** The first run (cold: the JIT has not compiled the engine yet) and the median of the others. */
  readonly firstRunCpuMs: number | null;
  readonly laterRunCpuMsMedian: number | null;
  /** Every run of the thread. */
  readonly runCpuMs: number | null;
}

export interface ProfileSummary {
  readonly threads: readonly ThreadSummary[];
  /** Before the first run can start: max(main check + load, slowest thread start-up) + slowest strategy load. */
  readonly beforeRunsCpuMs: number | null;
  /** Ranking and building the report after the last run. */
  readonly mergeCpuMs: number | null;
  /** beforeRuns + merge: what more workers do not shorten. */
  readonly serialCpuMs: number | null;
  /** All runs on all threads. */
  readonly runCpuMs: number | null;
  /** serial + the busiest thread's runs: the sweep's length with every thread on a core of its own. */
  readonly criticalPathCpuMs: number | null;
}

const sum = (xs: readonly (number | null)[]): number | null => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + x!, 0));
const max = (xs: readonly (number | null)[]): number | null => (xs.some((x) => x === null) ? null : Math.max(0, ...(xs as number[])));

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function summarizeProfile(p: SweepProfile): ProfileSummary {
  const threads = p.threads.map((t): ThreadSummary => {
    const cpu = t.tasks.map((k) => k.cpuMs);
    const later = cpu.slice(1);
    return {
      thread: t.thread, runs: t.tasks.length, bootCpuMs: t.boot.cpuMs,
      setupCpuMs: sum(t.tasks.map((k) => k.setupCpuMs)),
      firstRunCpuMs: cpu[0] ?? null,
      laterRunCpuMsMedian: later.some((x) => x === null) ? null : median(later as number[]),
      runCpuMs: sum(cpu),
    };
  });
  const main = sum([p.mainCpuMs.check, p.mainCpuMs.load]);
  const ready = max([main, ...threads.map((t) => t.bootCpuMs)]);
  const beforeRuns = sum([ready, max(threads.map((t) => t.setupCpuMs))]);
  const serial = sum([beforeRuns, p.mainCpuMs.merge]);
  return {
    threads, beforeRunsCpuMs: beforeRuns, mergeCpuMs: p.mainCpuMs.merge, serialCpuMs: serial,
    runCpuMs: sum(threads.map((t) => t.runCpuMs)),
    criticalPathCpuMs: sum([serial, max(threads.map((t) => t.runCpuMs))]),
  };
}

/** Amdahl's law: the speedup on n workers of a job whose serial part is `serial` and parallel part `parallel`. */
export function amdahl(serial: number, parallel: number, n: number): number {
  return (serial + parallel) / (serial + parallel / n);
}
