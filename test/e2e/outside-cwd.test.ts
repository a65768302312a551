/**
 * End to end: the console starts from any folder. A trader keeps strategies in a folder of their own
 * and runs parity from there; the console's .tsx modules must compile with parity's own settings
 * (React's automatic JSX runtime), not with whatever tsconfig the working folder has, or none (the
 * first screen was "ReferenceError: React is not defined"). In a real terminal (tmux); skipped,
 * with the reason, where tmux is missing.
 *
 * Budget: within 20 s (measured about 6 s on this 2-core machine: the CLI's start-up).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/parity.js');
const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const TMUX = ['-L', `parity-cwd-${process.pid}`];
if (!HAS_TMUX) process.stderr.write('test/e2e/outside-cwd.test.ts: tmux not found, outside-cwd end-to-end test skipped\n');

const screen = (name: string): string => execFileSync('tmux', [...TMUX, 'capture-pane', '-p', '-t', name], { encoding: 'utf8' });

afterAll(() => { if (HAS_TMUX) spawnSync('tmux', [...TMUX, 'kill-server']); });

describe.skipIf(!HAS_TMUX)('the console from a folder outside the install', () => {
  it('opens its first screen, with a tsconfig of the user\'s own that says nothing of JSX', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcwd-'));
    copyFileSync(join(ROOT, 'strategies/sma-cross.ts'), join(dir, 'mine.ts'));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2020' } }));
    const name = `cwd-${process.pid}`;
    const run = `env -u CI -u CONTINUOUS_INTEGRATION PARITY_RUNTIME_DIR=${dir}/rt node ${BIN} run -s ./mine.ts --no-typecheck --data ${ROOT}/data/sample/BTC-USD-1m.csv --sessions-dir ${dir}/sessions --state-dir ${dir}/state 2>>${dir}/stderr.log`;
    execFileSync('tmux', [...TMUX, 'new', '-d', '-s', name, '-x', '80', '-y', '24', `cd ${dir} && ${run}; sleep 30`]);
    const end = Date.now() + 15_000;
    let s = '';
    while (Date.now() < end) {
      s = screen(name);
      if (/PAPER/.test(s) || /Error/.test(s)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s, s).not.toMatch(/React is not defined|unexpected error/);
    expect(s).toMatch(/PAPER/);

    execFileSync('tmux', [...TMUX, 'send-keys', '-t', name, 'q']);
  }, 30_000);
});
