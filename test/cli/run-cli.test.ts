// Budget: 20 s for this file on the 2-core CI machine (13 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
import { describe, expect, it } from 'vitest';
import { parity, tempDir } from './helpers.ts';

describe('parity run refuses clearly (exit 2, no stack trace)', () => {
  const env = { ALPACA_KEY_ID: '', ALPACA_SECRET_KEY: '' };
  it.each([
    [['run', '--venue', 'alpaca', '--headless'], /ALPACA_KEY_ID and ALPACA_SECRET_KEY are not set/],
    [['run', '--live', '--headless'], /--live refused: the simulated venue/],
    [['run', '--venue', 'okx', '--headless'], /OKX_API_KEY, OKX_SECRET, OKX_PASSPHRASE are not set/],
    [['run', '--venue', 'kraken', '--headless'], /--venue kraken is not available/],
    [['run', '--headless', '--param', 'fast=50'], /fast must be smaller than slow/],
  ])('parity %s', (args, re) => {
    const dir = tempDir();
    const r = parity([...args, '--sessions-dir', dir, '--state-dir', dir], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(re);
    expect(r.stderr).not.toMatch(/unexpected error|    at /);
  });
});
