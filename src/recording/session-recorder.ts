/**
 * Starting a recording for a session: build the header (provenance, strategy, params, redacted
 * config, venue, account, instruments) and open events.jsonl in the session folder.
 */
import { join, relative, isAbsolute } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { VenueCapabilities } from '../ports/index.ts';
import type { LoadedStrategy } from '../strategy/loader.ts';
import { EVENTS_FILE, FORMAT_VERSION, type Header } from './format.ts';
import { gitCommit, parityVersion } from './provenance.ts';
import { redact, secretValuesFromEnv } from './redact.ts';
import { Recorder, SNAPSHOT_EVERY, type RecorderOptions } from './recorder.ts';
import { FileSink } from './sink.ts';

export interface HeaderInput {
  readonly sessionId: string;
  readonly mode: string;
  readonly venue: string;
  readonly account: { readonly id: string | null; readonly live: boolean };
  readonly config: Config;
  readonly strategy: LoadedStrategy;
  readonly params: Record<string, unknown>;
  readonly instruments: readonly Instrument[];
  readonly capabilities: VenueCapabilities | null;
  readonly snapshotEvery?: number;
  readonly cwd?: string;
  /** The declared features and the model the run uses (recording/format.ts HeaderSchema.model). */
  readonly model?: Header['model'];
}

/** A path as the user would type it: relative to the working folder when it lies inside it. */
function displayPath(p: string, cwd: string): string {
  const r = relative(cwd, p);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : p;
}

export function buildHeader(h: HeaderInput): Header {
  const cwd = h.cwd ?? process.cwd();
  const c = h.capabilities;
  return {
    k: 'header',
    format: FORMAT_VERSION,
    parity: parityVersion(),
    commit: gitCommit(),
    sessionId: h.sessionId,
    mode: h.mode,
    venue: h.venue,
    account: { id: h.account.id, currency: h.config.account.currency, cash: h.config.account.cash, live: h.account.live },
    strategy: { name: h.strategy.definition.name, file: displayPath(h.strategy.path, cwd), hash: h.strategy.sourceHash },
    params: redact(h.params) as Record<string, unknown>,
    config: redact(h.config) as Record<string, unknown>,
    instruments: h.instruments.map((i) => ({ ...i })),
    capabilities: c === null ? null : {
      orderTypes: [...c.orderTypes], timeInForce: [...c.timeInForce], replace: c.replace, reduceOnly: c.reduceOnly,
      shorting: c.shorting, clientOrderId: { maxLength: c.clientOrderId.maxLength, pattern: c.clientOrderId.pattern.source }, simulated: c.simulated,
      stop: c.stop ?? c.orderTypes.includes('stop'),
    },
    startedAt: new Date().toISOString(),
    snapshotEvery: h.snapshotEvery ?? SNAPSHOT_EVERY,
    ...(h.model !== undefined ? { model: h.model } : {}),
  };
}

/** Open `<dir>/events.jsonl` and write the header. Secret env values are scrubbed from every line. */
export function startRecording(dir: string, header: HeaderInput, extra: Partial<Omit<RecorderOptions, 'sink' | 'header'>> = {}): Recorder {
  const h = buildHeader(header);
  return new Recorder({
    sink: new FileSink(join(dir, EVENTS_FILE)),
    header: h,
    snapshotEvery: h.snapshotEvery,
    secrets: secretValuesFromEnv(),
    ...extra,
  });
}
