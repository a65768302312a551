/**
 * The persisted kill-switch latch: `<state-dir>/<venue>-<account>/kill-switch.json`. Written durably
 * (temp file, fsync, rename) every time the level changes, so a console restarted after `c`, `f`, `X`
 * or a loss-limit halt comes back paused and only an explicit resume lifts it.
 * On the file-system port (the real disk by default), like the store beside it.
 */
import { join } from 'node:path';
import type { FileSystem } from '../ports/file-system.ts';
import { writeFileDurable } from '../util/durable-file.ts';
import { nodeFileSystem } from '../util/node-file-system.ts';
import { type Store, storeDir } from '../journal/store.ts';

export type KillLevel = 0 | 1 | 2 | 3 | 4;

export const KILL_LEVEL_NAMES: Record<KillLevel, string> = {
  0: 'off',
  1: 'L1 paused',
  2: 'L2 canceled',
  3: 'L3 flattened',
  4: 'L4 shut down',
};

export interface KillState {
  readonly level: KillLevel;
  readonly reason: string;
  /** Who set it: console, ctl, sighup, sigterm, engine. */
  readonly by: string;
  /** Wall time, ISO. */
  readonly at: string;
  /** Engine time (epoch ms) when it was set. */
  readonly engineTime: number | null;
}

/** The state folder of one venue account: kill latch, lock file. */
/** The venue account's state folder: the same folder as its durable store (journal/store.ts). */
export const accountStateDir: (stateRoot: string, venue: string, account: string) => string = storeDir;

/** Where the latch lives: a file for the in-process sim, the journaled store for venue accounts. */
export interface KillLatch {
  /** Where it is kept, in words (shown when the console ends). */
  readonly path: string;
  load(): KillState | null;
  save(state: KillState): void;
}

/**
 * The latch inside the account's journaled store (each change an fsynced journal record), so
 * deleting a side file cannot lift it. A latch left in the old side file by an earlier version is
 * read once and carried over.
 */
export class JournaledKillLatch implements KillLatch {
  readonly path: string;
  constructor(private readonly store: Store, private readonly legacy: KillStateStore | null = null) {
    this.path = `${store.dir} (journaled)`;
  }
  load(): KillState | null {
    const k = this.store.state.kill;
    if (k !== null) return { ...k, level: k.level as KillLevel };
    const old = this.legacy?.load() ?? null;
    if (old !== null) this.save(old);
    return old;
  }
  save(state: KillState): void {
    this.store.append('kill', state, true);
  }
}

export class KillStateStore implements KillLatch {
  readonly path: string;
  constructor(readonly dir: string, private readonly fs: FileSystem = nodeFileSystem) {
    this.path = join(dir, 'kill-switch.json');
  }

  load(): KillState | null {
    if (!this.fs.exists(this.path)) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(this.fs.readText(this.path));
    } catch (err) {
      // A latch we cannot read must not fail open: treat it as a level-1 pause.
      return { level: 1, reason: `kill-switch state unreadable (${(err as Error).message}): paused until you resume`, by: 'load', at: new Date().toISOString(), engineTime: null };
    }
    const r = raw as Partial<KillState>;
    const level = typeof r.level === 'number' && r.level >= 0 && r.level <= 4 ? (Math.floor(r.level) as KillLevel) : 1;
    return {
      level,
      reason: typeof r.reason === 'string' ? r.reason : 'unknown',
      by: typeof r.by === 'string' ? r.by : 'unknown',
      at: typeof r.at === 'string' ? r.at : '',
      engineTime: typeof r.engineTime === 'number' ? r.engineTime : null,
    };
  }

  save(state: KillState): void {
    this.fs.mkdir(this.dir, 0o700);
    writeFileDurable(this.path, `${JSON.stringify(state, null, 2)}\n`, this.fs);
  }
}
