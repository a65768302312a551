// Budget: 25 s for this file on the 2-core CI machine (19 s measured in a one-worker run). Over budget is a
// regression to find, not a timeout to raise; speed targets belong in `npm run bench`, not here.
/**
 * `parity state reset`: the remedy a store refusing to start names. A dry run without --confirm
 * (exit 1, nothing moved), the archive with it, the refusal while a live console holds the LOCK
 * (exit 2, a message, no stack), and the command the refusal prints, run as printed.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, storeDir } from '../../src/journal/store.ts';
import { StoreStateLostError } from '../../src/journal/errors.ts';
import { parity, tempDir } from './helpers.ts';

/** A closed store of alpaca/PA1 under `<root>/alpaca-PA1` with an intent in its journal. */
function recordedStore(root: string): string {
  const dir = storeDir(root, 'alpaca', 'PA1');
  const { store } = Store.open({ dir, venue: 'alpaca', account: 'PA1' });
  store.append('kill', { level: 2, reason: 'canceled', by: 'console', at: new Date().toISOString(), engineTime: null }, true);
  store.close();
  return dir;
}

describe('parity state reset', () => {
  it('without --confirm: prints what it would archive, moves nothing, exits 1', () => {
    const root = tempDir();
    const dir = recordedStore(root);
    const r = parity(['state', 'reset', '--state-dir', root, '--venue', 'alpaca', '--account', 'PA1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`would archive, from ${dir}`);
    expect(r.stdout).toMatch(/journal\.jsonl\n {2}state\.json\n/);
    expect(r.stdout).toMatch(/--confirm/);
    expect(readdirSync(dir).sort()).toEqual(['journal.jsonl', 'state.json']);
  });

  it('the refusal names the command; run as printed, it archives and the next start is a fresh store', () => {
    const root = tempDir();
    const dir = recordedStore(root);
    rmSync(join(dir, 'journal.jsonl'));
    let cmd = '';
    try {
      Store.open({ dir, venue: 'alpaca', account: 'PA1' });
    } catch (err) {
      expect(err).toBeInstanceOf(StoreStateLostError);
      cmd = (err as StoreStateLostError).resetCommand;
    }
    expect(cmd).toBe(`parity state reset --confirm ${dir}`);
    const r = parity(cmd.split(' ').slice(1));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('archived');
    const [archive, ...rest] = readdirSync(dir);
    expect(rest).toEqual([]);
    expect(archive).toMatch(/^archive-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(readdirSync(join(dir, archive!))).toEqual(['state.json']); // nothing deleted
    const fresh = Store.open({ dir, venue: 'alpaca', account: 'PA1' });
    expect(fresh.source).toBe('new');
    expect(fresh.store.state.kill).toBeNull();
    fresh.store.close();
  });

  it('refuses while a live console holds the LOCK: exit 2, a message, nothing moved', () => {
    const root = tempDir();
    const dir = recordedStore(root);
    const held = Store.open({ dir, venue: 'alpaca', account: 'PA1' }); // this process: alive, a different pid from the CLI's
    try {
      const r = parity(['state', 'reset', '--confirm', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^parity: the store ${dir} is in use by process ${process.pid}`));
      expect(r.stderr).not.toMatch(/unexpected error|    at /);
      expect(readdirSync(dir).sort()).toEqual(['LOCK', 'journal.jsonl', 'state.json']);
    } finally {
      held.store.close();
    }
  });

  it('a folder that is not a store, a missing one, or no folder named: exit 2, nothing moved', () => {
    const root = tempDir();
    recordedStore(root);
    const notStore = parity(['state', 'reset', '--confirm', root]); // the state root, not a store folder
    expect(notStore.code).toBe(2);
    expect(notStore.stderr).toMatch(/holds an entry a store does not \(alpaca-PA1\).*Nothing was moved/);
    expect(existsSync(join(root, 'alpaca-PA1', 'journal.jsonl'))).toBe(true);
    const missing = parity(['state', 'reset', '--confirm', join(root, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no store folder at/);
    const none = parity(['state', 'reset', '--confirm']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/which store\?/);
  });
});
