/**
 * One writer per store. The lock file holds the owner's pid and its process start time, so a lock
 * left by a killed process is recognised at once (the pid is dead, or it now belongs to another
 * process that started at a different time) and taken over without waiting for a timeout.
 */
import { closeSync, existsSync, readFileSync, renameSync, unlinkSync, openSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { fsyncDir } from '../util/durable-file.ts';
import { StoreLockedError } from './errors.ts';

const LockSchema = z.strictObject({
  pid: z.number().int().positive(),
  /** /proc/<pid>/stat field 22 (clock ticks since boot) on Linux; null elsewhere. */
  startTime: z.string().nullable(),
  host: z.string(),
  since: z.string(),
});
type LockInfo = z.infer<typeof LockSchema>;

export const LOCK_FILE = 'LOCK';

/** The start time of a process as the kernel reports it, or null (not Linux, or no such process). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: count fields after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 overall = index 19 after pid and comm
  } catch {
    return null;
  }
}

/** Does a process with this pid exist (EPERM: yes, someone else's)? */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Is the process that wrote this lock still the one running under that pid? */
function holderAlive(info: LockInfo): boolean {
  if (!pidAlive(info.pid)) return false;
  if (info.startTime === null) return true;
  const now = processStartTime(info.pid);
  return now === null || now === info.startTime;
}

function readLock(path: string): LockInfo | null {
  try {
    const r = LockSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export class StoreLock {
  private released = false;
  private constructor(readonly path: string, readonly info: LockInfo, readonly tookOverFrom: LockInfo | null) {}

  /** Take the lock of `dir`, or throw StoreLockedError naming the live process that holds it. */
  static acquire(dir: string, host = 'localhost'): StoreLock {
    const path = join(dir, LOCK_FILE);
    const mine: LockInfo = { pid: process.pid, startTime: processStartTime(process.pid), host, since: new Date().toISOString() };
    let tookOver: LockInfo | null = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        try {
          writeSync(fd, `${JSON.stringify(mine)}\n`);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        fsyncDir(dir);
        return new StoreLock(path, mine, tookOver);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readLock(path);
      if (held !== null && held.pid === process.pid && held.startTime === mine.startTime) {
        throw new StoreLockedError(dir, held.pid, `${held.since}; this very process opened the store twice`);
      }
      if (held !== null && holderAlive(held)) throw new StoreLockedError(dir, held.pid, held.since);
      // Stale (or unreadable: a crash while writing it). Move it aside under a name of our own, then
      // check that what we moved is what we judged stale: a competitor may have taken over between.
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      const moved = readLock(aside);
      if (moved !== null && held !== null && (moved.pid !== held.pid || moved.startTime !== held.startTime) && holderAlive(moved)) {
        // We moved a live competitor's fresh lock: put it back and report it.
        renameSync(aside, path);
        throw new StoreLockedError(dir, moved.pid, moved.since);
      }
      tookOver = held;
      try { unlinkSync(aside); } catch { /* already gone */ }
    }
    throw new Error(`could not take the lock ${path} after 5 attempts: another process keeps racing for it`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const held = readLock(this.path);
    if (held !== null && held.pid === this.info.pid && held.startTime === this.info.startTime && existsSync(this.path)) {
      unlinkSync(this.path);
    }
  }
}
