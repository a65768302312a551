/** Record real paper sessions (the simulated venue at full speed) into temp folders. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema, type Config } from '../../src/config/schema.ts';
import type { EngineObserver } from '../../src/engine/engine.ts';
import { startPaper, type PaperSession } from '../../src/modes/paper.ts';

export const SAMPLE_DATA = 'data/sample/BTC-USD-1m.csv';

export function tempDir(prefix = 'parity-rec-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function paperConfig(sessionsDir: string, extra: Record<string, unknown> = {}): Config {
  return ConfigSchema.parse({ ...extra, data: { files: [SAMPLE_DATA] }, run: { speed: 'max', sessionsDir, seed: 1 } });
}

/** Run a paper session to the end of its data; returns the session and its folder. */
export async function recordSession(config: Config, observers: EngineObserver[] = []): Promise<PaperSession> {
  const p = await startPaper(config, observers);
  await p.done;
  return p;
}

export function eventsText(dir: string): string {
  return readFileSync(join(dir, 'events.jsonl'), 'utf8');
}

export function onlySession(sessionsDir: string): string {
  const names = readdirSync(sessionsDir);
  if (names.length !== 1) throw new Error(`expected one session in ${sessionsDir}, found ${names.join(', ')}`);
  return join(sessionsDir, names[0]!);
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
