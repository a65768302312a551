/**
 * A model folder, `models/NAME/`: `model.onnx` (what onnxruntime runs) and `metadata.json` (what
 * the model expects and where it came from). The engine refuses a model whose metadata's feature
 * names or order differ from the strategy's, so the metadata is written with the model, always.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { writeFileDurable } from '../util/durable-file.ts';
import { zodMessage } from '../util/zod-message.ts';
import { onnxInputShape, OnnxImportError } from './onnx-import.ts';

export const MODEL_FILE = 'model.onnx';
export const METADATA_FILE = 'metadata.json';
export const METADATA_VERSION = 1;

/** A model folder that cannot be read or written; the message names the file (and field) to fix. */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
}

const ReferenceBinsSchema = z.object({
  feature: z.string().min(1),
  edges: z.array(z.number()).readonly(),
  counts: z.array(z.number().int().nonnegative()).readonly(),
}).refine((b) => b.counts.length === b.edges.length + 1, { message: 'counts must have one more entry than edges' });

export const ModelMetadataSchema = z.object({
  version: z.literal(METADATA_VERSION),
  /** The model's input columns, in order. */
  featureNames: z.array(z.string().min(1)).min(1).readonly(),
  /** What the positive class means, e.g. { kind: 'fwd-return', horizon: 15, threshold: 0.001 }. */
  label: z.object({ kind: z.string().min(1) }).catchall(z.unknown()),
  source: z.enum(['parity-gbdt', 'lightgbm', 'onnx']),
  createdAt: z.iso.datetime(),
  /** First and last bar time (ms since the epoch) of the training rows; null for an imported model. */
  trainingWindow: z.object({ firstTs: z.number().int(), lastTs: z.number().int() })
    .refine((w) => w.firstTs <= w.lastTs, { message: 'firstTs must not be after lastTs' }).nullable(),
  /** sha256 of the training rows (training-summary.ts hashTrainingRows); null when unknown. */
  dataHash: z.string().regex(/^[0-9a-f]{64}$/, 'want 64 lowercase hex digits (sha256)').nullable(),
  trainingRows: z.number().int().nonnegative().nullable(),
  /** The training distribution of each feature, in featureNames order; empty when unknown. */
  referenceBins: z.array(ReferenceBinsSchema).readonly(),
  /** Trainer options, importer notes: free-form, for people. */
  training: z.record(z.string(), z.unknown()).optional(),
  notes: z.array(z.string()).optional(),
}).superRefine((m, ctx) => {
  if (m.referenceBins.length > 0) {
    const names = m.referenceBins.map((b) => b.feature);
    if (names.length !== m.featureNames.length || names.some((n, i) => n !== m.featureNames[i])) {
      ctx.addIssue({ code: 'custom', path: ['referenceBins'], message: `features ${names.join(', ')} differ from featureNames ${m.featureNames.join(', ')}` });
    }
  }
  if (new Set(m.featureNames).size !== m.featureNames.length) {
    ctx.addIssue({ code: 'custom', path: ['featureNames'], message: 'a feature name appears twice' });
  }
  if (m.source === 'parity-gbdt') {
    for (const key of ['trainingWindow', 'dataHash', 'trainingRows'] as const) {
      if (m[key] === null) ctx.addIssue({ code: 'custom', path: [key], message: 'a model parity trained must record it' });
    }
  }
});

export type ModelMetadata = z.infer<typeof ModelMetadataSchema>;

/** Writes `folder/model.onnx` and `folder/metadata.json` (each replaced whole), creating the folder. */
export function writeModelFolder(folder: string, onnxBytes: Uint8Array, metadata: ModelMetadata): void {
  const parsed = ModelMetadataSchema.safeParse(metadata);
  if (!parsed.success) throw new ModelFileError(`metadata for ${folder} is invalid: ${zodMessage(parsed.error)}`);
  checkWidth(onnxBytes, parsed.data.featureNames, join(folder, MODEL_FILE));
  try {
    mkdirSync(folder, { recursive: true });
    writeFileDurable(join(folder, MODEL_FILE), onnxBytes);
    writeFileDurable(join(folder, METADATA_FILE), `${JSON.stringify(parsed.data, null, 2)}\n`);
  } catch (err) {
    throw new ModelFileError(`cannot write the model folder ${folder} (${(err as Error).message}): give an --out folder you can write`);
  }
}

export function readModelMetadata(folder: string): ModelMetadata {
  const path = join(folder, METADATA_FILE);
  const text = readText(path, folder);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(`${path} is not JSON (${(err as Error).message}); rewrite it or train the model again`);
  }
  const parsed = ModelMetadataSchema.safeParse(json);
  if (!parsed.success) throw new ModelFileError(`${path} does not match the model metadata schema: ${zodMessage(parsed.error)}`);
  return parsed.data;
}

export interface ModelFolder {
  readonly metadata: ModelMetadata;
  readonly onnx: Uint8Array;
}

/** Both files, checked against each other (the ONNX input width equals the number of feature names). */
export function readModelFolder(folder: string): ModelFolder {
  const metadata = readModelMetadata(folder);
  const path = join(folder, MODEL_FILE);
  if (!existsSync(path)) throw new ModelFileError(`no ${MODEL_FILE} in ${folder} (its ${METADATA_FILE} is there): train or import the model again`);
  const onnx = readBytes(path, folder);
  checkWidth(onnx, metadata.featureNames, path);
  return { metadata, onnx };
}

function readText(path: string, folder: string): string {
  if (existsSync(folder) && !statSync(folder).isDirectory()) {
    throw new ModelFileError(`${folder} is a file, not a model folder: give its folder (${dirname(folder)}), which holds ${MODEL_FILE} and ${METADATA_FILE}`);
  }
  if (!existsSync(folder)) {
    throw new ModelFileError(`model folder ${folder} does not exist: train it with \`parity train\` or import one`);
  }
  if (!existsSync(path)) throw new ModelFileError(`no ${METADATA_FILE} in ${folder}: a model folder holds ${MODEL_FILE} and ${METADATA_FILE}; train or import the model again`);
  return new TextDecoder().decode(readBytes(path, folder));
}

/** A file of the model folder, or a ModelFileError naming it (a folder in its place, no read permission). */
function readBytes(path: string, folder: string): Uint8Array {
  if (!statSync(path).isFile()) throw new ModelFileError(`${path} is not a file: a model folder holds the files ${MODEL_FILE} and ${METADATA_FILE}; train or import the model again into ${folder}`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (err) {
    throw new ModelFileError(`cannot read ${path} (${(err as Error).message}): check its permissions, or train or import the model again into ${folder}`);
  }
}

function checkWidth(onnx: Uint8Array, featureNames: readonly string[], path: string): void {
  try {
    const { width } = onnxInputShape(onnx, path);
    if (width !== null && width !== featureNames.length) {
      throw new ModelFileError(`${path} takes ${width} features but the metadata names ${featureNames.length} (${shortList(featureNames)}): the two files do not belong together; train or import the model again`);
    }
  } catch (err) {
    if (err instanceof OnnxImportError) throw new ModelFileError(err.message);
    throw err;
  }
}

/** At most the first 20 names: an error line stays one line whatever the metadata holds. */
function shortList(names: readonly string[]): string {
  return names.length <= 20 ? names.join(', ') : `${names.slice(0, 20).join(', ')}, ... ${names.length - 20} more`;
}
