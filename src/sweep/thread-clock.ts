/**
 * CPU time of the calling thread (not the process): what a sweep worker spent computing, apart from
 * what the other threads did on the same cores. Node 20 has no per-thread clock (process.cpuUsage is
 * the whole process), so this reads Linux's /proc/thread-self/schedstat (ns on the CPU); elsewhere it
 * answers null and the sweep's profile shows wall time only. V8's helper threads (background
 * compiler, GC) are not in it.
 */
import { readFileSync } from 'node:fs';

let available: boolean | null = null;

export function threadCpuMs(): number | null {
  if (available === false) return null;
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    available = Number.isFinite(ns);
    return available ? ns / 1e6 : null;
  } catch {
    available = false;
    return null;
  }
}

/** Milliseconds since the epoch, sub-millisecond: one time line for every thread (each has its own performance.now origin). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}
