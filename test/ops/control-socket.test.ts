import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listConsoles, POINTER_FILE, sendCommand, socketPathFor } from '../../src/ops/control-socket.ts';
import { type Rig, makeRig, tempDir } from './rig.ts';

const rigs: Rig[] = [];
afterEach(async () => { for (const r of rigs.splice(0)) await r.stop(); });

describe('control socket', () => {
  it('answers status and runs kill-switch commands; mode 0600, pointer file, registry', async () => {
    const env = { PARITY_RUNTIME_DIR: tempDir('prt-') };
    const r = await makeRig();
    rigs.push(r);
    const sessionDir = tempDir('parity-session-');
    const server = await r.ops.startControl({ id: 'abc123', name: 'test-session-abc123', dir: sessionDir }, env);
    expect(statSync(server.socket).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(sessionDir, POINTER_FILE), 'utf8').trim()).toBe(server.socket);
    expect(listConsoles(env).map((e) => e.id)).toEqual(['abc123']);

    const t0 = Date.now();
    let acceptedAt = 0;
    const st = await sendCommand(server.socket, 'status', { onAccepted: () => { acceptedAt = Date.now(); } });
    expect(acceptedAt - t0).toBeLessThan(1000);
    expect(st.result).toMatchObject({ ok: true, command: 'status', status: { session: 'test-session-abc123', killLevel: 0 } });

    const p = await sendCommand(server.socket, 'pause');
    expect(p.result).toMatchObject({ ok: true, level: 1 });
    expect(r.engine.tradingState().status).toBe('paused');

    const bad = await sendCommand(server.socket, 'explode');
    expect(bad.result).toMatchObject({ ok: false, message: expect.stringMatching(/unknown command/) });

    await r.ops.close('test');
    expect(existsSync(server.socket)).toBe(false);
    expect(listConsoles(env)).toEqual([]);
    const gone = await sendCommand(server.socket, 'status');
    expect(gone.error).toMatch(/no console is listening/);
  });

  it('cleans registry entries whose process is dead', () => {
    const dir = tempDir('prt-');
    const env = { PARITY_RUNTIME_DIR: dir };
    writeFileSync(join(dir, 'dead.console.json'), JSON.stringify({ id: 'dead', name: 'x', pid: 2 ** 22 + 4242, startedAt: 0, socket: join(dir, 'dead.sock'), sessionDir: dir, mode: 'paper', venue: 'sim', strategy: 's' }), { mode: 0o600 });
    expect(listConsoles(env)).toEqual([]);
    expect(existsSync(join(dir, 'dead.console.json'))).toBe(false);
  });

  it('keeps socket paths under the unix limit', () => {
    expect(() => socketPathFor('abc', { PARITY_RUNTIME_DIR: `/tmp/${'x'.repeat(120)}` })).toThrow(/short/);
    expect(Buffer.byteLength(socketPathFor('abc123', { PARITY_RUNTIME_DIR: '/tmp/p' }).socket)).toBeLessThan(104);
  });
});
