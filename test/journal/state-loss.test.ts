/**
 * State loss is not silent (the "Hardening" issue, defect 5): a store whose other files say it has
 * recorded before, but whose journal is missing, shorter than its snapshot, or another store's,
 * refuses to start, naming the folder, what is missing, and the two remedies (restore the file, or
 * `parity state reset --confirm <folder>`). A journal that legitimately rotated still opens; a
 * folder with nothing (or only a lock) is a fresh store, as before.
 *
 * What is detectable about history/ (the rotated journal files): the state never needs them (the
 * current file starts with a checkpoint of the whole state), so losing them loses the audit trail
 * only. A missing history/ folder beside a rotated journal is a warning; history/ without any
 * journal or snapshot refuses like a missing journal; a single history file deleted out of several
 * is not noticed (the port cannot list a folder, and the files' names are not derivable).
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store, resetStore } from '../../src/journal/store.ts';
import { StoreError, StoreLockedError, StoreStateLostError } from '../../src/journal/errors.ts';
import { JOURNAL_FILE } from '../../src/journal/journal.ts';
import { LOCK_FILE } from '../../src/journal/lock.ts';
import type { StoredOrder } from '../../src/journal/state.ts';
import { MemoryFileSystem } from '../../src/util/memory-file-system.ts';
import { isUserError, reportError } from '../../src/cli/errors.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'parity-loss-'));
const T = Date.UTC(2024, 0, 2, 15);
const DAY = 86_400_000;

function order(id: string): StoredOrder {
  return {
    clientOrderId: id, venueOrderId: null, request: { symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }, status: 'accepted', returnTo: null,
    filledQty: 0, avgFillPrice: 0, fees: 0, createdAt: T, updatedAt: T, reason: null, flagged: null, external: false, leftAlone: false, execIds: [], intentWall: null, strategy: 's',
  };
}

/** A store with a few orders and a kill latch, closed cleanly: state.json is a snapshot at its last seq. */
function recorded(dir: string, n = 3, fs?: MemoryFileSystem): { storeId: string; lastSeq: number } {
  const { store } = Store.open({ dir, venue: 'alpaca', account: 'PA1', wallNow: () => T, ...(fs !== undefined ? { fs } : {}) });
  for (let i = 1; i <= n; i++) store.append('intent', { order: order(`o${i}`), nextSeq: i + 1 }, true);
  store.append('kill', { level: 3, reason: 'flattened', by: 'console', at: new Date(T).toISOString(), engineTime: T }, true);
  const out = { storeId: store.storeId, lastSeq: store.lastSeq() };
  store.close();
  return out;
}

const open = (dir: string, extra: { fs?: MemoryFileSystem; wallNow?: () => number } = {}) =>
  Store.open({ dir, venue: 'alpaca', account: 'PA1', wallNow: extra.wallNow ?? (() => T), ...(extra.fs !== undefined ? { fs: extra.fs } : {}) });

function refusal(fn: () => unknown): StoreStateLostError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreStateLostError);
    return err as StoreStateLostError;
  }
  throw new Error('expected the store to refuse to open');
}

function expectRemedies(err: StoreStateLostError, dir: string): void {
  expect(err.dir).toBe(dir);
  expect(err.message).toContain(dir);
  expect(err.message).toMatch(/restore/i);
  expect(err.message).toContain(`parity state reset --confirm ${dir}`);
  expect(err.resetCommand).toBe(`parity state reset --confirm ${dir}`);
}

describe('a store refuses to start on a lost journal', () => {
  it('journal.jsonl deleted beside a valid snapshot: refused, and nothing is written', () => {
    const fs = new MemoryFileSystem();
    const dir = '/state/alpaca-PA1';
    const { lastSeq } = recorded(dir, 3, fs);
    fs.unlink(join(dir, JOURNAL_FILE));
    const snapBefore = fs.readText(join(dir, 'state.json'));
    const err = refusal(() => open(dir, { fs }));
    expectRemedies(err, dir);
    expect(err.missing).toMatch(/journal\.jsonl is missing/);
    expect(err.message).toContain(`seq ${lastSeq}`);
    // The refusal changes nothing: no fresh journal, the snapshot as it was, the lock released.
    expect(fs.exists(join(dir, JOURNAL_FILE))).toBe(false);
    expect(fs.readText(join(dir, 'state.json'))).toBe(snapBefore);
    expect(fs.exists(join(dir, LOCK_FILE))).toBe(false);
    // And it stays refused: a second start does not turn the refusal into a fresh store.
    expect(() => open(dir, { fs })).toThrow(StoreStateLostError);
  });

  it('a journal emptied to nothing beside a snapshot: refused', () => {
    const dir = tmp();
    recorded(dir);
    writeFileSync(join(dir, JOURNAL_FILE), '');
    const err = refusal(() => open(dir));
    expectRemedies(err, dir);
    expect(err.missing).toMatch(/journal\.jsonl is empty/);
  });

  it('a journal shorter than its snapshot says: refused, naming the missing seqs', () => {
    const dir = tmp();
    const { lastSeq } = recorded(dir, 4);
    const path = join(dir, JOURNAL_FILE);
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
    writeFileSync(path, `${lines.slice(0, 2).join('\n')}\n`); // genesis and the first intent
    const err = refusal(() => open(dir));
    expectRemedies(err, dir);
    expect(err.missing).toContain(`ends at seq 2`);
    expect(err.missing).toContain(`seq ${lastSeq}`);
    expect(readFileSync(path, 'utf8').split('\n').filter((l) => l !== '')).toHaveLength(2); // untouched
  });

  it('the journal of another store (another store id) beside the snapshot: refused, naming both ids', () => {
    const a = tmp();
    const b = tmp();
    const mine = recorded(a, 2);
    const theirs = recorded(b, 6); // same venue and account, longer: only the store id tells them apart
    copyFileSync(join(b, JOURNAL_FILE), join(a, JOURNAL_FILE));
    const err = refusal(() => open(a));
    expectRemedies(err, a);
    expect(err.missing).toContain(mine.storeId);
    expect(err.missing).toContain(theirs.storeId);
  });

  it('journal and snapshot both deleted, history/ left: refused (the store had rotated)', () => {
    const dir = tmp();
    let wall = T;
    const { store } = open(dir, { wallNow: () => wall });
    store.append('intent', { order: order('o1'), nextSeq: 2 }, true);
    wall = T + DAY;
    store.snapshot(true); // rotates: the first file goes to history/
    store.close();
    expect(readdirSync(join(dir, 'history')).length).toBe(1);
    rmSync(join(dir, JOURNAL_FILE));
    rmSync(join(dir, 'state.json'));
    const err = refusal(() => open(dir, { wallNow: () => wall }));
    expectRemedies(err, dir);
    expect(err.missing).toMatch(/history/);
    expect(existsSync(join(dir, JOURNAL_FILE))).toBe(false);
  });

  it('the refusal is an error the CLI prints as a message (exit 2), not a stack trace', () => {
    const fs = new MemoryFileSystem();
    const dir = '/state/alpaca-PA1';
    recorded(dir, 1, fs);
    fs.unlink(join(dir, JOURNAL_FILE));
    const err = refusal(() => open(dir, { fs }));
    expect(err).toBeInstanceOf(StoreError);
    expect(isUserError(err)).toBe(true);
    let text = '';
    const code = reportError(err, { write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream);
    expect(code).toBe(2);
    expect(text).toMatch(/^parity: the store \/state\/alpaca-PA1 /);
    expect(text).toContain('parity state reset --confirm /state/alpaca-PA1');
    expect(text).not.toMatch(/unexpected error|    at /);
  });
});

describe('what still opens', () => {
  it('nothing in the folder, or only a stale LOCK: a fresh store, as before', () => {
    const fs = new MemoryFileSystem();
    expect(open('/s/empty', { fs }).source).toBe('new');
    fs.mkdir('/s/locked');
    const h = fs.open('/s/locked/LOCK', 'write');
    h.write(JSON.stringify({ pid: 2 ** 22 + 7, startTime: null, host: 'localhost', since: '2024-01-01T00:00:00.000Z' }));
    h.close();
    const r = open('/s/locked', { fs });
    expect(r.source).toBe('new');
    expect(r.warnings.join()).toMatch(/took over the store lock/);
  });

  it('a folder with only the sim-era kill-switch.json: a fresh store (the latch is carried over elsewhere)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'kill-switch.json'), JSON.stringify({ level: 1, reason: 'x', by: 'console', at: 'x', engineTime: null }));
    expect(open(dir).source).toBe('new');
  });

  it('the snapshot deleted, the journal whole: rebuilt from the journal (the journal is the record)', () => {
    const dir = tmp();
    recorded(dir);
    rmSync(join(dir, 'state.json'));
    const r = open(dir);
    expect(r.source).toBe('journal');
    expect(r.store.state.kill?.level).toBe(3);
    r.store.close();
  });

  it('a rotated journal opens: the snapshot at the checkpoint, and a snapshot from before the rotation', () => {
    const dir = tmp();
    let wall = T;
    const { store } = open(dir, { wallNow: () => wall });
    store.append('intent', { order: order('o1'), nextSeq: 2 }, true);
    store.snapshot(true);
    const before = readFileSync(join(dir, 'state.json'), 'utf8'); // a snapshot inside the first file
    store.append('intent', { order: order('o2'), nextSeq: 3 }, true);
    wall = T + DAY;
    store.snapshot(true); // rotation: journal.jsonl now starts with a checkpoint, the old file is in history/
    store.append('intent', { order: order('o3'), nextSeq: 4 }, true);
    store.close();
    const first = JSON.parse(readFileSync(join(dir, JOURNAL_FILE), 'utf8').split('\n')[0]!) as { kind: string };
    expect(first.kind).toBe('checkpoint');

    const r1 = open(dir, { wallNow: () => wall });
    expect(r1.source).toBe('snapshot+journal');
    expect(r1.warnings).toEqual([]);
    expect(Object.keys(r1.store.state.orders).sort()).toEqual(['o1', 'o2', 'o3']);
    r1.store.close();

    // A crash between the rotation and the snapshot written after it leaves a snapshot whose seq is
    // in history/, before the current file's checkpoint: legitimate, rebuilt from the checkpoint.
    writeFileSync(join(dir, 'state.json'), before);
    const r2 = open(dir, { wallNow: () => wall });
    expect(r2.source).toBe('journal');
    expect(Object.keys(r2.store.state.orders).sort()).toEqual(['o1', 'o2', 'o3']);
    r2.store.close();
  });

  it('a rotated journal cut short below its snapshot: refused', () => {
    const dir = tmp();
    let wall = T;
    const { store } = open(dir, { wallNow: () => wall });
    store.append('intent', { order: order('o1'), nextSeq: 2 }, true);
    wall = T + DAY;
    store.snapshot(true);
    store.append('intent', { order: order('o2'), nextSeq: 3 }, true);
    store.append('intent', { order: order('o3'), nextSeq: 4 }, true);
    store.close();
    const path = join(dir, JOURNAL_FILE);
    writeFileSync(path, `${readFileSync(path, 'utf8').split('\n')[0]!}\n`); // the checkpoint only
    const err = refusal(() => open(dir, { wallNow: () => wall }));
    expect(err.missing).toMatch(/ends at seq \d+/);
  });

  it('history/ deleted beside a rotated journal: opens (the checkpoint holds the state) with a warning', () => {
    const dir = tmp();
    let wall = T;
    const { store } = open(dir, { wallNow: () => wall });
    store.append('intent', { order: order('o1'), nextSeq: 2 }, true);
    wall = T + DAY;
    store.snapshot(true);
    store.close();
    rmSync(join(dir, 'history'), { recursive: true });
    const r = open(dir, { wallNow: () => wall });
    expect(r.store.state.orders.o1).toBeDefined();
    expect(r.warnings.join('\n')).toMatch(/history\/ is missing/);
    r.store.close();
  });
});

describe('resetStore: archive what is there, so the next start is a fresh store', () => {
  const list = (d: string) => readdirSync(d);

  it('without confirm it only says what it would move; with it, everything moves into archive-<time>/', () => {
    const dir = tmp();
    let wall = T;
    const { store } = open(dir, { wallNow: () => wall });
    store.append('intent', { order: order('o1'), nextSeq: 2 }, true);
    const oldId = store.storeId;
    wall = T + DAY;
    store.snapshot(true);
    store.close();
    rmSync(join(dir, JOURNAL_FILE)); // the state loss the refusal is about
    expect(() => open(dir)).toThrow(StoreStateLostError);

    const plan = resetStore({ dir, list, confirm: false, now: () => T });
    expect(plan.done).toBe(false);
    expect(plan.entries).toEqual(['history', 'state.json']);
    expect(plan.archive).toBe(join(dir, `archive-${new Date(T).toISOString()}`));
    expect(existsSync(plan.archive)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['history', 'state.json']);

    const done = resetStore({ dir, list, confirm: true, now: () => T });
    expect(done.done).toBe(true);
    expect(readdirSync(dir)).toEqual([`archive-${new Date(T).toISOString()}`]);
    expect(readdirSync(done.archive).sort()).toEqual(['history', 'state.json']);
    expect(readdirSync(join(done.archive, 'history')).length).toBe(1); // nothing deleted

    const fresh = open(dir);
    expect(fresh.source).toBe('new');
    expect(fresh.store.storeId).not.toBe(oldId);
    expect(fresh.store.state.kill).toBeNull();
    fresh.store.close();
  });

  it('refuses while a live console holds the LOCK, and moves nothing', () => {
    const dir = tmp();
    recorded(dir);
    const held = open(dir); // this process holds the store
    expect(() => resetStore({ dir, list, confirm: true })).toThrow(StoreLockedError);
    expect(readdirSync(dir).sort()).toEqual([LOCK_FILE, JOURNAL_FILE, 'state.json'].sort());
    held.store.close();
  });

  it('a second reset in the same millisecond does not overwrite the first archive', () => {
    const dir = tmp();
    recorded(dir);
    const a = resetStore({ dir, list, confirm: true, now: () => T });
    open(dir).store.close();
    const b = resetStore({ dir, list, confirm: true, now: () => T });
    expect(b.archive).not.toBe(a.archive);
    expect(readdirSync(a.archive).sort()).toEqual([JOURNAL_FILE, 'state.json']);
    expect(readdirSync(b.archive).sort()).toEqual([JOURNAL_FILE, 'state.json']);
  });

  it('an empty folder has nothing to archive; a missing one is an error', () => {
    const dir = tmp();
    expect(resetStore({ dir, list, confirm: true }).entries).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(() => resetStore({ dir: join(dir, 'nope'), list, confirm: true })).toThrow(/no store folder/);
  });
});
