/**
 * The whole session (CLI, engine, journal, recovery, adapter) against the hostile fake: a console
 * places an order and is SIGKILLed; the order fills while no process runs (the fill exists only in
 * the venue's FILL activities); the next console, with nothing in memory but its journal, must book it.
 * Budget: two console starts, about 10 s here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AlpacaFake, until } from './alpaca-fake.ts';

const STRATEGY = join(import.meta.dirname, 'fixtures', 'one-limit.ts');
const SECRET = 'session-secret-never-printed-42';

interface Run { readonly p: ChildProcess; out: string; err: string }
const runs: Run[] = [];
let fake: AlpacaFake | null = null;
let dir = '';
afterEach(async () => {
  for (const r of runs) if (r.p.exitCode === null) r.p.kill('SIGKILL');
  runs.length = 0;
  await fake?.close();
  fake = null;
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function start(f: AlpacaFake): Run {
  const env = { ...process.env, ALPACA_KEY_ID: 'PKSESSION1234', ALPACA_SECRET_KEY: SECRET, ALPACA_BASE_URL: f.baseUrl };
  const p = spawn('node', ['bin/parity.js', 'run', '--venue', 'alpaca', '--symbol', 'BTC-USD', '--headless', '-s', STRATEGY,
    '--state-dir', join(dir, 'state'), '--sessions-dir', join(dir, 'sessions'), '--no-typecheck'], { env, cwd: join(import.meta.dirname, '..', '..') });
  const r: Run = { p, out: '', err: '' };
  p.stdout!.on('data', (d: Buffer) => { r.out += d.toString(); });
  p.stderr!.on('data', (d: Buffer) => { r.err += d.toString(); });
  runs.push(r);
  return r;
}

const lines = (r: Run): Record<string, unknown>[] => r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('hostile alpaca: a whole session', () => {
  it('a fill that happened while no console ran is booked by the next one, from the journal and the activities', async () => {
    dir = mkdtempSync(join(tmpdir(), 'parity-hostile-'));
    fake = await AlpacaFake.start();
    const one = start(fake);
    const why = (): string => `\nstdout:\n${one.out.slice(-2000)}\nstderr:\n${one.err.slice(-2000)}`;
    await until(() => fake!.dataSubscribers > 0, 30_000, `the first console's market data subscription${why()}`);
    fake.pushBar('BTC/USD', 100, Math.floor(Date.now() / 60_000) * 60_000);
    await until(() => fake!.orders.size === 1, 10_000, `the order${why()}`);
    const order = [...fake.orders.values()][0]!;
    order.status = 'new';
    one.p.kill('SIGKILL');
    await until(() => one.p.exitCode !== null || one.p.signalCode !== null, 5000, 'the first console to die');

    // While nobody listens: the order fills. Only the FILL activities and the order itself say so.
    fake.fill(order.id, '0.01', '0.99', { stream: false });

    const two = start(fake);
    const why2 = (): string => `\nstdout:\n${two.out.slice(-3000)}\nstderr:\n${two.err.slice(-3000)}`;
    await until(() => lines(two).some((l) => l.kind === 'fill'), 30_000, `the second console to book the fill${why2()}`);
    const fills = lines(two).filter((l) => l.kind === 'fill');
    expect(fills).toHaveLength(1);
    expect(JSON.stringify(fills[0])).toContain(order.client_order_id);
    expect(one.out + one.err + two.out + two.err).not.toContain(SECRET);
    two.p.kill('SIGTERM');
  }, 60_000);
});
