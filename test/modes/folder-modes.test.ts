/**
 * Session and state folders are 0700: their names carry session ids and account ids, their files
 * the journal and the recordings, and other local users have no business listing either.
 */
import { chmodSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSessionFolder } from '../../src/modes/session-folder.ts';
import { Store, storeDir } from '../../src/journal/store.ts';
import { SessionOps } from '../../src/ops/session-ops.ts';

const mode = (p: string): number => statSync(p).mode & 0o777;
const tmp = (): string => mkdtempSync(join(tmpdir(), 'pfm-'));

describe('folder modes', () => {
  it('a new sessions folder and each session folder in it are 0700', () => {
    const root = join(tmp(), 'a', 'sessions');
    const s = createSessionFolder(root, 'sim', 'sma-cross');
    expect(mode(root)).toBe(0o700);
    expect(mode(join(root, '..'))).toBe(0o700);
    expect(mode(s.dir)).toBe(0o700);
  });

  it('an existing sessions folder of ours that others can list is tightened to 0700', () => {
    const root = join(tmp(), 'sessions');
    mkdirSync(root);
    chmodSync(root, 0o755);
    const s = createSessionFolder(root, 'sim', 'sma-cross');
    expect(mode(root)).toBe(0o700);
    expect(mode(s.dir)).toBe(0o700);
  });

  it('the sim account state folder (kill-switch latch, lock) is 0700', () => {
    const root = join(tmp(), 'state');
    const ops = new SessionOps({ mode: 'paper', venue: 'sim', account: 'test', stateRoot: root, limits: {}, realtime: false, confirmTimeoutMs: 1000, onShutdown: () => {} });
    expect(ops.lock.acquire().ok).toBe(true);
    try {
      expect(mode(root)).toBe(0o700);
      expect(mode(join(root, 'sim-test'))).toBe(0o700);
    } finally {
      ops.lock.release();
    }
  });

  // The journal store makes an Alpaca session's state/ and state/<venue>-<account>/ folders.
  it('the journal store folder (an Alpaca account\'s state) is 0700', () => {
    const root = join(tmp(), 'state');
    const { store } = Store.open({ dir: storeDir(root, 'alpaca', 'PA1'), venue: 'alpaca', account: 'PA1' });
    try {
      expect(mode(root)).toBe(0o700);
      expect(mode(storeDir(root, 'alpaca', 'PA1'))).toBe(0o700);
    } finally {
      store.close();
    }
  });
});
