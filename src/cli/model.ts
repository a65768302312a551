/**
 * `parity model import`: a tree model trained elsewhere (LightGBM's model.txt, or an ONNX
 * TreeEnsembleClassifier) into a model folder, re-exported as the ONNX parity runs, with metadata.
 * `parity model show`: what a model folder holds and where it came from.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { Command } from 'commander';
// The model layer loads with the command that uses it (onnx-proto): not on every `parity` start.
import type { ModelMetadata, TreeModel } from '../ml/index.ts';
import { labelMetadata, parseLabel } from '../ml/labels.ts';
import { UsageError } from './errors.ts';
import { asUsageErrors, checkOutFolder } from './train.ts';

interface ImportFlags {
  out: string;
  features?: string;
  label?: string;
  force?: boolean;
}

export function registerModel(program: Command): void {
  const model = program.command('model').description('import and inspect model folders (models/NAME: model.onnx + metadata.json)');
  model
    .command('import')
    .description('import a binary tree classifier: a LightGBM model.txt (save_model; feature names from the file) or an .onnx TreeEnsembleClassifier (give --features)')
    .argument('<file>', 'LightGBM model.txt, or an .onnx file')
    .requiredOption('-o, --out <folder>', 'model folder to write, e.g. models/NAME (refused if it exists, unless --force)')
    .option('--features <list>', 'the input columns in order, comma-separated: required for .onnx; for LightGBM it must equal the file\'s feature_names')
    .option('--label <spec>', 'what the positive class means, recorded in the metadata (e.g. fwd-return:10:0)')
    .option('--force', 'replace the model in an existing --out folder')
    .action(async (file: string, f: ImportFlags) => {
      await asUsageErrors(() => importModel(file, f));
    });
  model
    .command('show')
    .description('print a model folder\'s metadata: features, label, source, training window, validation')
    .argument('<folder>', 'the model folder, e.g. models/NAME')
    .option('--json', 'print the metadata as JSON')
    .action(async (folder: string, f: { json?: boolean }) => {
      await asUsageErrors(() => show(folder, f.json === true));
    });
}

function namesOf(list: string): string[] {
  const names = list.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new UsageError(`--features "${list}" has an empty name: separate names by single commas`);
  return names;
}

const MODEL_FILE = 'model.onnx';

async function importModel(file: string, f: ImportFlags): Promise<void> {
  const { exportOnnx, importOnnx, parseLightGbm, writeModelFolder, METADATA_VERSION } = await import('../ml/index.ts');
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file} does not exist: give the path of a LightGBM model.txt or an .onnx file`);
  checkOutFolder(f.out, f.force === true);
  const given = f.features !== undefined ? namesOf(f.features) : undefined;
  const notes: string[] = [];
  let model: TreeModel;
  let featureNames: readonly string[];
  let source: ModelMetadata['source'];
  if (extname(file).toLowerCase() === '.onnx') {
    if (given === undefined) throw new UsageError(`${file}: an ONNX file does not name its inputs as features; give --features a,b,c (one name per input column, in order)`);
    const r = importOnnx(new Uint8Array(readFileSync(file)), given, file);
    model = r.model;
    featureNames = given;
    source = 'onnx';
    notes.push(...r.notes);
  } else {
    const text = readFileSync(file, 'utf8');
    const r = parseLightGbm(text, file);
    if (given !== undefined && (given.length !== r.featureNames.length || given.some((n, i) => n !== r.featureNames[i]))) {
      throw new UsageError(`--features ${given.join(',')} differs from the file's feature_names ${r.featureNames.join(',')}: the file's names are the model's inputs; leave --features out, or retrain with the names you mean`);
    }
    model = r.model;
    featureNames = r.featureNames;
    source = 'lightgbm';
    if (r.sigmoid !== 1) notes.push(`sigmoid:${r.sigmoid} folded into the leaf values`);
  }
  const metadata: ModelMetadata = {
    version: METADATA_VERSION,
    featureNames: [...featureNames],
    label: f.label !== undefined ? labelMetadata(parseLabel(f.label)) : { kind: 'unknown', note: 'imported without --label' },
    source,
    createdAt: new Date().toISOString(),
    trainingWindow: null,
    dataHash: null,
    trainingRows: null,
    referenceBins: [],
    training: { importedFrom: basename(file), sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), trees: model.trees.length },
    ...(notes.length > 0 ? { notes } : {}),
  };
  writeModelFolder(f.out, exportOnnx(model, { docString: `imported from ${basename(file)}` }), metadata);
  process.stdout.write(`imported ${basename(file)} (${source}, ${model.trees.length} trees, features ${featureNames.join(', ')})\n${notes.map((n) => `note: ${n}\n`).join('')}wrote ${join(f.out, MODEL_FILE)} and metadata.json\n`);
}

async function show(folder: string, json: boolean): Promise<void> {
  const { readModelFolder } = await import('../ml/model-files.ts');
  const { metadata: m, onnx } = readModelFolder(folder);
  if (json) {
    process.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
    return;
  }
  const iso = (ms: number): string => new Date(ms).toISOString();
  const label = typeof m.label.text === 'string' ? m.label.text
    : m.label.kind === 'unknown' ? 'unknown (import with --label fwd-return:H:THRESH to record it)' : JSON.stringify(m.label);
  const lines = [
    `model     ${folder}`,
    `source    ${m.source}, created ${m.createdAt}`,
    `features  ${m.featureNames.join(', ')}`,
    `label     ${label}`,
    `training  ${m.trainingWindow !== null ? `${iso(m.trainingWindow.firstTs)} .. ${iso(m.trainingWindow.lastTs)}` : 'window unknown'}${m.trainingRows !== null ? `, ${m.trainingRows} rows` : ''}`,
    `data hash ${m.dataHash ?? 'unknown'}`,
    `onnx      ${MODEL_FILE} ${onnx.length} bytes, sha256 ${createHash('sha256').update(onnx).digest('hex')}`,
  ];
  const validation = (m.training as { validation?: { scheme?: string; folds?: number; embargoBars?: number; results?: { index?: number; testRows?: number; auc?: number | null; logLoss?: number }[] } } | undefined)?.validation;
  if (validation?.results !== undefined) {
    lines.push(`validation ${validation.scheme ?? ''}, ${validation.folds ?? validation.results.length} folds, embargo ${validation.embargoBars ?? 0} bars`);
    for (const r of validation.results) {
      lines.push(`  fold ${r.index}: ${r.testRows} test rows, AUC ${r.auc == null ? '-' : r.auc.toFixed(3)}, log loss ${r.logLoss?.toFixed(4) ?? '-'}`);
    }
  }
  for (const n of m.notes ?? []) lines.push(`note      ${n}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
