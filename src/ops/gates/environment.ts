/** Node version, free disk, and a state store that is writable and not used by another console. */
import { mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Gate, fail, pass, th, warn } from './types.ts';

const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB`;

export const environmentGate: Gate = {
  id: 'environment',
  title: 'Environment',
  check(ctx) {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < 20) return fail(`Node ${process.versions.node}`, 'install Node.js 20 or newer');
    try {
      mkdirSync(ctx.stateDir, { recursive: true, mode: 0o700 });
      const probe = join(ctx.stateDir, `.write-probe-${process.pid}`);
      writeFileSync(probe, 'ok');
      rmSync(probe, { force: true });
    } catch (err) {
      return fail(`state folder ${ctx.stateDir} is not writable: ${(err as Error).message}`, 'fix its permissions or pass --state-dir');
    }
    const lock = ctx.lock.acquire();
    if (!lock.ok) {
      return fail(`another console (pid ${lock.owner.pid}${lock.owner.session ? `, session ${lock.owner.session}` : ''}) uses ${ctx.stateDir}`,
        `stop it (parity ctl shutdown) or give this session another --state-dir; a stale lock is ${lock.path}`);
    }
    let free: number;
    try {
      const s = statfsSync(ctx.stateDir);
      free = s.bavail * s.bsize;
    } catch {
      return warn(`Node ${process.versions.node}; free disk unknown`, 'check free space by hand (df -h)');
    }
    const t = th(ctx);
    if (free < t.diskFailBytes) return fail(`only ${gb(free)} free for the state store`, 'free disk space: a journal that cannot be written stops trading');
    if (free < t.diskWarnBytes) return warn(`${gb(free)} free for the state store`, 'free some disk space before a long session');
    return pass(`Node ${process.versions.node}, ${gb(free)} free, state store writable and locked`);
  },
};
