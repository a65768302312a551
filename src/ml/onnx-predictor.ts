/**
 * The Predictor (ports/predictor.ts) over onnxruntime-node, the one runtime every mode uses.
 * CPU, one intra-op thread: a tree ensemble on one row is microseconds, and a single thread gives
 * the steadiest tail latency (and one summation order, so the same row scores the same everywhere).
 */
import * as ort from 'onnxruntime-node';
import type { Predictor } from '../ports/predictor.ts';
import { readModelFolder } from './model-files.ts';
import { onnxInputShape, OnnxImportError } from './onnx-import.ts';
import { ONNX_PROBABILITIES } from './onnx-export.ts';

/** A row handed to the model holds NaN: the runtime would route it silently down a default branch. */
export class PredictorInputError extends Error {
  override readonly name = 'PredictorInputError';
  constructor(message: string, readonly row: number, readonly feature: string) {
    super(message);
  }
}

/** The model and the strategy disagree on the inputs; both lists are in the message. */
export class FeatureMismatchError extends Error {
  override readonly name = 'FeatureMismatchError';
  constructor(readonly expected: readonly string[], readonly actual: readonly string[], detail: string) {
    super(`feature names differ (${detail}): the strategy computes [${expected.join(', ')}] but the model was trained on [${actual.join(', ')}]; declare the model's features in its order, or retrain it on the strategy's`);
  }
}

/** A model that cannot be opened for prediction. */
export class PredictorOpenError extends Error {
  override readonly name = 'PredictorOpenError';
}

/** null when `actual` (the model's metadata) has exactly `expected`'s names in its order. */
export function checkFeatureNames(expected: readonly string[], actual: readonly string[]): FeatureMismatchError | null {
  if (expected.length !== actual.length) {
    return new FeatureMismatchError(expected, actual, `${expected.length} vs ${actual.length} features`);
  }
  const i = expected.findIndex((name, k) => name !== actual[k]);
  if (i < 0) return null;
  const sameSet = new Set(expected).size === new Set([...expected, ...actual]).size;
  return new FeatureMismatchError(expected, actual, sameSet ? `same names in another order, first at column ${i}` : `column ${i} is ${expected[i]} vs ${actual[i]}`);
}

export type PredictorSource = string | { readonly bytes: Uint8Array; readonly featureNames: readonly string[] };

export async function openOnnxPredictor(source: PredictorSource): Promise<Predictor> {
  const where = typeof source === 'string' ? source : 'the ONNX bytes';
  let bytes: Uint8Array;
  let featureNames: readonly string[];
  if (typeof source === 'string') {
    const folder = readModelFolder(source);
    bytes = folder.onnx;
    featureNames = folder.metadata.featureNames;
  } else {
    bytes = source.bytes;
    featureNames = [...source.featureNames];
    try {
      const { width } = onnxInputShape(bytes, where);
      if (width !== null && width !== featureNames.length) {
        throw new PredictorOpenError(`${where} takes ${width} features but ${featureNames.length} names were given (${featureNames.join(', ')})`);
      }
    } catch (err) {
      if (err instanceof OnnxImportError) throw new PredictorOpenError(err.message);
      throw err;
    }
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (err) {
    throw new PredictorOpenError(`onnxruntime cannot load ${where}: ${(err as Error).message}`);
  }
  const inputName = session.inputNames[0];
  if (session.inputNames.length !== 1 || inputName === undefined || !session.outputNames.includes(ONNX_PROBABILITIES)) {
    await session.release();
    throw new PredictorOpenError(`${where} has inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]; want one input and a ${ONNX_PROBABILITIES} output (import it with \`parity model import\`)`);
  }
  return new OnnxPredictor(session, inputName, featureNames);
}

class OnnxPredictor implements Predictor {
  private closed = false;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    readonly featureNames: readonly string[],
  ) {}

  async predict(values: Float32Array, rows: number): Promise<Float32Array> {
    if (this.closed) throw new PredictorOpenError('predict after close: open the model again');
    const F = this.featureNames.length;
    if (!Number.isInteger(rows) || rows < 0 || values.length !== rows * F) {
      throw new RangeError(`predict got ${values.length} values for ${rows} rows of ${F} features (want ${rows * F})`);
    }
    for (let i = 0; i < values.length; i++) {
      if (Number.isNaN(values[i])) {
        const row = Math.floor(i / F);
        const feature = this.featureNames[i % F] as string;
        throw new PredictorInputError(`feature ${feature} of row ${row} is NaN: a tree model would route it silently; wait for the feature's warm-up or fill the gap before predicting`, row, feature);
      }
    }
    if (rows === 0) return new Float32Array(0);
    const feeds = { [this.inputName]: new ort.Tensor('float32', values, [rows, F]) };
    const out = await this.session.run(feeds, [ONNX_PROBABILITIES]);
    const probs = out[ONNX_PROBABILITIES]?.data;
    if (!(probs instanceof Float32Array) || probs.length !== rows * 2) {
      throw new PredictorOpenError(`the model's ${ONNX_PROBABILITIES} output is not float32 [${rows}, 2]`);
    }
    const positive = new Float32Array(rows);
    for (let r = 0; r < rows; r++) positive[r] = probs[r * 2 + 1] as number;
    return positive;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}
