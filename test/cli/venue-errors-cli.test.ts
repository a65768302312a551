// Budget: 20 s for this file on the 2-core CI machine (12 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * `parity run --venue alpaca` against a venue it cannot use: one line on stderr naming the URL,
 * the cause and the setting to check, exit 2, no stack trace, and never the secret. The servers are
 * on 127.0.0.1 in this process, so the CLI is spawned asynchronously (spawnSync would block them).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.ts';

const SECRET = 'sk-cli-venue-errors-SECRET-77d1';
const servers: Server[] = [];
afterAll(() => { for (const s of servers) { s.closeAllConnections(); s.close(); } });

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = tempDir();
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'run', '--venue', 'alpaca', '--headless', '--symbol', 'BTC-USD',
      '--sessions-dir', dir, '--state-dir', dir, ...args], {
      cwd: dir, env: { ...process.env, NO_COLOR: '1', ALPACA_KEY_ID: 'PKCLITEST', ALPACA_SECRET_KEY: SECRET, ALPACA_STREAM_URL: '', ALPACA_DATA_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { c.kill('SIGKILL'); rej(new Error(`no exit in time; stderr: ${stderr}`)); }, 45_000);
    c.once('exit', (code) => { clearTimeout(timer); res({ code, stdout, stderr }); });
  });
}

async function answering(status: number, message: string): Promise<number> {
  const s = createServer((_req, r) => { r.writeHead(status, { 'content-type': 'application/json' }); r.end(JSON.stringify({ code: 40110000, message })); });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function expectClearRefusal(r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code).toBe(2);
  expect(r.stderr).not.toMatch(/interceptors did not return|unexpected error|    at /);
  expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
  for (const l of r.stdout.split('\n').filter((x) => x !== '')) expect(() => JSON.parse(l), l).not.toThrow();
}

describe('parity run --venue alpaca says what failed and what to check', () => {
  it('a closed port: connection refused, is parity venue running, ALPACA_BASE_URL', async () => {
    const port = await closedPort();
    const r = await run([], { ALPACA_BASE_URL: `http://127.0.0.1:${port}` });
    expectClearRefusal(r);
    expect(r.stderr).toContain(`parity: cannot reach Alpaca at http://127.0.0.1:${port}/v2/account: connection refused (is parity venue running? check ALPACA_BASE_URL)`);
  });

  it.each([[401, 'request is not authorized'], [403, 'forbidden']])('HTTP %i: the keys, by name', async (status, message) => {
    const port = await answering(status, message);
    const r = await run([], { ALPACA_BASE_URL: `http://127.0.0.1:${port}` });
    expectClearRefusal(r);
    expect(r.stderr).toContain(`parity: Alpaca refused the keys (HTTP ${status}: ${message}) at http://127.0.0.1:${port}/v2/account: check ALPACA_KEY_ID / ALPACA_SECRET_KEY and that they are paper keys for the paper host`);
  });

  it('an unresolvable host (live, so the host check lets it through): DNS, fast', async () => {
    const t0 = Date.now();
    const r = await run(['--live', '--confirm-account', 'ACC-1'], { ALPACA_BASE_URL: 'https://no-such-host.invalid' });
    expectClearRefusal(r);
    expect(r.stderr).toMatch(/parity: cannot reach Alpaca at https:\/\/no-such-host\.invalid\/v2\/account: host name .*DNS \w+ no-such-host\.invalid.*check the host name in ALPACA_BASE_URL/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
