/**
 * `parity venue --protocol tws` as a process: the first stdout line says where it listens, the
 * real SDK connects to it, the admin port and a fault script work, SIGTERM ends it with status 0.
 * Spawned asynchronously (the SDK in this process talks to it while it runs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { registerVenue } from '../../src/cli/venue.ts';
import { EventName } from '@stoqey/ib';
import { Client } from './tws-helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('parity venue --protocol tws', () => {
  it('listens, speaks TWS to the real SDK with the account given, takes a fault script and an admin port, stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tws-cli-'));
    const faults = join(dir, 'faults.json');
    writeFileSync(faults, JSON.stringify({ fillOnCancel: 2 }));
    const p = spawn(process.execPath, [join(ROOT, 'bin/parity.js'), 'venue', '--protocol', 'tws', '--port', '0', '--admin-port', '0', '--account', 'DU7654321',
      '--faults', faults, '--data', join(ROOT, 'data/sample/BTC-USD-1m.csv')], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const lines = createInterface({ input: p.stdout });
    const out: string[] = [];
    const twoLines = new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no listening lines; stderr: ${stderr}`)), 20_000);
      lines.on('line', (l) => { out.push(l); if (out.length === 2) { clearTimeout(t); res(); } });
    });
    try {
      await twoLines;
      const port = Number(/^listening 127\.0\.0\.1:(\d+)$/.exec(out[0]!)?.[1]);
      const adminPort = Number(/^admin 127\.0\.0\.1:(\d+)$/.exec(out[1]!)?.[1]);
      expect(port).toBeGreaterThan(0);
      expect(adminPort).toBeGreaterThan(0);
      const c = await new Client(port).connect(3);
      expect(c.accounts).toBe('DU7654321');
      const stats = (await (await fetch(`http://127.0.0.1:${adminPort}/stats`)).json()) as { faults: { fillOnCancel: number }; account: string };
      expect(stats).toMatchObject({ account: 'DU7654321', faults: { fillOnCancel: 2 } });
      const t = c.once<[number]>(EventName.currentTime);
      c.ib.reqCurrentTime();
      await t;
      expect(c.layoutErrors()).toEqual([]);
      c.ib.disconnect();
      const exited = new Promise<number | null>((res) => p.once('exit', (code) => res(code)));
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/venue: TWS protocol \(server version 193\) on 127\.0\.0\.1:\d+, account DU7654321/);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });

  it('--help names the tws protocol and its flags; tws refuses --state and --key-id (in-process: the same commander definitions)', async () => {
    const program = new Command().exitOverride();
    registerVenue(program);
    const help = program.commands.find((c) => c.name() === 'venue')!.helpInformation();
    expect(help).toMatch(/alpaca or tws/);
    expect(help).toMatch(/--admin-port/);
    expect(help).toMatch(/--faults/);
    expect(help).toMatch(/--account <id>/);
    await expect(program.parseAsync(['node', 'parity', 'venue', '--protocol', 'tws', '--state', '/tmp/x.json'])).rejects.toThrow(/--state is for --protocol alpaca/);
    await expect(program.parseAsync(['node', 'parity', 'venue', '--protocol', 'tws', '--key-id', 'k'])).rejects.toThrow(/--key-id is for --protocol alpaca/);
    await expect(program.parseAsync(['node', 'parity', 'venue', '--protocol', 'fix'])).rejects.toThrow(/alpaca and tws/);
  });
});
