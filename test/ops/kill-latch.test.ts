/**
 * The kill level lives in the account's journaled store: deleting a side file cannot lift it
 * (hardening defect 5, second half; the order-truth issue's "one owner of the trading state").
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/journal/store.ts';
import { JournaledKillLatch, KillStateStore } from '../../src/ops/kill-state.ts';

const open = (dir: string) => Store.open({ dir, venue: 'alpaca', account: 'A1' }).store;
const L3 = { level: 3 as const, reason: 'flatten by console', by: 'console', at: '2026-12-01T10:00:00.000Z', engineTime: 1 };

describe('the kill latch in the journaled store', () => {
  it('survives a restart, with no side file to delete', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-latch-'));
    const s1 = open(dir);
    new JournaledKillLatch(s1).save(L3);
    s1.close();
    rmSync(join(dir, 'kill-switch.json'), { force: true });
    rmSync(join(dir, 'state.json'), { force: true }); // even the snapshot: the journal has it
    const s2 = open(dir);
    expect(new JournaledKillLatch(s2).load()).toMatchObject({ level: 3, reason: 'flatten by console' });
    expect(existsSync(join(dir, 'kill-switch.json'))).toBe(false);
    s2.close();
  });

  it('a latch left in the old side file is carried into the store once; deleting the file then lifts nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-latch-'));
    const s1 = open(dir);
    writeFileSync(join(dir, 'kill-switch.json'), JSON.stringify({ ...L3, level: 2, reason: 'cancel-all by ctl' }));
    expect(new JournaledKillLatch(s1, new KillStateStore(dir)).load()).toMatchObject({ level: 2 });
    s1.close();
    rmSync(join(dir, 'kill-switch.json'));
    const s2 = open(dir);
    expect(new JournaledKillLatch(s2, new KillStateStore(dir)).load()).toMatchObject({ level: 2, reason: 'cancel-all by ctl' });
    s2.close();
  });

  it('resume is journaled too: level 0 comes back as 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-latch-'));
    const s1 = open(dir);
    const latch = new JournaledKillLatch(s1);
    latch.save(L3);
    latch.save({ ...L3, level: 0, reason: 'resumed by console' });
    s1.close();
    const s2 = open(dir);
    expect(new JournaledKillLatch(s2).load()).toMatchObject({ level: 0 });
    s2.close();
  });
});
