/**
 * Hardening defect 2: a venue error that echoed the secret key was scrubbed from the recording but
 * kept in clear in journal.jsonl, state.json and headless stdout. Two processes, as in production:
 * `parity venue` answers with errors that echo the secret (a REST error body on an order, which
 * becomes its rejection reason; a 500 whose body echoes it, logged as a problem), and `parity run --venue alpaca --headless`
 * reads its keys from `.env` (not the environment, so only the resolved settings can feed the
 * scrubber). Afterwards every file it wrote and both of its streams are searched for the secret.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/parity.js');
const SECRET = 'sEcReT9x7Q2kLmN4pZ8vW1';
const children: ChildProcess[] = [];
afterEach(() => { for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL'); });

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => { const p = join(dir, n); return statSync(p).isDirectory() ? allFiles(p) : [p]; });
}

describe('secrets never reach a sink', () => {
  it('a secret echoed by the venue is in no journal, store, recording or output line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-secrets-'));
    const data = join(dir, 'BTC-USD.csv');
    const t0 = Date.UTC(2024, 0, 7, 0, 0, 0);
    const rows = Array.from({ length: 80 }, (_, i) => {
      const c = 100 + 5 * Math.sin(i / 2);
      return `${new Date(t0 + i * 60_000).toISOString()},${c.toFixed(2)},${(c + 0.5).toFixed(2)},${(c - 0.5).toFixed(2)},${c.toFixed(2)},10`;
    });
    writeFileSync(data, `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
    const venueEnv = { ...process.env, ALPACA_KEY_ID: 'e2e-key', ALPACA_SECRET_KEY: SECRET };
    const v = spawn(process.execPath, [BIN, 'venue', '--port', '0', '--data', data, '--speed', '2000', '--quiet'], { cwd: dir, env: venueEnv });
    children.push(v);
    const port = await new Promise<number>((res, rej) => {
      createInterface({ input: v.stdout! }).on('line', (l) => { const m = /^listening 127\.0\.0\.1:(\d+)$/.exec(l); if (m) res(Number(m[1])); });
      v.once('exit', (code) => rej(new Error(`venue exited ${code}`)));
    });
    const echo = `bad request: your secret is ${SECRET} (echoed)`;
    const f = await fetch(`http://127.0.0.1:${port}/parity/faults`, {
      method: 'POST',
      body: JSON.stringify({ failNext: [
        { method: 'POST', path: '^/v2/orders$', status: 422, message: echo },
        { method: 'POST', path: '^/v2/orders$', status: 500, message: echo },
      ] }),
    });
    expect(f.status).toBe(200);

    // Keys from .env only: the child's environment has none.
    writeFileSync(join(dir, '.env'), `ALPACA_KEY_ID=e2e-key\nALPACA_SECRET_KEY=${SECRET}\nALPACA_BASE_URL=http://127.0.0.1:${port}\n`);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.ALPACA_KEY_ID; delete env.ALPACA_SECRET_KEY; delete env.ALPACA_BASE_URL;
    const run = spawn(process.execPath, [
      BIN, 'run', '--venue', 'alpaca', '--headless', '--symbol', 'BTC-USD', '-s', join(ROOT, 'strategies/sma-cross.ts'),
      '-p', 'fast=2', '-p', 'slow=4', '-p', 'qty=0.01', '--sessions-dir', join(dir, 'sessions'), '--state-dir', join(dir, 'state'),
    ], { cwd: dir, env });
    children.push(run);
    let stdout = '';
    let stderr = '';
    run.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    run.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    // The rejection (the venue's echo) and a later fill: both paths ran.
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no rejection and fill in time; stdout: ${stdout.slice(-3000)} stderr: ${stderr}`)), 30_000);
      const check = setInterval(() => {
        if (stdout.includes('"kind":"fill"') && stdout.includes('REDACTED')) { clearTimeout(timer); clearInterval(check); res(); }
      }, 50);
      run.once('exit', (code) => { clearTimeout(timer); clearInterval(check); rej(new Error(`run exited ${code}: ${stderr}`)); });
    });
    run.kill('SIGTERM');
    await new Promise((r) => run.once('exit', r));
    const leaks: string[] = [];
    if (stdout.includes(SECRET)) leaks.push('stdout');
    if (stderr.includes(SECRET)) leaks.push('stderr');
    for (const file of [...allFiles(join(dir, 'state')), ...allFiles(join(dir, 'sessions'))]) {
      if (readFileSync(file, 'utf8').includes(SECRET)) leaks.push(file.slice(dir.length));
    }
    expect(leaks).toEqual([]);
    // And the echo did arrive (so the test saw the secret-bearing path), redacted.
    const journal = allFiles(join(dir, 'state')).filter((p) => p.endsWith('journal.jsonl')).map((p) => readFileSync(p, 'utf8')).join('');
    expect(journal).toContain('your secret is [REDACTED] (echoed)');
  }, 60_000);
});
