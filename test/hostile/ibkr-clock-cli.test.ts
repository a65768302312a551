/**
 * Hostile, as two processes: one clock per session. `parity venue --protocol tws` replays bars from
 * the past at speed; `parity run --venue ibkr --headless` trades against it. Every order event and
 * every fill must carry the venue's time, and each order's lines must never go back in time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/parity.js');
const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL'); });

interface Line { ts: string; kind: string; clientOrderId?: string; event?: string }

describe('IBKR hostile: one clock for order events and fills', () => {
  it('against the fake replaying at speed: every order and fill line is on the venue clock, monotone per order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-ibkr-clock-'));
    const data = join(dir, 'AAPL.csv');
    // A Monday in regular hours, months in the past (as the fake replays it); a zigzag so the 2/4 averages cross every few bars.
    const t0 = Date.UTC(2026, 2, 2, 14, 31, 0);
    const n = 240;
    const rows = Array.from({ length: n }, (_, i) => {
      const c = 100 + 5 * Math.sin(i / 2);
      return `${new Date(t0 + i * 60_000).toISOString()},${c.toFixed(2)},${(c + 0.5).toFixed(2)},${(c - 0.5).toFixed(2)},${c.toFixed(2)},1000`;
    });
    writeFileSync(data, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const v = spawn(process.execPath, [BIN, 'venue', '--protocol', 'tws', '--port', '0', '--data', data, '--speed', '1500'], { cwd: dir });
    children.push(v);
    const port = await new Promise<number>((res, rej) => {
      createInterface({ input: v.stdout! }).on('line', (l) => { const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(l); if (m) res(Number(m[1])); });
      v.once('exit', (code) => rej(new Error(`venue exited ${code}`)));
    });
    const wallStart = Date.now();
    const run = spawn(process.execPath, [
      BIN, 'run', '--venue', 'ibkr', '--ib-port', String(port), '--ib-client-id', '4', '--headless', '--symbol', 'AAPL', '-s', join(ROOT, 'strategies/sma-cross.ts'),
      '-p', 'fast=2', '-p', 'slow=4', '-p', 'qty=1', '--no-typecheck', '--sessions-dir', join(dir, 'sessions'), '--state-dir', join(dir, 'state'),
    ], { cwd: dir });
    children.push(run);
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const lines: Line[] = [];
    const raw: string[] = [];
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`too few fills in time; stderr: ${stderr}; stdout: ${raw.slice(-30).join('\n')}`)), 25_000);
      createInterface({ input: run.stdout! }).on('line', (l) => {
        raw.push(l);
        if (!l.startsWith('{')) return;
        const ev = JSON.parse(l) as Line;
        if (ev.kind !== 'order' && ev.kind !== 'fill') return;
        lines.push(ev);
        if (lines.filter((x) => x.kind === 'fill').length >= 3) { clearTimeout(timer); res(); }
      });
      run.once('exit', (code) => { clearTimeout(timer); rej(new Error(`run exited ${code}: ${stderr}`)); });
    });
    const wallEnd = Date.now();
    const orders = lines.filter((l) => l.kind === 'order');
    expect(orders.some((l) => l.event === 'accepted' || l.event === 'accept')).toBe(true);
    // The venue's clock is what reqCurrentTime says: this fake's default is this machine's clock
    // (its executions carry the replayed data's time, months ago): every line on the one clock.
    const outside = lines.filter((l) => { const t = Date.parse(l.ts); return !(t >= wallStart - 5_000 && t <= wallEnd + 5_000); });
    expect(outside.map((l) => `${l.kind} ${l.event ?? ''} ${l.clientOrderId ?? ''} ${l.ts}`)).toEqual([]);
    const last = new Map<string, number>();
    const backwards: string[] = [];
    for (const l of lines) {
      const id = l.clientOrderId ?? '';
      const t = Date.parse(l.ts);
      const prev = last.get(id);
      if (prev !== undefined && t < prev) backwards.push(`${id} ${l.kind} ${l.event ?? ''} ${l.ts} after ${new Date(prev).toISOString()}`);
      last.set(id, Math.max(prev ?? t, t));
    }
    expect(backwards).toEqual([]);
  }, 40_000);
});
