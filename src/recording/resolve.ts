/** `<session>` on the command line: a folder, its events.jsonl, or a short id searched in the sessions folder. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { EVENTS_FILE } from './format.ts';

export class RecordingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordingError';
  }
}

export interface ResolvedSession {
  readonly dir: string;
  readonly file: string;
}

export function resolveSession(arg: string, sessionsDir = 'sessions', cwd = process.cwd()): ResolvedSession {
  const p = resolve(cwd, arg);
  if (existsSync(p)) {
    if (statSync(p).isDirectory()) {
      const file = join(p, EVENTS_FILE);
      if (!existsSync(file)) throw new RecordingError(`${arg} has no ${EVENTS_FILE}: not a recorded session`);
      return { dir: p, file };
    }
    return { dir: resolve(p, '..'), file: p };
  }
  const root = resolve(cwd, sessionsDir);
  if (!existsSync(root)) throw new RecordingError(`no session ${arg}: it is not a path and ${sessionsDir}/ does not exist`);
  const names = readdirSync(root).filter((n) => existsSync(join(root, n, EVENTS_FILE)));
  const hits = names.filter((n) => n === arg || n.endsWith(`-${arg}`));
  if (hits.length === 1) return { dir: join(root, hits[0]!), file: join(root, hits[0]!, EVENTS_FILE) };
  if (hits.length > 1) throw new RecordingError(`${arg} matches several sessions: ${hits.join(', ')}; give the folder`);
  const near = names.filter((n) => n.includes(arg)).slice(0, 5);
  throw new RecordingError(`no session ${arg} in ${sessionsDir}/${near.length > 0 ? ` (did you mean ${near.map((n) => basename(n)).join(', ')}?)` : ''}; \`parity sessions\` lists them`);
}
