/** The sweep's profile read as serial and parallel parts (what `npm run bench -- sweep` reports beside the wall speedup). */
import { describe, expect, it } from 'vitest';
import { amdahl, summarizeProfile } from '../../src/sweep/profile.ts';
import type { SweepProfile } from '../../src/sweep/sweep.ts';

const task = (startedAt: number, setupCpuMs: number, cpuMs: number) => ({ startedAt, setupMs: setupCpuMs, setupCpuMs, ms: cpuMs, cpuMs });

const profile = (over: Partial<SweepProfile> = {}): SweepProfile => ({
  startedAt: 0, checkedAt: 20, loadedAt: 500, runsDoneAt: 3000, finishedAt: 3001,
  mainCpuMs: { check: 20, load: 400, merge: 1 },
  threads: [
    { thread: 1, boot: { readyAt: 300, cpuMs: 150, youngGenerationMb: 128 }, shared: true, tasks: [task(500, 60, 900), task(1500, 0, 400), task(1900, 0, 500), task(2400, 0, 450)] },
    { thread: 2, boot: { readyAt: 320, cpuMs: 480, youngGenerationMb: 128 }, shared: true, tasks: [task(500, 70, 800), task(1400, 0, 420)] },
  ],
  ...over,
});

describe('sweep profile', () => {
  it('splits the time into the serial part and the runs, per thread', () => {
    const s = summarizeProfile(profile());
    expect(s.threads.map((t) => [t.runs, t.setupCpuMs, t.firstRunCpuMs, t.laterRunCpuMsMedian, t.runCpuMs])).toEqual([[4, 60, 900, 450, 2250], [2, 70, 800, 420, 1220]]);
    // max(check 20 + load 400, slowest boot 480) + slowest strategy load 70, then the merge.
    expect(s.beforeRunsCpuMs).toBe(550);
    expect(s.serialCpuMs).toBe(551);
    expect(s.runCpuMs).toBe(3470);
    expect(s.criticalPathCpuMs).toBe(551 + 2250);
  });

  it('has no CPU figures where the thread clock is missing (not zeros)', () => {
    const p = profile();
    const s = summarizeProfile({ ...p, mainCpuMs: { check: null, load: null, merge: null }, threads: p.threads.map((t) => ({ ...t, boot: { ...t.boot, cpuMs: null }, tasks: t.tasks.map((k) => ({ ...k, cpuMs: null, setupCpuMs: null })) })) });
    expect([s.serialCpuMs, s.runCpuMs, s.criticalPathCpuMs, s.threads[0]!.firstRunCpuMs]).toEqual([null, null, null, null]);
  });

  it("Amdahl's law", () => {
    expect(amdahl(0, 10, 2)).toBe(2);
    expect(amdahl(1, 9, 2)).toBeCloseTo(10 / 5.5, 12);
    expect(amdahl(10, 0, 4)).toBe(1);
  });
});
