/**
 * The file-system port: one contract, two disks (node:fs on a temp folder, MemoryFileSystem), and the
 * journal, the store and the kill-switch latch running on the memory disk through power cuts that
 * throw away exactly what was not synced.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCode, type FileHandle, type FileSystem } from '../../src/ports/file-system.ts';
import { nodeFileSystem } from '../../src/util/node-file-system.ts';
import { MemoryFileSystem } from '../../src/util/memory-file-system.ts';
import { writeFileDurable } from '../../src/util/durable-file.ts';
import { JOURNAL_FILE, Journal } from '../../src/journal/journal.ts';
import { Store } from '../../src/journal/store.ts';
import { LOCK_FILE } from '../../src/journal/lock.ts';
import type { StoredOrder } from '../../src/journal/state.ts';
import { KillStateStore } from '../../src/ops/kill-state.ts';

const T = Date.UTC(2024, 0, 2, 15);
const text = (b: Uint8Array | null) => (b === null ? null : new TextDecoder().decode(b));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return errorCode(err) ?? `not a file-system error: ${String(err)}`;
  }
  return 'no error';
}

function order(id: string, status: StoredOrder['status'] = 'submitted'): StoredOrder {
  return {
    clientOrderId: id, venueOrderId: null, request: { symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }, status, returnTo: null,
    filledQty: 0, avgFillPrice: 0, fees: 0, createdAt: T, updatedAt: T, reason: null, flagged: null, external: false, leftAlone: false, execIds: [], intentWall: null, strategy: 's',
  };
}

/** A disk whose fdatasync returns without syncing (a lying disk, or a journal that forgot to call it). */
function withoutDatasync(fs: MemoryFileSystem): FileSystem {
  return {
    open: (path, mode, perm) => {
      const h = fs.open(path, mode, perm);
      const lying: FileHandle = { write: (d) => h.write(d), datasync: () => {}, sync: () => h.sync(), size: () => h.size(), truncate: (n) => h.truncate(n), close: () => h.close() };
      return lying;
    },
    readFile: (p) => fs.readFile(p), readText: (p) => fs.readText(p), exists: (p) => fs.exists(p), mkdir: (p, m) => fs.mkdir(p, m),
    rename: (a, b) => fs.rename(a, b), unlink: (p) => fs.unlink(p), syncDir: (p) => fs.syncDir(p),
  };
}

/** A pid that ran and is gone. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid;
}

/**
 * After a power cut the process that held the store lock is gone too; in this test it is still us.
 * Make the durable LOCK look like the one a dead process left (so the stale-lock takeover runs).
 */
function rebootLock(fs: MemoryFileSystem, dir: string): number {
  const pid = deadPid();
  const h = fs.open(join(dir, LOCK_FILE), 'write');
  h.write(`${JSON.stringify({ pid, startTime: null, host: 'localhost', since: 'before the power cut' })}\n`);
  h.close();
  return pid;
}

// ---------- the contract, on both disks ----------

const disks: [string, () => { fs: FileSystem; root: string; list: () => string[] }][] = [
  ['node (temp folder)', () => {
    const root = mkdtempSync(join(tmpdir(), 'parity-fsport-'));
    return { fs: nodeFileSystem, root, list: () => readdirSync(root).sort() };
  }],
  ['memory', () => {
    const fs = new MemoryFileSystem();
    const root = '/disk/root';
    fs.mkdir(root);
    return { fs, root, list: () => fs.files().filter((f) => f.startsWith(`${root}/`)).map((f) => f.slice(root.length + 1)).sort() };
  }],
];

describe.each(disks)('file-system port contract: %s', (_name, make) => {
  it('append mode adds at the end across opens; size and reads see every byte', () => {
    const { fs, root } = make();
    const p = join(root, 'a.log');
    expect(fs.exists(p)).toBe(false);
    const h = fs.open(p, 'append', 0o600);
    h.write('one\n');
    h.write(new TextEncoder().encode('two\n'));
    h.datasync();
    expect(h.size()).toBe(8);
    h.close();
    const h2 = fs.open(p, 'append');
    h2.write('three\n');
    h2.sync();
    h2.close();
    expect(fs.exists(p)).toBe(true);
    expect(fs.readText(p)).toBe('one\ntwo\nthree\n');
    expect(text(fs.readFile(p))).toBe('one\ntwo\nthree\n');
  });

  it('write mode creates or empties; exclusive refuses an existing path with EEXIST', () => {
    const { fs, root } = make();
    const p = join(root, 'w.txt');
    let h = fs.open(p, 'write', 0o600);
    h.write('long content');
    h.close();
    h = fs.open(p, 'write');
    h.write('short');
    h.close();
    expect(fs.readText(p)).toBe('short');
    expect(code(() => fs.open(p, 'exclusive', 0o600))).toBe('EEXIST');
    const q = join(root, 'x.lock');
    h = fs.open(q, 'exclusive', 0o600);
    h.write('mine');
    h.sync();
    h.close();
    expect(fs.readText(q)).toBe('mine');
  });

  it('update mode needs the file, writes in place from the start and cuts', () => {
    const { fs, root } = make();
    const p = join(root, 'u.txt');
    expect(code(() => fs.open(p, 'update'))).toBe('ENOENT');
    const w = fs.open(p, 'write');
    w.write('abcdefgh');
    w.close();
    const h = fs.open(p, 'update');
    h.write('XY');
    h.truncate(5);
    h.datasync();
    expect(h.size()).toBe(5);
    h.close();
    expect(fs.readText(p)).toBe('XYcde');
  });

  it('missing files say ENOENT; a file in a missing folder cannot be created', () => {
    const { fs, root } = make();
    expect(code(() => fs.readFile(join(root, 'nope')))).toBe('ENOENT');
    expect(code(() => fs.readText(join(root, 'nope')))).toBe('ENOENT');
    expect(code(() => fs.unlink(join(root, 'nope')))).toBe('ENOENT');
    expect(code(() => fs.rename(join(root, 'nope'), join(root, 'other')))).toBe('ENOENT');
    expect(code(() => fs.open(join(root, 'no-dir', 'f'), 'append'))).toBe('ENOENT');
    expect(code(() => fs.readFile(root))).toBe('EISDIR');
  });

  it('rename replaces the target atomically; unlink removes', () => {
    const { fs, root, list } = make();
    const a = join(root, 'a');
    const b = join(root, 'b');
    for (const [p, t] of [[a, 'new'], [b, 'old']] as const) {
      const h = fs.open(p, 'write');
      h.write(t);
      h.close();
    }
    fs.rename(a, b);
    fs.syncDir(root);
    expect(fs.exists(a)).toBe(false);
    expect(fs.readText(b)).toBe('new');
    expect(list()).toEqual(['b']);
    fs.unlink(b);
    expect(fs.exists(b)).toBe(false);
    expect(list()).toEqual([]);
  });

  it('mkdir makes missing parents and is quiet when the folder exists; syncDir is best effort', () => {
    const { fs, root } = make();
    const d = join(root, 'x', 'y', 'z');
    fs.mkdir(d, 0o700);
    fs.mkdir(d);
    expect(fs.exists(d)).toBe(true);
    const h = fs.open(join(d, 'f'), 'append');
    h.close();
    expect(fs.exists(join(d, 'f'))).toBe(true);
    expect(() => fs.syncDir(join(root, 'not-there'))).not.toThrow();
  });

  it('writeFileDurable replaces the whole file and leaves no temp file', () => {
    const { fs, root, list } = make();
    const p = join(root, 'state.json');
    writeFileDurable(p, '{"v":1}', fs);
    writeFileDurable(p, new TextEncoder().encode('{"v":2}'), fs);
    expect(fs.readText(p)).toBe('{"v":2}');
    expect(list()).toEqual(['state.json']);
  });

  it('the journal writes, reads back and rotates the same on this disk', () => {
    const { fs, root } = make();
    const dir = join(root, 'store');
    const { journal } = Journal.open({ dir, fs, wallNow: () => T });
    journal.append('intent', { id: 'o1' }, true);
    journal.append('report', { id: 'o1' }, false);
    journal.rotate({ checkpoint: true });
    journal.append('intent', { id: 'o2' }, true);
    journal.close();
    const again = Journal.open({ dir, fs });
    expect(again.warnings).toEqual([]);
    expect(again.records.map((r) => [r.seq, r.kind])).toEqual([[3, 'checkpoint'], [4, 'intent']]);
    again.journal.close();
    expect(fs.exists(join(dir, 'history', 'journal-0000000001-0000000002.jsonl'))).toBe(true);
  });
});

it('both implementations are the port (checked by the compiler)', () => {
  const impls: FileSystem[] = [nodeFileSystem, new MemoryFileSystem()];
  expect(impls).toHaveLength(2);
});

// ---------- the memory disk's power cut ----------

describe('MemoryFileSystem power cut', () => {
  function disk(): MemoryFileSystem {
    const fs = new MemoryFileSystem();
    fs.mkdir('/d');
    return fs;
  }

  it('keeps synced bytes and loses unsynced ones; keepUnsynced leaves a prefix of an append', () => {
    const fs = disk();
    const h = fs.open('/d/f', 'append');
    fs.syncDir('/d');
    h.write('synced;');
    h.datasync();
    h.write('not yet');
    expect(fs.readText('/d/f')).toBe('synced;not yet');
    expect(text(fs.durableContent('/d/f'))).toBe('synced;');
    fs.powerCut({ keepUnsynced: (_p, pending) => pending.length - 4 });
    expect(fs.readText('/d/f')).toBe('synced;not');
    fs.powerCut();
    expect(fs.readText('/d/f')).toBe('synced;not'); // what survived a cut is on the disk
  });

  it('an overwrite or cut that was not synced goes back whole to the synced content', () => {
    const fs = disk();
    writeFileDurable('/d/f', 'version one', fs);
    const h = fs.open('/d/f', 'write');
    h.write('v2');
    fs.powerCut({ keepUnsynced: () => 1000 });
    expect(fs.readText('/d/f')).toBe('version one');
  });

  it('a created or renamed file is only durable once its folder is synced', () => {
    const fs = disk();
    const h = fs.open('/d/new', 'write');
    h.write('data');
    h.sync();
    h.close();
    fs.powerCut();
    expect(fs.exists('/d/new')).toBe(false); // its data was synced, its name was not

    writeFileDurable('/d/a', 'A', fs);
    fs.rename('/d/a', '/d/b');
    fs.powerCut();
    expect(fs.files()).toEqual(['/d/a']);
    fs.rename('/d/a', '/d/b');
    fs.syncDir('/d');
    fs.powerCut();
    expect(fs.files()).toEqual(['/d/b']);
    expect(fs.readText('/d/b')).toBe('A');
  });

  it('handles opened before a power cut are dead', () => {
    const fs = disk();
    const h = fs.open('/d/f', 'append');
    fs.powerCut();
    expect(code(() => h.write('x'))).toBe('EBADF');
  });
});

// ---------- the journal on the memory disk ----------

describe('journal on the memory disk, through a power cut', () => {
  const dir = '/state/sim-x';

  it('reopening recovers exactly the fsynced intents: an unsynced record after them is gone', () => {
    const fs = new MemoryFileSystem();
    const { journal } = Journal.open({ dir, fs, wallNow: () => T });
    const i1 = journal.append('intent', { id: 'o1' }, true);
    journal.append('report', { id: 'o1', status: 'accepted' }, false);
    const i2 = journal.append('intent', { id: 'o2' }, true);
    journal.append('report', { id: 'o2', status: 'accepted' }, false);
    fs.powerCut();
    const after = Journal.open({ dir, fs, wallNow: () => T });
    expect(after.warnings).toEqual([]);
    // The report between the intents was synced with o2's intent (fdatasync makes the whole file durable).
    expect(after.records.map((r) => [r.seq, r.kind])).toEqual([[1, 'intent'], [2, 'report'], [3, 'intent']]);
    expect(after.records[0]!.hash).toBe(i1.hash);
    expect(after.journal.lastHash()).toBe(i2.hash);
    // The chain goes on from the last durable record.
    const i3 = after.journal.append('intent', { id: 'o3' }, true);
    expect(i3.seq).toBe(4);
    expect(i3.prevHash).toBe(i2.hash);
    fs.powerCut();
    expect(Journal.open({ dir, fs }).records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it('a torn last line left by the power cut is cut off, durably, and the next append starts clean', () => {
    const fs = new MemoryFileSystem();
    const { journal } = Journal.open({ dir, fs, wallNow: () => T });
    journal.append('intent', { id: 'o1' }, true);
    journal.append('report', { id: 'o1', status: 'accepted', note: 'a line long enough to tear' }, false);
    fs.powerCut({ keepUnsynced: (path, pending) => (path.endsWith(JOURNAL_FILE) ? Math.floor(pending.length / 2) : 0) });
    const file = join(dir, JOURNAL_FILE);
    expect(fs.readText(file).endsWith('\n')).toBe(false); // half a line survived
    const after = Journal.open({ dir, fs, wallNow: () => T });
    expect(after.records.map((r) => r.kind)).toEqual(['intent']);
    expect(after.warnings.join()).toMatch(/last line \(2\) is torn/);
    // The repair was synced: another power cut right now does not bring the torn half back.
    fs.powerCut();
    const again = Journal.open({ dir, fs, wallNow: () => T });
    expect(again.warnings).toEqual([]);
    again.journal.append('intent', { id: 'o2' }, true);
    fs.powerCut();
    const last = Journal.open({ dir, fs });
    expect(last.warnings).toEqual([]);
    expect(last.records.map((r) => [r.seq, r.kind])).toEqual([[1, 'intent'], [2, 'intent']]);
  });

  it('a complete record whose newline was lost is kept and its line finished', () => {
    const fs = new MemoryFileSystem();
    const { journal } = Journal.open({ dir, fs, wallNow: () => T });
    journal.append('intent', { id: 'o1' }, true);
    journal.append('report', { id: 'o1' }, false);
    fs.powerCut({ keepUnsynced: (_p, pending) => pending.length - 1 });
    const after = Journal.open({ dir, fs });
    expect(after.warnings).toEqual([]);
    expect(after.records.map((r) => r.kind)).toEqual(['intent', 'report']);
    fs.powerCut();
    expect(fs.readText(join(dir, JOURNAL_FILE)).endsWith('}\n')).toBe(true);
  });

  it('the check is not vacuous: on a disk whose fdatasync does nothing, the intent is lost', () => {
    const mem = new MemoryFileSystem();
    const { journal } = Journal.open({ dir, fs: withoutDatasync(mem), wallNow: () => T });
    journal.append('intent', { id: 'o1' }, true);
    mem.powerCut();
    expect(Journal.open({ dir, fs: mem }).records).toEqual([]);
  });

  it('a rotation survives a power cut: the checkpoint and the history file are both there', () => {
    const fs = new MemoryFileSystem();
    const { journal } = Journal.open({ dir, fs, wallNow: () => T });
    journal.append('intent', { id: 'o1' }, true);
    journal.rotate({ whole: 'state' });
    journal.append('report', { id: 'o1' }, false);
    fs.powerCut();
    const after = Journal.open({ dir, fs });
    expect(after.records.map((r) => [r.seq, r.kind])).toEqual([[2, 'checkpoint']]);
    expect(fs.files()).toEqual([`${dir}/history/journal-0000000001-0000000001.jsonl`, `${dir}/${JOURNAL_FILE}`]);
  });
});

// ---------- the store on the memory disk ----------

describe('store on the memory disk, through a power cut', () => {
  const dir = '/parity-memory-disk/state/sim-x';

  it('lock, journal and snapshot are all on the port: nothing reaches the real disk', () => {
    const fs = new MemoryFileSystem();
    const a = Store.open({ dir, venue: 'sim', account: 'x', fs, wallNow: () => T });
    a.store.append('intent', { order: order('a1'), nextSeq: 2 }, true);
    a.store.close();
    expect(fs.files()).toEqual([`${dir}/${JOURNAL_FILE}`, `${dir}/state.json`]);
    expect(existsSync('/parity-memory-disk')).toBe(false);
    const b = Store.open({ dir, venue: 'sim', account: 'x', fs, wallNow: () => T });
    expect(b.source).toBe('snapshot+journal');
    expect(b.store.state.orders['a1']?.status).toBe('submitted');
    expect(fs.exists(join(dir, LOCK_FILE))).toBe(true);
    b.store.close();
  });

  it('reopening after a power cut has the fsynced intents and not the unsynced update after them', () => {
    const fs = new MemoryFileSystem();
    const a = Store.open({ dir, venue: 'sim', account: 'x', fs, wallNow: () => T, snapshotEveryMs: 1e12 });
    const storeId = a.store.storeId;
    a.store.append('intent', { order: order('a1'), nextSeq: 2 }, true);
    a.store.append('intent', { order: order('a2'), nextSeq: 3 }, true);
    a.store.append('order', { order: order('a2', 'accepted') }, false);
    fs.powerCut(); // the process is gone with the power: no close, no snapshot, the lock left behind
    const dead = rebootLock(fs, dir);
    const b = Store.open({ dir, venue: 'sim', account: 'x', fs, wallNow: () => T });
    expect(b.warnings.join()).toMatch(new RegExp(`left by process ${dead}`));
    expect(b.source).toBe('journal');
    expect(b.store.storeId).toBe(storeId); // the genesis (and the journal's name in the folder) survived
    expect(Object.keys(b.store.state.orders).sort()).toEqual(['a1', 'a2']);
    expect(b.store.state.orders['a2']?.status).toBe('submitted');
    expect(b.store.state.nextSeq).toBe(3);
    b.store.close();
  });

  it('a power cut between the snapshot temp file and its rename leaves the old snapshot; the journal brings it up to date', () => {
    const fs = new MemoryFileSystem();
    const a = Store.open({ dir, venue: 'sim', account: 'x', fs, wallNow: () => T });
    a.store.append('intent', { order: order('a1'), nextSeq: 2 }, true);
    a.store.close(); // snapshot at seq 2
    const old = fs.readText(join(dir, 'state.json'));
    const b = Store.open({ dir, venue: 'sim', account: 'x', fs, wallNow: () => T });
    b.store.append('intent', { order: order('a2'), nextSeq: 3 }, true);
    // The power goes after the temp file is written and fsynced, before the rename.
    const realRename = fs.rename.bind(fs);
    fs.rename = (from, to) => {
      if (to.endsWith('state.json')) {
        fs.powerCut();
        throw Object.assign(new Error('power cut'), { code: 'EIO' });
      }
      realRename(from, to);
    };
    expect(() => b.store.snapshot(true)).toThrow(/power cut/);
    fs.rename = realRename;
    expect(fs.readText(join(dir, 'state.json'))).toBe(old);
    expect(fs.files()).toEqual([`${dir}/${LOCK_FILE}`, `${dir}/${JOURNAL_FILE}`, `${dir}/state.json`]); // no temp file
    rebootLock(fs, dir);
    const c = Store.open({ dir, venue: 'sim', account: 'x', fs, wallNow: () => T });
    expect(c.source).toBe('snapshot+journal');
    expect(Object.keys(c.store.state.orders).sort()).toEqual(['a1', 'a2']);
    c.store.close();
  });

  it('the kill-switch latch survives a power cut on the same disk', () => {
    const fs = new MemoryFileSystem();
    const k = new KillStateStore(dir, fs);
    expect(k.load()).toBeNull();
    k.save({ level: 2, reason: 'operator', by: 'console', at: new Date(T).toISOString(), engineTime: T });
    fs.powerCut();
    expect(new KillStateStore(dir, fs).load()?.level).toBe(2);
    expect(existsSync('/parity-memory-disk')).toBe(false);
  });
});
