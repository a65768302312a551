/**
 * closeExchange leaves nothing of a ccxt.pro instance running: a process that watched Binance's
 * sockets on the Binance fake (USD-M user data over a listen key, spot over the WS-API, a kline
 * stream; binance and binanceusdm) and closed with it exits by itself at once, without an
 * unhandled rejection; closed with ccxt's own close() (the control) it does not exit (the
 * listen-key keep-alive holds it for 20 minutes).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CHILD = join(import.meta.dirname, 'fixtures', 'teardown-child.ts');

function run(how: 'closeExchange' | 'close', limitMs: number): Promise<{ code: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, how], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    let timedOut = false;
    const t = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, limitMs);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, out, timedOut }); });
  });
}

describe('closeExchange', () => {
  it('a process that watched binance sockets and closed with it exits by itself, with no unhandled rejection', async () => {
    const r = await run('closeExchange', 8000);
    expect(r.out).toContain('closed');
    expect(r.out).not.toContain('unhandled');
    expect(r.out.match(/watch ExchangeClosedByUser/g)?.length).toBe(4);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
  }, 15_000);

  it('control: closed with ccxt close() alone, it does not exit (or reports an unhandled rejection)', async () => {
    const r = await run('close', 6000);
    expect(r.out.includes('unhandled') || r.timedOut).toBe(true);
  }, 15_000);
});
