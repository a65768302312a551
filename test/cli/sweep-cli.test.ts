// Budget: 45 s for this file on the 2-core CI machine (38 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * `parity sweep` as a user runs it: the grid's results are those of `parity backtest` run alone
 * with each combination (compared field by field on their --json output), walk-forward's
 * out-of-sample runs too, and bad grids stop before any run with a message that says what to do.
 * Budget: 11 CLI processes on the 3-day sample (about 20 s on a quiet 2-core machine); the
 * parsing errors themselves are covered in test/backtest/sweep.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parity, ROOT } from './helpers.ts';

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
/** A tmux server of our own: the operator's sessions are never touched. */
const TMUX = ['-L', `parity-sweep-${process.pid}`];

const SAMPLE = 'data/sample/BTC-USD-1m.csv';

type Json = Record<string, unknown>;

function sameFields(label: string, got: Json, want: Json): void {
  expect(Object.keys(got).sort(), label).toEqual(Object.keys(want).sort());
  for (const k of Object.keys(want)) expect(got[k], `${label}: field ${k}`).toEqual(want[k]);
}

describe('parity sweep (CLI)', () => {
  it('each combination of the grid is what `parity backtest` gives it alone', () => {
    const r = parity(['sweep', '-d', SAMPLE, '-p', 'fast=5..20:5', '-p', 'slow=30,50', '--workers', '2', '--rank', 'return', '--json']);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { runs: { params: Json; summary: Json }[]; loads: number; workers: number; rank: string };
    expect(report.runs).toHaveLength(8);
    expect(report.loads).toBeLessThanOrEqual(report.workers);
    const returns = report.runs.map((x) => x.summary['totalReturn'] as number);
    expect([...returns].sort((a, b) => b - a)).toEqual(returns);
    // Three combinations: the best, the worst, one in between.
    for (const run of [report.runs[0]!, report.runs[4]!, report.runs[7]!]) {
      const flags = Object.entries(run.params).flatMap(([k, v]) => ['-p', `${k}=${String(v)}`]);
      const alone = parity(['backtest', '-d', SAMPLE, ...flags, '--json']);
      expect(alone.code).toBe(0);
      sameFields(`fast=${String(run.params['fast'])} slow=${String(run.params['slow'])}`, run.summary, JSON.parse(alone.stdout) as Json);
    }
  });

  it('walk-forward reports the best in-sample params of each window out of sample, as `parity backtest --from --to` runs them', () => {
    const r = parity(['sweep', '-d', SAMPLE, '-p', 'fast=5,10', '-p', 'slow=20,30', '--walk-forward', 'train=1d,test=12h', '--workers', '2', '--json']);
    expect(r.code).toBe(0);
    const wf = (JSON.parse(r.stdout) as { walkForward: { windows: { best: Json; test: { from: string; to: string }; outOfSample: Json }[] } }).walkForward;
    expect(wf.windows).toHaveLength(4);
    const w = wf.windows[2]!;
    const flags = Object.entries(w.best).flatMap(([k, v]) => ['-p', `${k}=${String(v)}`]);
    const alone = parity(['backtest', '-d', SAMPLE, ...flags, '--from', w.test.from, '--to', w.test.to, '--json']);
    expect(alone.code).toBe(0);
    sameFields('window 3 out of sample', w.outOfSample, JSON.parse(alone.stdout) as Json);
  });

  it('prints a ranked table', () => {
    const r = parity(['sweep', '-d', SAMPLE, '-p', 'fast=5,10', '-p', 'slow=20,30,5', '--workers', '1']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^sweep sma-cross: 4 combinations on 1 worker, 4 runs in [\d.]+ s, ranked by Sharpe$/);
    expect(r.stdout).toMatch(/skipped 2 combinations the strategy refuses: fast=5 slow=5 \(fast must be smaller than slow\)/);
    const head = lines.findIndex((l) => /^ *# +fast +slow +return +sharpe/.test(l));
    expect(head).toBeGreaterThan(0);
    const sharpes = lines.slice(head + 2, head + 6).map((l) => Number(l.trim().split(/ +/)[4]));
    expect(sharpes.every(Number.isFinite)).toBe(true);
    expect([...sharpes].sort((a, b) => b - a)).toEqual(sharpes);
    expect(r.stderr).toBe(''); // no progress bar without a terminal
  });

  it('a name the strategy lacks, a refused value or a bad spec stops before any run, exit 2', () => {
    const cases: [string[], RegExp][] = [
      [['-p', 'fsat=5'], /strategy sma-cross has no parameter "fsat"; it takes: fast, slow, qty/],
      [['-p', 'fast=0..10:5', '-p', 'slow=30'], /refuses --param fast=0: fast: /],
      [['--walk-forward', 'train=30d,test=7d'], /the data spans 3.00 days, one window needs 37.00/],
      [['--rank', 'luck'], /--rank takes one of sharpe, sortino, return/],
    ];
    for (const [args, msg] of cases) {
      const r = parity(['sweep', '-d', SAMPLE, ...args]);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
  });

  it.skipIf(!HAS_TMUX)('draws a progress line on a terminal and erases it before the table (tmux, within 40 s)', async () => {
    const name = `sweep-${process.pid}`;
    // 32 combinations on one worker: seconds of runs, long enough to see the line.
    const cmd = `cd ${ROOT} && env -u CI node bin/parity.js sweep -d ${SAMPLE} -p fast=5..20 -p slow=30,50 --workers 1 --top 3; echo SWEEP-EXIT=$?; sleep 30`;
    execFileSync('tmux', [...TMUX, 'new', '-d', '-s', name, '-x', '80', '-y', '24', cmd]);
    const screen = (): string => execFileSync('tmux', [...TMUX, 'capture-pane', '-p', '-t', name], { encoding: 'utf8' });
    try {
      let sawProgress = '';
      let s = '';
      const end = Date.now() + 40_000;
      while (Date.now() < end) {
        s = screen();
        const line = s.split('\n').find((l) => /^sweep \[[#-]+\] \d+\/32 /.test(l));
        if (line !== undefined) sawProgress = line;
        if (/SWEEP-EXIT=/.test(s)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(s).toMatch(/SWEEP-EXIT=0/);
      expect(sawProgress).toMatch(/runs\/s {2}ETA/);
      expect(sawProgress.length).toBeLessThan(80);
      expect(s).not.toMatch(/sweep \[/); // erased before the table
      expect(s).toMatch(/^sweep sma-cross: 32 combinations on 1 worker/m);
      expect(s).toMatch(/\(29 more: --top 32 shows all/);
    } finally {
      spawnSync('tmux', [...TMUX, 'kill-server']);
    }
  });
});

