/**
 * Paper session on the built-in simulated venue: the backtest's parts, under a replay clock that
 * plays the data file at `speed` times the pace of its timestamps (`max` = as fast as it goes).
 * Everything time-based is judged on engine time, so a file-fed session behaves like a live one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import { ReplayClock, SimulatedClock } from '../engine/clock.ts';
import type { Engine, EngineObserver } from '../engine/engine.ts';
import { SeriesFeed } from '../data/index.ts';
import { idPrefix } from '../orders/client-ids.ts';
import { createSessionFolder, type SessionFolder } from './session-folder.ts';
import { loadRunParts, makeEngine, makeSimVenue, type RunParts } from './parts.ts';

export interface PaperSession {
  readonly engine: Engine;
  readonly session: SessionFolder;
  readonly parts: RunParts;
  /** Resolves when the data is exhausted or the session is stopped. */
  readonly done: Promise<void>;
}

export async function startPaper(config: Config, observers: readonly EngineObserver[]): Promise<PaperSession> {
  const parts = await loadRunParts(config);
  const def = parts.strategy.definition;
  const session = createSessionFolder(config.run.sessionsDir, 'sim', def.name);
  writeFileSync(join(session.dir, 'session.json'), `${JSON.stringify({
    id: session.id, mode: 'paper', venue: 'sim', strategy: def.name, strategyFile: parts.strategy.path,
    strategyHash: parts.strategy.sourceHash, params: parts.params, data: config.data.files, speed: config.run.speed,
    startedAt: new Date().toISOString(),
  }, null, 2)}\n`);
  const clock = config.run.speed === 'max' ? new SimulatedClock() : new ReplayClock(config.run.speed);
  const venue = makeSimVenue(config, parts.instruments);
  const engine = makeEngine(config, parts, venue, { clock, observers, idPrefix: idPrefix(def.name, session.id) });
  engine.addFeed(new SeriesFeed(parts.series));
  const done = engine.run();
  return { engine, session, parts, done };
}
