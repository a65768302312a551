/**
 * End to end, two processes: `parity venue --port 0` replays bars; `parity run --venue alpaca
 * --headless` trades sma-cross against it through the real SDK, and its fills appear on stdout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/parity.js');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

function lines(c: ChildProcess, onLine: (l: string) => void): void {
  createInterface({ input: c.stdout! }).on('line', onLine);
}

describe('parity run --venue alpaca against parity venue', () => {
  it('produces fills', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-e2e-'));
    const data = join(dir, 'BTC-USD.csv');
    // In the past: the wall clock considers these bars due as they arrive.
    const t0 = Date.UTC(2024, 0, 7, 0, 0, 0);
    // A zigzag: the 2/4 moving averages cross every few bars.
    const rows = Array.from({ length: 120 }, (_, i) => {
      const c = 100 + 5 * Math.sin(i / 2);
      return `${new Date(t0 + i * 60_000).toISOString()},${c.toFixed(2)},${(c + 0.5).toFixed(2)},${(c - 0.5).toFixed(2)},${c.toFixed(2)},10`;
    });
    writeFileSync(data, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const env = { ...process.env, ALPACA_KEY_ID: 'e2e-key', ALPACA_SECRET_KEY: 'e2e-secret' };

    const v = spawn(process.execPath, [BIN, 'venue', '--port', '0', '--data', data, '--speed', '3000', '--state', join(dir, 'venue.json'), '--quiet'], { cwd: dir, env });
    children.push(v);
    const port = await new Promise<number>((res, rej) => {
      lines(v, (l) => { const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(l); if (m) res(Number(m[1])); });
      v.once('exit', (code) => rej(new Error(`venue exited ${code}`)));
    });

    const run = spawn(process.execPath, [
      BIN, 'run', '--venue', 'alpaca', '--headless', '--symbol', 'BTC-USD', '-s', join(ROOT, 'strategies/sma-cross.ts'),
      '-p', 'fast=2', '-p', 'slow=4', '-p', 'qty=0.01', '--sessions-dir', join(dir, 'sessions'), '--state-dir', join(dir, 'state'),
    ], { cwd: dir, env: { ...env, ALPACA_BASE_URL: `http://127.0.0.1:${port}` } });
    children.push(run);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const fills: { side: string; qty: number; symbol: string }[] = [];
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no fills in time; stderr: ${stderr}`)), 20_000);
      lines(run, (l) => {
        if (!l.startsWith('{')) return;
        const ev = JSON.parse(l) as { kind: string; side: string; qty: number; symbol: string };
        if (ev.kind === 'fill') fills.push(ev);
        if (fills.length >= 2) { clearTimeout(timer); res(); }
      });
      run.once('exit', (code) => { clearTimeout(timer); if (fills.length < 2) rej(new Error(`run exited ${code}: ${stderr}`)); });
    });
    expect(fills[0]).toMatchObject({ symbol: 'BTC-USD', side: 'buy', qty: 0.01 });
    expect(fills[1]).toMatchObject({ side: 'sell', qty: 0.01 });

    const stats = (await (await fetch(`http://127.0.0.1:${port}/parity/stats`)).json()) as { submissions: Record<string, number> };
    expect(Object.values(stats.submissions).every((n) => n === 1)).toBe(true);
    run.kill('SIGTERM');
    await new Promise((r) => run.once('exit', r));
  }, 30_000);
});
