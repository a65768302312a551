import { mkdtempSync, readFileSync, writeFileSync, appendFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, readJournal, hashRecord, JOURNAL_FILE } from '../../src/journal/journal.ts';
import { JournalCorruptError, JournalTamperedError } from '../../src/journal/errors.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'parity-journal-'));

function write(dir: string, n: number): Journal {
  const { journal } = Journal.open({ dir });
  for (let i = 1; i <= n; i++) journal.append('intent', { id: `o${i}`, qty: i }, i % 2 === 0);
  return journal;
}

describe('journal', () => {
  it('reads back every record in order with an unbroken hash chain', () => {
    const dir = tmp();
    write(dir, 5).close();
    const { records, warnings } = Journal.open({ dir });
    expect(warnings).toEqual([]);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records.map((r) => (r.data as { id: string }).id)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
    for (let i = 1; i < records.length; i++) expect(records[i]!.prevHash).toBe(records[i - 1]!.hash);
  });

  it('a torn last line is skipped with a warning, cut off, and nothing before it is lost', () => {
    const dir = tmp();
    write(dir, 3).close();
    const file = join(dir, JOURNAL_FILE);
    appendFileSync(file, '{"seq":4,"ts":1,"kind":"intent","data":{"id":"o4"'); // power cut mid-write
    const opened = Journal.open({ dir });
    expect(opened.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(opened.warnings[0]).toMatch(/last line \(4\) is torn/);
    // The next append starts on a clean line and chains to record 3.
    opened.journal.append('intent', { id: 'o4b' }, true);
    opened.journal.close();
    const again = Journal.open({ dir });
    expect(again.warnings).toEqual([]);
    expect(again.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect((again.records[3]!.data as { id: string }).id).toBe('o4b');
  });

  it('a tampered record is detected and named', () => {
    const dir = tmp();
    write(dir, 4).close();
    const file = join(dir, JOURNAL_FILE);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"qty":2', '"qty":20');
    writeFileSync(file, lines.join('\n'));
    expect(() => Journal.open({ dir })).toThrow(JournalTamperedError);
    expect(() => Journal.open({ dir })).toThrow(/line 2 \(record seq 2\): its hash does not match/);
  });

  it('a spliced journal (a record removed) is detected by the chain', () => {
    const dir = tmp();
    write(dir, 4).close();
    const file = join(dir, JOURNAL_FILE);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.splice(2, 1);
    writeFileSync(file, lines.join('\n'));
    expect(() => readJournal(file, null, false)).toThrow(/record seq 4\): it does not chain/);
  });

  it('garbage in the middle is corruption, not a torn write', () => {
    const dir = tmp();
    write(dir, 3).close();
    const file = join(dir, JOURNAL_FILE);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[1] = 'garbage';
    writeFileSync(file, lines.join('\n'));
    expect(() => Journal.open({ dir })).toThrow(JournalCorruptError);
  });

  it('rotation starts a new file with a checkpoint chained to the old one; the old one goes to history', () => {
    const dir = tmp();
    const j = write(dir, 3);
    const last = j.lastHash();
    const chk = j.rotate({ state: 'x' });
    expect(chk.prevHash).toBe(last);
    j.append('intent', { id: 'o9' }, true);
    j.close();
    expect(readdirSync(join(dir, 'history'))).toEqual(['journal-0000000001-0000000003.jsonl']);
    const { records } = Journal.open({ dir });
    expect(records.map((r) => [r.seq, r.kind])).toEqual([[4, 'checkpoint'], [5, 'intent']]);
  });

  it('an interrupted rotation (new file written, renames not done) is finished on open', () => {
    const dir = tmp();
    const j = write(dir, 2);
    // Build the next file the way rotate() does, then "crash" before the renames.
    const dataJson = JSON.stringify({ s: 1 });
    const h = hashRecord(3, 5, 'checkpoint', dataJson, j.lastHash());
    writeFileSync(join(dir, 'journal.next.jsonl'), `{"seq":3,"ts":5,"kind":"checkpoint","data":${dataJson},"prevHash":"${j.lastHash()}","hash":"${h}"}\n`);
    j.close();
    const { records } = Journal.open({ dir });
    expect(records.map((r) => r.seq)).toEqual([3]);
    expect(existsSync(join(dir, 'journal.next.jsonl'))).toBe(false);
  });
});
