/**
 * One writer per store. The lock file holds the owner's pid and its process start time, so a lock
 * left by a killed process is recognised at once (the pid is dead, or it now belongs to another
 * process that started at a different time) and taken over without waiting for a timeout.
 *
 * The lock file lives on the file-system port (`fs`, the real disk by default) like the rest of the
 * store. The question "is that process still running" is asked of the real operating system (kill 0,
 * /proc), whatever the disk: a pid is a process of this machine, not a file of the store.
 */
// Only for /proc/<pid>/stat: the kernel's view of a process, not store data, so not the port's disk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { errorCode, type FileSystem } from '../ports/file-system.ts';
import { nodeFileSystem } from '../util/node-file-system.ts';
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
    // Direct node:fs on purpose: /proc is the kernel, not a disk; a simulated disk has no processes.
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

function readLock(path: string, fs: FileSystem): LockInfo | null {
  try {
    const r = LockSchema.safeParse(JSON.parse(fs.readText(path)));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

export class StoreLock {
  private released = false;
  private constructor(readonly path: string, readonly info: LockInfo, readonly tookOverFrom: LockInfo | null, private readonly fs: FileSystem) {}

  /** Take the lock of `dir`, or throw StoreLockedError naming the live process that holds it. */
  static acquire(dir: string, host = 'localhost', fs: FileSystem = nodeFileSystem): StoreLock {
    const path = join(dir, LOCK_FILE);
    const mine: LockInfo = { pid: process.pid, startTime: processStartTime(process.pid), host, since: new Date().toISOString() };
    let tookOver: LockInfo | null = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fd = fs.open(path, 'exclusive', 0o600);
        try {
          fd.write(`${JSON.stringify(mine)}\n`);
          fd.sync();
        } finally {
          fd.close();
        }
        fs.syncDir(dir);
        return new StoreLock(path, mine, tookOver, fs);
      } catch (err) {
        if (errorCode(err) !== 'EEXIST') throw err;
      }
      const held = readLock(path, fs);
      if (held !== null && held.pid === process.pid && held.startTime === mine.startTime) {
        throw new StoreLockedError(dir, held.pid, `${held.since}; this very process opened the store twice`);
      }
      if (held !== null && holderAlive(held)) throw new StoreLockedError(dir, held.pid, held.since);
      // Stale (or unreadable: a crash while writing it). Move it aside under a name of our own, then
      // check that what we moved is what we judged stale: a competitor may have taken over between.
      const aside = `${path}.stale-${process.pid}`;
      try {
        fs.rename(path, aside);
      } catch (err) {
        if (errorCode(err) === 'ENOENT') continue;
        throw err;
      }
      const moved = readLock(aside, fs);
      if (moved !== null && held !== null && (moved.pid !== held.pid || moved.startTime !== held.startTime) && holderAlive(moved)) {
        // We moved a live competitor's fresh lock: put it back and report it.
        fs.rename(aside, path);
        throw new StoreLockedError(dir, moved.pid, moved.since);
      }
      tookOver = held;
      try { fs.unlink(aside); } catch { /* already gone */ }
    }
    throw new Error(`could not take the lock ${path} after 5 attempts: another process keeps racing for it`);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const held = readLock(this.path, this.fs);
    if (held !== null && held.pid === this.info.pid && held.startTime === this.info.startTime && this.fs.exists(this.path)) {
      this.fs.unlink(this.path);
    }
  }
}
