/**
 * A strategy's declared features and model, opened for a run: one function every mode calls
 * (backtest, re-run, paper, venue sessions), so a model whose metadata does not match the strategy's
 * feature names and order is refused the same way everywhere, before anything trades.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { StrategyDefinition } from '../engine/strategy.ts';
import { ModelStage, type FeatureInputs } from '../engine/model-stage.ts';
import type { Header } from '../recording/format.ts';
import type { InstrumentProvider } from '../ports/index.ts';
import type { Predictor } from '../ports/predictor.ts';
import { FeatureSet, InputAssembler, FeatureError, type SideInputs } from '../features/index.ts';
import { loadSideSeries, FUNDING_FILE, INDEX_FILE } from '../data/index.ts';
import { MODEL_FILE, checkFeatureNames, openOnnxPredictor, readModelMetadata } from '../ml/index.ts';
import { StrategyLoadError } from '../strategy/loader.ts';
import { resolveShipped } from './parts.ts';

/**
 * A strategy's model or features cannot be used as declared: the message says what to do. A kind
 * of StrategyLoadError, so every command shows it as one line and exit 2, not a crash trace.
 */
export class StrategyModelError extends StrategyLoadError {
  override readonly name = 'StrategyModelError';
}

/** The model layer's own errors say which file to fix: passed on as StrategyModelErrors. */
const MODEL_FILE_ERRORS = new Set(['ModelFileError', 'PredictorOpenError', 'OnnxImportError']);

async function asStrategyModelError<T>(strategy: string, model: string, fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && MODEL_FILE_ERRORS.has(err.name)) throw new StrategyModelError(`${strategy}: model ${model}: ${err.message}`);
    throw err;
  }
}

export interface StrategyModel {
  readonly stage: ModelStage;
  /** For the recording's header (recording/format.ts HeaderSchema.model). */
  readonly header: NonNullable<Header['model']>;
  readonly predictor: Predictor | null;
  /** Bars until every feature is warm: a venue session's warm-up fetches at least these. */
  readonly lookback: number;
  close(): Promise<void>;
}

export interface OpenModelOptions {
  readonly config: Config;
  readonly instruments: InstrumentProvider;
  /** The bar length the run's bars have (the data's interval; one minute for venue feeds). */
  readonly barMs: number;
  /**
   * Side inputs from elsewhere than the config's files (a venue's funding and index feed). A
   * source that also needs waiting on (live) hands in `inputsFor` instead.
   */
  readonly side?: SideInputs;
  readonly inputsFor?: (symbol: string) => FeatureInputs;
}

/** Where `models/NAME` is: the first folder up from the strategy file that holds it, else the working folder. */
export function resolveModelFolder(ref: string, strategyPath: string, cwd = process.cwd()): string {
  if (isAbsolute(ref)) return ref;
  const tried: string[] = [];
  let dir = dirname(resolve(strategyPath));
  for (;;) {
    const p = join(dir, ref);
    tried.push(p);
    if (existsSync(join(p, MODEL_FILE))) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const inCwd = resolveShipped(ref, cwd);
  if (existsSync(join(inCwd, MODEL_FILE))) return inCwd;
  throw new StrategyModelError(`model "${ref}" not found: no ${MODEL_FILE} in ${[...tried.slice(0, 3), inCwd].join(', ')}${tried.length > 3 ? ', ...' : ''}; train it with \`parity train --strategy ${strategyPath} --data FILE --label fwd-return:H:THRESH --out ${ref}\` or import one with \`parity model import\``);
}

/** The declared features and model of `def`, ready for an engine; null when it declares neither. */
export async function openStrategyModel(def: StrategyDefinition, strategyPath: string, o: OpenModelOptions): Promise<StrategyModel | null> {
  let declared: StrategyDefinition['features'];
  try {
    declared = def.features;
  } catch (err) {
    throw new StrategyModelError(`${def.name}: reading its \`features\` threw (${(err as Error).message}): fix the strategy's features declaration`);
  }
  if (declared === undefined && def.model === undefined) return null;
  if (declared === undefined || declared.length === 0) {
    throw new StrategyModelError(`${def.name} declares model "${def.model}" but no features: list them in the definition (features: [returns(5), ...]) in the model's input order`);
  }
  let set: FeatureSet;
  try {
    set = new FeatureSet(declared);
  } catch (err) {
    if (err instanceof FeatureError) throw new StrategyModelError(`${def.name}: ${err.message}`);
    throw err;
  }
  const side = o.side ?? sideFromConfig(o.config);
  if (o.inputsFor === undefined) {
    for (const [source, has, flag] of [['funding', side.funding, '--funding FILE (config data.funding)'], ['index', side.index, '--index FILE (config data.index)']] as const) {
      if (set.sources.has(source) && has === undefined) {
        const who = set.specs.filter((s) => s.inputs.includes(source)).map((s) => s.name).join(', ');
        throw new StrategyModelError(`${def.name}: feature ${who} reads ${source === 'funding' ? 'funding rates' : 'index prices'}, and this run has none: give ${flag}`);
      }
      // Files are read whole before the run: a symbol they lack would get NaN features, so no
      // prediction, on every bar, and the run would end with no trades and no word why.
      const rows = o.side === undefined ? has : undefined;
      if (set.sources.has(source) && rows !== undefined) {
        const lacking = o.instruments.all().map((i) => i.symbol).filter((sym) => (rows[sym]?.length ?? 0) === 0);
        if (lacking.length > 0) {
          const held = Object.keys(rows).filter((k) => (rows[k]?.length ?? 0) > 0);
          throw new StrategyModelError(`${def.name}: the ${flag.split(' ')[0]} file has no rows for ${lacking.join(', ')} (it holds ${held.length > 0 ? held.join(', ') : 'no symbol'}), so ${set.specs.filter((x) => x.inputs.includes(source)).map((x) => x.name).join(', ')} would be NaN on every bar: give that symbol's ${source === 'funding' ? 'funding rates' : 'index prices'}`);
        }
      }
    }
  }
  let predictor: Predictor | null = null;
  let path: string | null = null;
  let hash: string | null = null;
  if (def.model !== undefined) {
    const folder = resolveModelFolder(def.model, strategyPath);
    const meta = await asStrategyModelError(def.name, def.model, () => readModelMetadata(folder));
    const mismatch = checkFeatureNames(set.names, meta.featureNames);
    if (mismatch !== null) throw new StrategyModelError(`${def.name}: model ${def.model} does not fit the strategy: ${mismatch.message}`);
    predictor = await asStrategyModelError(def.name, def.model, () => openOnnxPredictor(folder));
    path = def.model;
    hash = createHash('sha256').update(readFileSync(join(folder, MODEL_FILE))).digest('hex');
  }
  const instruments = o.instruments;
  const barMs = o.barMs;
  const stage = new ModelStage({
    features: set,
    // A fresh assembler per pass: the batch pass and the engine's pass each read the side series from the start.
    inputsFor: o.inputsFor ?? (() => new InputAssembler(side, barMs)),
    envOf: (symbol) => {
      const inst = instruments.get(symbol);
      if (inst === undefined) throw new StrategyModelError(`features of ${symbol}: the run has no instrument of that name`);
      return { calendar: inst.calendar, barMs };
    },
    ...(predictor !== null ? { predictor } : {}),
  });
  return {
    stage, predictor, lookback: set.lookback,
    header: { features: [...set.names], path, hash },
    close: async () => { await predictor?.close?.(); },
  };
}

/** Funding and index series from the config's files (`data.funding`, `data.index`). */
export function sideFromConfig(config: Config): SideInputs {
  const f = config.data.funding;
  const i = config.data.index;
  return {
    ...(f !== undefined ? { funding: loadSideSeries(fileOf(f), FUNDING_FILE) } : {}),
    ...(i !== undefined ? { index: loadSideSeries(fileOf(i), INDEX_FILE) } : {}),
  };
}

function fileOf(path: string): string {
  const p = resolveShipped(path);
  if (existsSync(p) && statSync(p).isDirectory()) throw new StrategyModelError(`${path} is a folder: give the CSV file`);
  return p;
}
