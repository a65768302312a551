/**
 * The control socket cannot be impersonated: the runtime folder, the socket, the registry entries and
 * the pointer file are checked (lstat: real folder / file / socket, owned by this uid, no group or
 * other bits) by the console and by `parity ctl` before every use, and a failed check is refused with
 * the reason; `ctl` never falls back to another folder, and removes only entries it can prove stale.
 *
 * An "impostor" here is a unix socket server that answers every command with "ok", the way another
 * local user's process could if ctl trusted what it finds.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { ctl } from '../../src/cli/ctl.ts';
import type { CommandBus } from '../../src/ops/commands.ts';
import { listConsoles, POINTER_FILE, socketPathFor, startControlServer } from '../../src/ops/control-socket.ts';
import { processStartedAt } from '../../src/ops/lock.ts';
import { parity } from '../cli/helpers.ts';

const UID = process.getuid!();
const OTHER = 12345;
/** Short on purpose: every socket made here must fit the unix limit. */
const tmp = (p = 'prd-'): string => mkdtempSync(join('/tmp', p));

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

/** A fake console on `socket` that answers every command "ok" (flatten: "flat"); counts connections. */
async function impostor(socket: string): Promise<{ hits: () => number }> {
  let hits = 0;
  const srv = createServer((c) => {
    hits++;
    c.setEncoding('utf8');
    let buf = '';
    c.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(buf.slice(0, nl)) as { id: number; command: string };
        buf = buf.slice(nl + 1);
        c.write(`${JSON.stringify({ id: m.id, type: 'accepted', command: m.command })}\n`);
        c.write(`${JSON.stringify({ id: m.id, type: 'result', ok: true, command: m.command, message: 'flat', level: 3, incomplete: [] })}\n`);
      }
    });
    c.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(socket, () => r()));
  chmodSync(socket, 0o600);
  servers.push(srv);
  return { hits: () => hits };
}

/** A registry entry that looks alive (this test process), pointing at `socket`. */
function plantEntry(dir: string, id: string, socket: string, sessionDir = dir): string {
  const file = join(dir, `${id}.console.json`);
  writeFileSync(file, `${JSON.stringify({ id, name: `victim-${id}`, pid: process.pid, startedAt: processStartedAt(), socket, sessionDir, mode: 'live', venue: 'alpaca', strategy: 's' })}\n`, { mode: 0o600 });
  return file;
}

/** Run `ctl` in-process with these environment variables (others of ours removed), capturing output. */
async function runCtl(env: Record<string, string | undefined>, command: string, flags: { session?: string } = {}): Promise<{ code: number; out: string }> {
  const keys = ['PARITY_RUNTIME_DIR', 'XDG_RUNTIME_DIR', 'TMPDIR'];
  const prev = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) {
    if (env[k] === undefined) delete process.env[k]; else process.env[k] = env[k];
  }
  const out: string[] = [];
  const w = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
  try {
    const code = await ctl(command, { timeout: '2000', ...flags });
    return { code, out: out.join('') };
  } finally {
    w.mockRestore();
    e.mockRestore();
    for (const k of keys) {
      if (prev[k] === undefined) delete process.env[k]; else process.env[k] = prev[k];
    }
  }
}

const bus = { dispatch: async () => ({ ok: true, command: 'status', message: 'x', level: 0, incomplete: [] }) } as unknown as CommandBus;
const entryFor = (id: string, sessionDir: string) => ({ id, name: `s-${id}`, pid: process.pid, startedAt: processStartedAt(), sessionDir, mode: 'paper', venue: 'sim', strategy: 's' });

describe('runtime folder checks', () => {
  it('a folder with group or other bits: ctl refuses with the reason and the remedy, the console refuses too', async () => {
    const dir = tmp();
    const fake = await impostor(join(dir, 'evil1.sock'));
    plantEntry(dir, 'evil1', join(dir, 'evil1.sock'));
    chmodSync(dir, 0o755);

    const r = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'flatten');
    expect(r.code).not.toBe(0);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/group or other/);
    expect(r.out).toMatch(/chmod 700/);
    expect(r.out).not.toMatch(/ok/);
    expect(fake.hits()).toBe(0);

    await expect(startControlServer(bus, entryFor('c1', tmp()), { PARITY_RUNTIME_DIR: dir })).rejects.toThrow(/group or other/);
    // Refused, not silently repaired: the operator decides.
    expect(lstatSync(dir).mode & 0o777).toBe(0o755);
  });

  it('a symlinked folder is refused by both sides', async () => {
    const real = tmp();
    const fake = await impostor(join(real, 'evil2.sock'));
    plantEntry(real, 'evil2', join(real, 'evil2.sock'));
    const link = join(tmp(), 'rt');
    symlinkSync(real, link);

    const r = await runCtl({ PARITY_RUNTIME_DIR: link }, 'flatten');
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/symbolic link/);
    expect(fake.hits()).toBe(0);
    await expect(startControlServer(bus, entryFor('c2', tmp()), { PARITY_RUNTIME_DIR: link })).rejects.toThrow(/symbolic link/);
  });

  it('a folder another uid owns (created first by someone else): refused, the impostor never hears from ctl', async () => {
    const dir = tmp();
    const fake = await impostor(join(dir, 'evil3.sock'));
    plantEntry(dir, 'evil3', join(dir, 'evil3.sock'));
    chmodSync(dir, 0o700);
    chownSync(dir, OTHER, OTHER);

    const r = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'flatten');
    expect(r.code).toBe(4);
    expect(r.out).toMatch(new RegExp(`uid ${OTHER}`));
    expect(r.out).not.toMatch(/flat/);
    expect(fake.hits()).toBe(0);
    const list = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'list');
    expect(list.code).toBe(4);
    expect(() => listConsoles({ PARITY_RUNTIME_DIR: dir })).toThrow(new RegExp(`uid ${OTHER}`));
    await expect(startControlServer(bus, entryFor('c3', tmp()), { PARITY_RUNTIME_DIR: dir })).rejects.toThrow(new RegExp(`uid ${OTHER}`));
  });

  it('a socket another uid owns, or one open to others, in our own folder: refused', async () => {
    const dir = tmp();
    const fake = await impostor(join(dir, 'evil4.sock'));
    plantEntry(dir, 'evil4', join(dir, 'evil4.sock'));
    chownSync(join(dir, 'evil4.sock'), OTHER, OTHER);
    const a = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'flatten');
    expect(a.code).toBe(4);
    expect(a.out).toMatch(new RegExp(`socket.*uid ${OTHER}`));

    chownSync(join(dir, 'evil4.sock'), UID, UID);
    chmodSync(join(dir, 'evil4.sock'), 0o666);
    const b = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'flatten');
    expect(b.code).toBe(4);
    expect(b.out).toMatch(/socket.*group or other/);
    expect(fake.hits()).toBe(0);
  });

  it('a registry entry another uid owns, inside our folder: refused', async () => {
    const dir = tmp();
    const fake = await impostor(join(dir, 'evil5.sock'));
    chownSync(plantEntry(dir, 'evil5', join(dir, 'evil5.sock')), OTHER, OTHER);
    const r = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'flatten');
    expect(r.code).toBe(4);
    expect(r.out).toMatch(new RegExp(`evil5\\.console\\.json.*uid ${OTHER}`));
    expect(fake.hits()).toBe(0);
  });

  it('--session <folder>: a pointer file another uid owns, or open to others, is refused', async () => {
    const dir = tmp();
    const fake = await impostor(join(dir, 'evil6.sock'));
    const sessionDir = tmp('prs-');
    const pointer = join(sessionDir, POINTER_FILE);
    writeFileSync(pointer, `${join(dir, 'evil6.sock')}\n`, { mode: 0o600 });
    chownSync(pointer, OTHER, OTHER);
    const a = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'flatten', { session: sessionDir });
    expect(a.code).toBe(4);
    expect(a.out).toMatch(new RegExp(`${POINTER_FILE.replace(/\./g, '\\.')}.*uid ${OTHER}`));

    chownSync(pointer, UID, UID);
    chmodSync(pointer, 0o644);
    const b = await runCtl({ PARITY_RUNTIME_DIR: dir }, 'flatten', { session: sessionDir });
    expect(b.code).toBe(4);
    expect(b.out).toMatch(/group or other/);

    // A pointer of ours naming a socket in a folder someone else owns: refused as well.
    chmodSync(pointer, 0o600);
    chownSync(dir, OTHER, OTHER);
    const c = await runCtl({ PARITY_RUNTIME_DIR: tmp() }, 'flatten', { session: sessionDir });
    expect(c.code).toBe(4);
    expect(c.out).toMatch(new RegExp(`uid ${OTHER}`));
    expect(fake.hits()).toBe(0);
  });

  it('XDG_RUNTIME_DIR set: the temp folder is never read, and a bad XDG folder is not swapped for it', async () => {
    const tmpBase = tmp('prtmp-');
    const planted = join(tmpBase, `parity-${UID}`);
    mkdirSync(planted, { mode: 0o700 });
    const fake = await impostor(join(planted, 'evil7.sock'));
    plantEntry(planted, 'evil7', join(planted, 'evil7.sock'));
    const xdg = tmp('prx-');

    const r = await runCtl({ XDG_RUNTIME_DIR: xdg, TMPDIR: tmpBase }, 'flatten');
    expect(r.code).toBe(3);
    expect(r.out).toContain(join(xdg, 'parity'));
    expect(r.out).not.toContain(planted);
    expect(fake.hits()).toBe(0);

    // The console makes $XDG_RUNTIME_DIR/parity, 0700, and ctl finds it there.
    const sess = tmp('prs-');
    const server = await startControlServer(bus, entryFor('x1', sess), { XDG_RUNTIME_DIR: xdg, TMPDIR: tmpBase });
    try {
      expect(server.socket).toBe(join(xdg, 'parity', 'x1.sock'));
      expect(lstatSync(join(xdg, 'parity')).mode & 0o777).toBe(0o700);
      const s = await runCtl({ XDG_RUNTIME_DIR: xdg, TMPDIR: tmpBase }, 'status');
      expect(s.code).toBe(0);
    } finally {
      await server.close();
    }

    // $XDG_RUNTIME_DIR/parity taken by someone else: refused, never the temp folder instead.
    const xdg2 = tmp('prx-');
    mkdirSync(join(xdg2, 'parity'), { mode: 0o700 });
    chownSync(join(xdg2, 'parity'), OTHER, OTHER);
    const b = await runCtl({ XDG_RUNTIME_DIR: xdg2, TMPDIR: tmpBase }, 'flatten');
    expect(b.code).toBe(4);
    expect(b.out).toMatch(new RegExp(`uid ${OTHER}`));
    expect(fake.hits()).toBe(0);
    await expect(startControlServer(bus, entryFor('x2', sess), { XDG_RUNTIME_DIR: xdg2, TMPDIR: tmpBase })).rejects.toThrow(new RegExp(`uid ${OTHER}`));
  });

  it('a planted stale entry pointing at a file the user owns elsewhere: the file is not deleted', () => {
    const dir = tmp();
    const precious = join(tmp('prv-'), 'precious.txt');
    writeFileSync(precious, 'keep me');
    const dead = { name: 'x', pid: 2 ** 22 + 4243, startedAt: 0, sessionDir: dir, mode: 'paper', venue: 'sim', strategy: 's' };
    writeFileSync(join(dir, 'stale1.console.json'), JSON.stringify({ id: 'stale1', socket: precious, ...dead }), { mode: 0o600 });
    // Even a file of ours inside the runtime folder is not removed unless it is the entry's own socket.
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'mine', { mode: 0o600 });
    writeFileSync(join(dir, 'stale2.console.json'), JSON.stringify({ id: 'stale2', socket: other, ...dead }), { mode: 0o600 });

    expect(listConsoles({ PARITY_RUNTIME_DIR: dir })).toEqual([]);
    expect(readFileSync(precious, 'utf8')).toBe('keep me');
    expect(existsSync(other)).toBe(true);
    // The entries themselves are ours and provably stale: removed.
    expect(existsSync(join(dir, 'stale1.console.json'))).toBe(false);
    expect(existsSync(join(dir, 'stale2.console.json'))).toBe(false);
  });

  it('a stale entry and its own stale socket are removed', async () => {
    const dir = tmp();
    const sock = join(dir, 'stale3.sock');
    await impostor(sock);
    writeFileSync(join(dir, 'stale3.console.json'), JSON.stringify({ id: 'stale3', name: 'x', pid: 2 ** 22 + 4244, startedAt: 0, socket: sock, sessionDir: dir, mode: 'paper', venue: 'sim', strategy: 's' }), { mode: 0o600 });
    expect(listConsoles({ PARITY_RUNTIME_DIR: dir })).toEqual([]);
    expect(existsSync(sock)).toBe(false);
    expect(existsSync(join(dir, 'stale3.console.json'))).toBe(false);
  });

  it('short-path fallback: a socket path too long for XDG goes to /tmp, registered in the XDG folder, checked the same way', async () => {
    const longXdg = join(tmp('prx-'), 'x'.repeat(90));
    mkdirSync(longXdg, { mode: 0o700 });
    const shortBase = tmp('prsh-');
    const env = { XDG_RUNTIME_DIR: longXdg };
    const where = socketPathFor('ab12cd', env, shortBase);
    expect(where.dir).toBe(join(longXdg, 'parity'));
    expect(where.socket).toBe(join(shortBase, `parity-${UID}`, 'ab12cd.sock'));

    const sess = tmp('prs-');
    const server = await startControlServer(bus, entryFor('ab12cd', sess), env, { shortBase });
    try {
      expect(existsSync(join(longXdg, 'parity', 'ab12cd.console.json'))).toBe(true);
      expect(lstatSync(join(shortBase, `parity-${UID}`)).mode & 0o777).toBe(0o700);
      const s = await runCtl({ XDG_RUNTIME_DIR: longXdg }, 'status');
      expect(s.code).toBe(0);
    } finally {
      await server.close();
    }

    // The short folder is checked like the main one.
    chmodSync(join(shortBase, `parity-${UID}`), 0o755);
    await expect(startControlServer(bus, entryFor('ab12cd', sess), env, { shortBase })).rejects.toThrow(/group or other/);
  });

  it('parity run refuses a runtime folder open to others with the reason (a user error, exit 2), and leaves it as it was', () => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const work = tmp('prw-');
    const r = parity(['run', '--headless', '--speed', 'max', '--sessions-dir', join(work, 'sessions'), '--state-dir', join(work, 'state')], { env: { PARITY_RUNTIME_DIR: dir } });
    expect(r.stderr).toMatch(/group or other permission bits.*chmod 700/);
    expect(r.stderr).not.toMatch(/unexpected error/);
    expect(r.code).toBe(2);
    expect(lstatSync(dir).mode & 0o777).toBe(0o755);
  });
});
