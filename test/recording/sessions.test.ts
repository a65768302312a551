import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSessions, listSessions } from '../../src/recording/sessions.ts';
import { cleanup, tempDir } from './helpers.ts';

const SAMPLE_NAME = readdirSync('sessions').find((n) => n.startsWith('sample-'))!;

describe('parity sessions', () => {
  const dir = tempDir();
  afterAll(() => cleanup(dir));
  cpSync(join('sessions', SAMPLE_NAME), join(dir, SAMPLE_NAME), { recursive: true });
  // The same session, killed: no end record, a torn last line.
  const crashed = '2024-03-04-sim-sma-cross-crash1';
  cpSync(join('sessions', SAMPLE_NAME), join(dir, crashed), { recursive: true });
  const lines = readFileSync(join(dir, crashed, 'events.jsonl'), 'utf8').split('\n');
  writeFileSync(join(dir, crashed, 'events.jsonl'), `${lines.slice(0, 3000).join('\n')}\n{"k":"bar","t":17`);

  it('lists each recording with its mode, venue, strategy, duration, orders, fills, P&L and a clean end', () => {
    const rows = listSessions(dir);
    expect(rows).toHaveLength(2);
    const s = rows.find((r) => r.name === SAMPLE_NAME)!;
    const c = rows.find((r) => r.name === crashed)!;
    const end = JSON.parse(lines.filter((l) => l.startsWith('{"k":"end"'))[0]!) as { counts: { orders: number; fills: number }; account: { equity: number } };
    expect(s).toMatchObject({ mode: 'paper', venue: 'sim', strategy: 'sma-cross', clean: true, orders: end.counts.orders, fills: end.counts.fills });
    expect(s.pnl).toBeCloseTo(end.account.equity - 100_000, 6);
    expect(s.durationMs).toBe(4319 * 60_000);
    expect(c.clean).toBe(false);
    expect(c.orders).not.toBeNull(); // from the last snapshot before the crash
    expect(c.durationMs).toBeLessThan(s.durationMs!);
    const table = formatSessions(rows);
    expect(table).toContain('NOT CLEAN');
    expect(table).toContain('clean');
  });

  it('prints JSON with --json', () => {
    const r = spawnSync(process.execPath, ['bin/parity.js', 'sessions', '--sessions-dir', dir, '--json'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const rows = JSON.parse(r.stdout) as { name: string; clean: boolean }[];
    expect(rows.map((x) => x.clean).sort()).toEqual([false, true]);
  }, 30_000);
});
