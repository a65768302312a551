/**
 * LightGBM's text model (what `Booster.save_model` writes) → TreeModel, for binary models.
 *
 * What LightGBM's format says and what we do with it:
 * - `leaf_value` already has the tree's `shrinkage` applied (LightGBM scales the leaves in place
 *   and records the rate), and with boost_from_average the initial score is folded into tree 0's
 *   leaves; so the margin is just Σ leaf values and baseScore is 0.
 * - `objective=binary sigmoid:k`: probability = 1/(1+exp(-k·raw)). k ≠ 1 is folded into the
 *   leaves (each × k), so the model's margin is k·raw_score and its probability is LightGBM's.
 * - A numerical split sends `fval <= threshold` (doubles) left. Inputs are float32, so the
 *   threshold becomes the largest float32 <= threshold: the same side for every float32 input.
 * - decision_type bits: 1 = categorical (refused), 2 = default_left, bits 2-3 = missing type.
 *   None: LightGBM maps NaN to 0, so NaN goes where 0 goes. NaN: NaN goes the default way.
 *   Zero: values within ±1e-35 go the default way; accepted only where that is where `<=`
 *   sends 0 anyway (else refused: ONNX cannot say it). The predictor refuses NaN inputs in any
 *   case; this only keeps LightGBM's own rule in the exported file.
 */
import { roundDownToFloat32 } from './float32.ts';
import { TreeModel, TreeModelError, type Tree, type TreeNode } from './tree-model.ts';

/** A model.txt that cannot be read as a binary numerical-split model; the message names the line. */
export class LightGbmFormatError extends Error {
  override readonly name = 'LightGbmFormatError';
}

export interface LightGbmModel {
  readonly model: TreeModel;
  readonly featureNames: readonly string[];
  /** The `sigmoid:k` of the objective (folded into the leaves when not 1). */
  readonly sigmoid: number;
}

const CATEGORICAL = 1;
const DEFAULT_LEFT = 2;
const K_ZERO_THRESHOLD = 1.0000000180025095e-35;

interface Field {
  readonly value: string;
  readonly line: number;
}

export function parseLightGbm(text: string, source = 'model.txt'): LightGbmModel {
  const fail = (line: number, what: string): never => {
    throw new LightGbmFormatError(`${source} line ${line}: ${what}`);
  };
  const lines = text.split(/\r?\n/);
  const header = new Map<string, Field>();
  const trees: { index: number; line: number; fields: Map<string, Field> }[] = [];
  let current: Map<string, Field> = header;
  let sawEnd = false;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    const no = i + 1;
    if (line === 'end of trees') { sawEnd = true; break; }
    if (line === '' || line === 'tree') continue;
    const eq = line.indexOf('=');
    if (eq < 0) fail(no, `"${line.slice(0, 60)}" is not key=value; is this a LightGBM model.txt (save_model)?`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === 'Tree') {
      current = new Map();
      trees.push({ index: Number(value), line: no, fields: current });
      continue;
    }
    current.set(key, { value, line: no });
  }
  if (header.size === 0) fail(1, 'no header: the file is empty or not a LightGBM text model');
  if (!sawEnd) fail(lines.length, 'no "end of trees" line: the file is truncated');

  const need = (fields: Map<string, Field>, key: string, where: number): Field =>
    fields.get(key) ?? fail(where, `missing ${key}=`);

  const objective = need(header, 'objective', 1);
  const obj = /^binary(?:\s+sigmoid:(\S+))?\s*$/.exec(objective.value);
  if (obj === null) fail(objective.line, `objective "${objective.value}" is not binary: only binary classifiers can be imported`);
  const sigmoid = obj?.[1] === undefined ? 1 : Number(obj[1]);
  if (!(sigmoid > 0) || !Number.isFinite(sigmoid)) fail(objective.line, `sigmoid:${obj?.[1]} is not a positive number`);
  for (const key of ['num_class', 'num_tree_per_iteration']) {
    const f = header.get(key);
    if (f !== undefined && f.value !== '1') fail(f.line, `${key}=${f.value}: only one-output binary models can be imported`);
  }
  const maxIdx = need(header, 'max_feature_idx', 1);
  const featureCount = Number(maxIdx.value) + 1;
  if (!Number.isInteger(featureCount) || featureCount < 1) fail(maxIdx.line, `max_feature_idx=${maxIdx.value} is not a non-negative integer`);
  const namesField = need(header, 'feature_names', 1);
  const featureNames = namesField.value.split(/\s+/).filter((s) => s !== '');
  if (featureNames.length !== featureCount) {
    fail(namesField.line, `${featureNames.length} feature_names but max_feature_idx=${maxIdx.value} (${featureCount} features)`);
  }
  if (trees.length === 0) fail(lines.length, 'no Tree= sections');

  const out: Tree[] = trees.map((t, k) => {
    if (t.index !== k) fail(t.line, `Tree=${t.index} where Tree=${k} was expected`);
    return readTree(t.fields, t.line, featureCount, sigmoid, fail);
  });
  try {
    return { model: new TreeModel({ featureCount, trees: out, baseScore: 0 }), featureNames, sigmoid };
  } catch (err) {
    if (err instanceof TreeModelError) throw new LightGbmFormatError(`${source}: ${err.message}`);
    throw err;
  }
}

function readTree(
  fields: Map<string, Field>, treeLine: number, featureCount: number, sigmoid: number,
  fail: (line: number, what: string) => never,
): Tree {
  const field = (key: string): Field => fields.get(key) ?? fail(treeLine, `tree has no ${key}=`);
  const numbers = (key: string, count: number, integer: boolean): number[] => {
    const f = field(key);
    const parts = f.value.trim() === '' ? [] : f.value.trim().split(/\s+/);
    if (parts.length !== count) fail(f.line, `${key} has ${parts.length} values, expected ${count}`);
    return parts.map((p, i) => {
      const v = Number(p);
      if (!Number.isFinite(v) || (integer && !Number.isInteger(v))) fail(f.line, `${key} value ${i} "${p}" is not ${integer ? 'an integer' : 'a finite number'}`);
      return v;
    });
  };
  const numLeaves = numbers('num_leaves', 1, true)[0] as number;
  if (numLeaves < 1) fail(field('num_leaves').line, `num_leaves=${numLeaves}`);
  const numCat = fields.get('num_cat');
  if (numCat !== undefined && numCat.value !== '0') fail(numCat.line, `num_cat=${numCat.value}: categorical splits cannot be imported; retrain with the features numerical`);
  const linear = fields.get('is_linear');
  if (linear !== undefined && linear.value !== '0') fail(linear.line, 'is_linear=1: linear trees cannot be imported; retrain with linear_tree=false');
  const leaves = numbers('leaf_value', numLeaves, false).map((v) => v * sigmoid);
  const internal = numLeaves - 1;
  if (internal === 0) return { nodes: [{ kind: 'leaf', value: leaves[0] as number }] };

  const features = numbers('split_feature', internal, true);
  const thresholds = numbers('threshold', internal, false);
  const decisions = numbers('decision_type', internal, true);
  const lefts = numbers('left_child', internal, true);
  const rights = numbers('right_child', internal, true);
  const at = (child: number): number => (child >= 0 ? child : internal + ~child); // leaf j is stored as ~j
  const nodes: TreeNode[] = [];
  for (let i = 0; i < internal; i++) {
    const decision = decisions[i] as number;
    const threshold = thresholds[i] as number;
    const feature = features[i] as number;
    if (feature >= featureCount) fail(field('split_feature').line, `split_feature ${i} is ${feature}, beyond max_feature_idx`);
    if ((decision & CATEGORICAL) !== 0) {
      fail(field('decision_type').line, `node ${i} is a categorical split: only numerical splits can be imported`);
    }
    const defaultLeft = (decision & DEFAULT_LEFT) !== 0;
    const missingType = (decision >> 2) & 3;
    let missingGoesLeft: boolean;
    if (missingType === 0) missingGoesLeft = 0 <= threshold; // NaN is read as 0
    else if (missingType === 2) missingGoesLeft = defaultLeft;
    else if (missingType === 1) {
      if (Math.abs(threshold) <= K_ZERO_THRESHOLD || defaultLeft !== (0 <= threshold)) {
        fail(field('decision_type').line, `node ${i} treats zero as missing and sends it ${defaultLeft ? 'left' : 'right'}, against its threshold ${threshold}: ONNX cannot express that; retrain with zero_as_missing=false`);
      }
      missingGoesLeft = defaultLeft;
    } else {
      fail(field('decision_type').line, `node ${i} has decision_type ${decision} (missing type ${missingType} is unknown)`);
    }
    nodes.push({
      kind: 'split', feature, threshold: roundDownToFloat32(threshold),
      left: at(lefts[i] as number), right: at(rights[i] as number), missingGoesLeft,
    });
  }
  for (const value of leaves) nodes.push({ kind: 'leaf', value });
  return { nodes };
}
