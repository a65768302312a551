/**
 * Headless stdout is JSON lines only, so `parity run --headless | jq` works to the last line; the
 * human text (the end-of-session summary, warnings) goes to stderr.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, ROOT, tempDir } from './helpers.ts';

describe('parity run --headless', () => {
  it('writes only JSON lines on stdout, the session summary on stderr', () => {
    const dir = tempDir();
    const r = parity(['run', '--headless', '--speed', 'max', '--sessions-dir', dir, '--state-dir', dir,
      '--strategy', join(ROOT, 'strategies/sma-cross.ts'), '--data', join(ROOT, 'data/sample/BTC-USD-1m.csv')], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(10);
    const bad = lines.filter((l) => { try { return typeof JSON.parse(l) !== 'object'; } catch { return true; } });
    expect(bad).toEqual([]);
    const events = lines.map((l) => JSON.parse(l) as { ts: unknown; kind: unknown });
    // Every line has the same shape at its head: an ISO time and a kind (a fill's own epoch-ms ts does not win).
    expect(events.filter((e) => typeof e.ts !== 'string' || typeof e.kind !== 'string')).toEqual([]);
    expect(events.some((e) => e.kind === 'fill')).toBe(true);
    expect(events.at(-1)?.kind).toBe('stop');
    expect(r.stderr).toMatch(/parity: data exhausted: session complete\n  session \S+ ended \(end\); equity [\d.]+, realized -?[\d.]+\n  kill switch level 0 saved in /);
  });
});
