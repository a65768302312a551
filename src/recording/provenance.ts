/**
 * Where a recording came from: parity's version and the git commit of the checkout, read from
 * .git without spawning git (a ref file or packed-refs; a detached HEAD holds the hash itself).
 * Not a git checkout (an npm install, a tarball): null.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

/** The folder parity is installed in (the one with its package.json). */
export const PARITY_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function parityVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}

export function gitCommit(root: string = PARITY_ROOT): string | null {
  try {
    let gitDir = join(root, '.git');
    if (!existsSync(gitDir)) return null;
    if (statSync(gitDir).isFile()) {
      // A worktree or submodule: ".git" is a file "gitdir: <path>".
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (m === null) return null;
      gitDir = resolve(root, m[1]!.trim());
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref:\s*(.+)$/.exec(head)?.[1]?.trim();
    if (ref === undefined) return null;
    // Worktrees keep refs in the common dir.
    const common = existsSync(join(gitDir, 'commondir')) ? resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      const p = join(dir, ref);
      if (existsSync(p)) return readFileSync(p, 'utf8').trim();
    }
    for (const dir of [gitDir, common]) {
      const packed = join(dir, 'packed-refs');
      if (!existsSync(packed)) continue;
      for (const line of readFileSync(packed, 'utf8').split('\n')) {
        const [hash, name] = line.split(' ');
        if (name === ref && hash !== undefined && /^[0-9a-f]{40}$/.test(hash)) return hash;
      }
    }
    return null; // a branch with no commits yet
  } catch {
    return null;
  }
}
