/**
 * End to end at 80x24 (tmux): `/` filters the events pane live, enter keeps it, esc clears it, and
 * kill-switch letters typed into the prompt do nothing; `v` shows the price chart with our fills
 * marked, then equity with an axis, then the panes again. And `parity backtest` prints both charts
 * within 80 columns. Budget: about 10 s (the console runs the sample data at 1500x).
 * Skipped, with the reason, where tmux is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const TMUX = ['-L', `parity-look-${process.pid}`];
const NAME = `parity-look-${process.pid}`;
if (!HAS_TMUX) process.stderr.write('test/e2e/search-chart.test.ts: tmux not found, console end-to-end test skipped\n');

const screen = (): string => execFileSync('tmux', [...TMUX, 'capture-pane', '-p', '-t', NAME], { encoding: 'utf8' });
const keys = (...k: string[]): void => { execFileSync('tmux', [...TMUX, 'send-keys', '-t', NAME, ...k]); };

async function waitScreen(test: (s: string) => boolean, what: string, ms = 8000): Promise<string> {
  const end = Date.now() + ms;
  let s = '';
  while (Date.now() < end) {
    s = screen();
    if (test(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`screen never showed ${what}:\n${s}`);
}
const waitFor = (re: RegExp, ms?: number) => waitScreen((s) => re.test(s), String(re), ms);

beforeAll(() => {
  if (!HAS_TMUX) return;
  const dir = mkdtempSync(join(tmpdir(), 'plook-'));
  const cmd = `cd ${ROOT} && env -u CI -u CONTINUOUS_INTEGRATION PARITY_RUNTIME_DIR=${dir}/rt node bin/parity.js run --sessions-dir ${dir}/sessions --state-dir ${dir}/state --speed 1500 2>>${dir}/stderr.log; echo "PARITY-EXIT=$?"; sleep 30`;
  execFileSync('tmux', [...TMUX, 'new', '-d', '-s', NAME, '-x', '80', '-y', '24', cmd]);
});

afterAll(() => {
  if (!HAS_TMUX) return;
  // The console survives its terminal going away (by design): end the process, then the server.
  const pane = spawnSync('tmux', [...TMUX, 'list-panes', '-t', NAME, '-F', '#{pane_pid}'], { encoding: 'utf8' }).stdout.trim();
  if (pane !== '') {
    for (const k of spawnSync('pgrep', ['-P', pane], { encoding: 'utf8' }).stdout.trim().split('\n').filter((x) => x !== '')) {
      try { process.kill(Number(k), 'SIGKILL'); } catch { /* already gone */ }
    }
  }
  spawnSync('tmux', [...TMUX, 'kill-server']);
});

/** The screen is whole: the status bar on top, the help line at the bottom, nothing wrapped away. */
function whole(s: string): void {
  const lines = s.split('\n');
  expect(lines[0]).toMatch(/PAPER/);
  // Row 23 of 24 is the help line (the last row stays free so Ink never clears the screen).
  expect(lines[22]).toMatch(/\? help|typing a filter: keys are text/);
}

describe.skipIf(!HAS_TMUX)('look instead of read (tmux, 80x24)', () => {
  it('/ filters events live, enter keeps, esc clears; v charts price with fills, then equity, then back', async () => {
    await waitFor(/Events {2}\d+ total[\s\S]* fill {5}(BUY|SELL)/);
    keys('Tab', 'Tab', 'Tab', 'Tab');
    await waitFor(/▶ Events/);
    keys('/');
    await waitFor(/\/ filter events: █/);
    keys('f', 'i', 'l', 'l');
    let s = await waitFor(/\/ filter events: fill█[\s\S]*Events {2}\/fill\/ \d+ of \d+/);
    // Every row the events pane shows matches (case-insensitive) while the prompt is open.
    const rows = s.split('\n');
    const head = rows.findIndex((l) => /Events {2}\/fill\//.test(l));
    const shown = rows.slice(head + 1, 23).filter((l) => /^\s\d\d:\d\d:\d\d /.test(l));
    expect(shown.length).toBeGreaterThan(0);
    for (const l of shown) expect(l.toLowerCase()).toContain('fill');
    whole(s);
    keys('Enter');
    s = await waitScreen((x) => !x.includes('filter events:') && /Events {2}\/fill\//.test(x), 'the kept filter');
    keys('Escape');
    s = await waitScreen((x) => !x.includes('/fill/') && /Events {2}\d+ total/.test(x), 'the filter cleared');
    // Kill-switch letters typed into the prompt are text: nothing pauses, nothing arms.
    keys('/', 'p', 'c', 'X');
    s = await waitFor(/\/ filter events: pcX█/);
    expect(s).toMatch(/kill off/);
    expect(s).not.toMatch(/press X again/);
    keys('Escape');
    await waitScreen((x) => !x.includes('filter events:'), 'the prompt closed');

    keys('v');
    s = await waitFor(/Price BTC-USD {2}(last \d+ of )?\d+ bars/);
    // A fill lands in the window within a few seconds of data at this pace.
    s = await waitFor(/Price BTC-USD {2}(last \d+ of )?\d+ bars, \d+ fills?[\s\S]*[▲▼◆]/);
    expect(s).toMatch(/\d┤/); // the y axis
    expect(s).toMatch(/\d\d:\d\d\s+last [\d,.]+\s+\d\d:\d\d/); // the x axis
    expect(s).toMatch(/Positions/); // what stays in view
    whole(s);
    keys('v');
    s = await waitFor(/Equity \(\d+ samples\)[\s\S]*┤[\s\S]*2024-03-0\d \d\d:\d\d/);
    whole(s);
    keys('v');
    s = await waitFor(/▶ Events {2}\d+ total/);
    whole(s);
  }, 20_000);

  it('parity backtest prints the equity and price charts within 80 columns, fills marked', () => {
    const r = spawnSync('node', [join(ROOT, 'bin/parity.js'), 'backtest', '--no-color'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    const out = r.stdout;
    const charts = out.slice(out.search(/^.*┤/m));
    for (const l of charts.split('\n')) expect([...l].length).toBeLessThanOrEqual(80);
    expect(charts).toMatch(/2024-03-04 00:00\s+2024-03-06 23:59/);
    expect(charts).toMatch(/^Price BTC-USD {2}4320 bars, \d+ fills/m);
    expect(charts).toMatch(/▲/);
    expect(charts).toMatch(/▼/);
  });
});
