/** The console turns bracketed paste on when it mounts and off when it goes (item 4 of issue 10). */
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PASTE_OFF, PASTE_ON, mountConsole } from '../../src/console/render.tsx';
import { StaticSource, snapshot, tick } from './fixtures.ts';

class Screen extends Writable {
  text = '';
  columns = 100;
  rows = 30;
  override _write(chunk: Buffer, _enc: string, cb: () => void): void { this.text += chunk.toString(); cb(); }
}

describe('bracketed paste mode', () => {
  it('is on while the console is mounted and off after unmount', async () => {
    const out = new Screen();
    const inst = mountConsole({ source: new StaticSource(snapshot()), mode: 'paper', keys: {}, stdout: out as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, size: { columns: 100, rows: 30 }, patchConsole: false });
    await tick();
    expect(out.text).toContain(PASTE_ON);
    expect(out.text).not.toContain(PASTE_OFF);
    inst.unmount();
    await tick();
    expect(out.text.lastIndexOf(PASTE_OFF)).toBeGreaterThan(out.text.indexOf(PASTE_ON));
  });
});
