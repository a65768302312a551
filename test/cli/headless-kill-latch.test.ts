/**
 * A headless run started under a saved kill latch trades nothing: stderr says so at the start and in
 * the final lines, with how to lift it, instead of a bare "session complete ... realized 0.00".
 * Budget: one headless run over the sample at max speed (a few seconds).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, ROOT, tempDir } from './helpers.ts';

describe('parity run --headless under a saved L4 latch', () => {
  it('says at the start and at the end that the saved kill level held trading, and how to lift it', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sim-paper'), { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'sim-paper', 'kill-switch.json'), `${JSON.stringify({ level: 4, reason: 'shutdown by ctl', by: 'ctl', at: '2026-12-01T10:00:00.000Z', engineTime: null })}\n`, { mode: 0o600 });
    const r = parity(['run', '--headless', '--no-typecheck', '--speed', 'max', '--sessions-dir', dir, '--state-dir', dir, '--strategy', join(ROOT, 'strategies/sma-cross.ts')],
      { cwd: dir, env: { PARITY_RUNTIME_DIR: tempDir('parity-rt-') } });
    expect(r.code, r.stderr).toBe(0);
    const err = r.stderr.split('\n');
    const start = err.findIndex((l) => /trading is held by the saved kill switch L4 shut down \(shutdown by ctl, 2026-12-01T10:00:00\.000Z\)/.test(l));
    expect(start, r.stderr).toBeGreaterThanOrEqual(0);
    expect(err[start + 1]).toMatch(/^  no orders until it is lifted: parity ctl resume --confirm \(console: p, then p again\) while the session runs$/);
    // The final lines say it again, after the session's figures.
    const end = err.findIndex((l) => /session \S+ ended \(end\)/.test(l));
    expect(end).toBeGreaterThan(start);
    expect(err.slice(end).join('\n')).toMatch(/trading was held all session by the kill switch L4 shut down \(shutdown by ctl\): nothing traded/);
    expect(err.slice(end).join('\n')).toMatch(/parity ctl resume --confirm/);
  }, 30_000);
});
