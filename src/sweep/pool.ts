/**
 * A fixed pool of worker threads (piscina) running sweep tasks, started once per sweep and kept for
 * all its tasks. Every thread loads the strategy once, on its first task, and reads the bars the main
 * thread shared; tasks are queued and handed to whichever thread is free.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { SweepReply, SweepTask } from './worker.ts';

/**
 * Each thread's young generation (MB). A run allocates about 450 bytes of short-lived objects per bar:
 * at V8's default (16 MB semi-spaces) that is about 25 scavenges per million bars, each promoting
 * what happens to be live. 128 MB (42 MB semi-spaces) made it about 7 per million bars, a quarter less
 * scavenge time and fewer full collections (v8.GCProfiler, --single-threaded-gc), and about a tenth
 * less CPU in the thread and in V8's GC helper threads over paired sweeps at load 5 (within the noise
 * on a saturated machine). The helpers matter on 2 cores: they run beside a single worker on the idle
 * core, but compete with a second one. Cost: up to that much more memory per thread.
 */
export const YOUNG_GENERATION_MB = 128;

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export class SweepPool {
  private readonly pool: Piscina<SweepTask, SweepReply>;

  constructor(readonly workers: number) {
    this.pool = new Piscina<SweepTask, SweepReply>({
      filename: new URL('./worker.mjs', import.meta.url).href,
      minThreads: workers,
      maxThreads: workers,
      // Threads stay up between tasks: their loaded strategy and warm JIT are the point of keeping them.
      idleTimeout: Number.POSITIVE_INFINITY,
      // A queued task waits for a thread that is already warm instead of starting a new one.
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
  }

  run(task: SweepTask): Promise<SweepReply> {
    return this.pool.run(task);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
