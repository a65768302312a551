/**
 * closeExchange leaves nothing of a ccxt.pro instance running: a process that watched Binance's
 * private streams (USD-M over a listen key, spot over the WS-API) and closed with it exits by
 * itself at once, without an unhandled rejection; closed with ccxt's own close() (the control)
 * it does not (the listen-key keep-alive holds it for 20 minutes, spot's subscription future is
 * rejected with nobody listening).
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
    expect(r.out.match(/watch ExchangeClosedByUser/g)?.length).toBe(2);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
  }, 15_000);

  it('control: closed with ccxt close() alone, it reports an unhandled rejection or does not exit', async () => {
    const r = await run('close', 6000);
    expect(r.out.includes('unhandled') || r.timedOut).toBe(true);
  }, 15_000);
});
