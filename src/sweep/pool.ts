/**
 * A fixed pool of worker threads (piscina) running sweep tasks. Every thread loads the data once,
 * on its first task; tasks are queued and handed to whichever thread is free.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { SweepReply, SweepTask } from './worker.ts';

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
      // Threads stay up between tasks: their loaded data is the point of keeping them.
      idleTimeout: Number.POSITIVE_INFINITY,
      // A queued task waits for a thread that already holds the data instead of starting a new one.
      concurrentTasksPerWorker: 1,
    });
  }

  run(task: SweepTask): Promise<SweepReply> {
    return this.pool.run(task);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
