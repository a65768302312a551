/**
 * An existing ONNX file holding a binary ai.onnx.ml TreeEnsembleClassifier → TreeModel, checked
 * against the feature names it is to be kept with. The caller re-exports it (onnx-export.ts), so
 * what parity runs is always the one shape its predictor knows (input `input`, outputs `label`
 * and `probabilities`, no ZipMap), whatever converter wrote the original:
 * - a ZipMap after the classifier (skl2onnx / onnxmltools default) is dropped, with a note;
 * - BRANCH_LT / BRANCH_GT / BRANCH_GTE become BRANCH_LEQ on the neighbouring float32 (children
 *   swapped for GT/GTE); BRANCH_EQ / BRANCH_NEQ are refused;
 * - post_transform must be LOGISTIC and the leaf weights go to one class (a one-margin model).
 */
import onnxProto from 'onnx-proto';
import { nextDownFloat32 } from './float32.ts';
import { ML_DOMAIN } from './onnx-export.ts';
import { TreeModel, TreeModelError, type Tree, type TreeNode } from './tree-model.ts';

const { onnx } = onnxProto;
type Attribute = onnxProto.onnx.IAttributeProto;

/** An ONNX file parity cannot keep as a binary tree model; the message says what to change. */
export class OnnxImportError extends Error {
  override readonly name = 'OnnxImportError';
}

export interface OnnxImport {
  readonly model: TreeModel;
  /** What was changed on the way in (a dropped ZipMap, rewritten comparison modes). */
  readonly notes: readonly string[];
}

export interface OnnxInputShape {
  readonly name: string;
  /** The width of [N, F], or null when the file leaves it symbolic. */
  readonly width: number | null;
}

/** Supported by onnxruntime for TreeEnsembleClassifier (opset 5 replaces it with TreeEnsemble). */
const ML_OPSETS = [1, 2, 3, 4];

export function decodeModel(bytes: Uint8Array, source: string): onnxProto.onnx.ModelProto {
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new OnnxImportError(`${source} is not an ONNX model (${(err as Error).message}): give the .onnx file itself`);
  }
}

/** The one float tensor input of an ONNX model, and its width. */
export function onnxInputShape(bytes: Uint8Array, source = 'the ONNX file'): OnnxInputShape {
  return inputOf(decodeModel(bytes, source), source);
}

function inputOf(m: onnxProto.onnx.ModelProto, source: string): OnnxInputShape {
  const inputs = m.graph?.input ?? [];
  if (inputs.length !== 1) throw new OnnxImportError(`${source} has ${inputs.length} inputs; a tree model takes one [N, F] float tensor`);
  const input = inputs[0] as onnxProto.onnx.IValueInfoProto;
  const tensor = input.type?.tensorType;
  if (tensor?.elemType !== onnx.TensorProto.DataType.FLOAT) {
    throw new OnnxImportError(`${source}: input ${input.name} is not a float32 tensor; export the model with float inputs`);
  }
  const dims = tensor.shape?.dim ?? [];
  if (dims.length !== 2) throw new OnnxImportError(`${source}: input ${input.name} has ${dims.length} dimensions; want [N, F]`);
  const w = dims[1]?.dimValue;
  const width = w === undefined || w === null || Number(w) <= 0 ? null : Number(w);
  return { name: input.name ?? '', width };
}

export function importOnnx(bytes: Uint8Array, featureNames: readonly string[], source = 'the ONNX file'): OnnxImport {
  const fail = (what: string): never => {
    throw new OnnxImportError(`${source}: ${what}`);
  };
  const m = decodeModel(bytes, source);
  const notes: string[] = [];
  const ml = (m.opsetImport ?? []).find((o) => o.domain === ML_DOMAIN);
  const mlVersion = Number(ml?.version ?? 0);
  if (!ML_OPSETS.includes(mlVersion)) {
    fail(ml === undefined ? `imports no ${ML_DOMAIN} opset: it holds no TreeEnsembleClassifier` : `${ML_DOMAIN} opset ${mlVersion}: onnxruntime runs TreeEnsembleClassifier under opsets 1-4; convert with target_opset {'${ML_DOMAIN}': 3}`);
  }
  const nodes = m.graph?.node ?? [];
  const trees = nodes.filter((n) => n.opType === 'TreeEnsembleClassifier' && n.domain === ML_DOMAIN);
  if (trees.length !== 1) fail(`has ${trees.length} TreeEnsembleClassifier nodes; want exactly one`);
  for (const n of nodes) {
    if (n === trees[0]) continue;
    if (n.opType === 'ZipMap') notes.push('dropped the ZipMap output (onnxruntime-node cannot return maps); probabilities come from the classifier');
    else fail(`has a ${n.opType} node besides the classifier; parity keeps a lone TreeEnsembleClassifier (convert without it)`);
  }
  const input = inputOf(m, source);
  if (input.width !== null && input.width !== featureNames.length) {
    fail(`takes ${input.width} features but ${featureNames.length} feature names were given (${featureNames.join(', ')}); give one name per input column, in order`);
  }
  const node = trees[0] as onnxProto.onnx.INodeProto;
  if (node.input?.[0] !== input.name) fail(`the classifier reads ${node.input?.[0]}, not the graph input ${input.name}`);
  const model = treeModelOf(node.attribute ?? [], featureNames.length, notes, fail);
  return { model, notes };
}

function treeModelOf(attrs: readonly Attribute[], featureCount: number, notes: string[], fail: (what: string) => never): TreeModel {
  const byName = new Map(attrs.map((a) => [a.name ?? '', a]));
  for (const name of ['nodes_values_as_tensor', 'class_weights_as_tensor', 'base_values_as_tensor']) {
    if (byName.has(name)) fail(`uses ${name} (double precision); export with float attributes`);
  }
  const ints = (name: string, required = true): number[] => {
    const a = byName.get(name);
    if (a === undefined) return required ? fail(`the classifier has no ${name}`) : [];
    return (a.ints ?? []).map((v) => Number(v));
  };
  const floats = (name: string, required = true): number[] => {
    const a = byName.get(name);
    if (a === undefined) return required ? fail(`the classifier has no ${name}`) : [];
    return (a.floats ?? []).map((v) => Math.fround(v));
  };
  const text = (b: Uint8Array): string => new TextDecoder().decode(b);
  const post = byName.get('post_transform')?.s;
  const postTransform = post === undefined || post === null ? 'NONE' : text(post);
  if (postTransform !== 'LOGISTIC') fail(`post_transform is ${postTransform}; parity keeps margin models with LOGISTIC (a sigmoid over the summed leaves)`);
  if (byName.has('classlabels_strings')) fail('has string class labels; export with classlabels_int64s [0, 1]');
  const labels = ints('classlabels_int64s');
  if (labels.length !== 2) fail(`has ${labels.length} class labels; only binary classifiers can be kept`);

  const treeIds = ints('nodes_treeids');
  const nodeIds = ints('nodes_nodeids');
  const featureIds = ints('nodes_featureids');
  const values = floats('nodes_values');
  const trueIds = ints('nodes_truenodeids');
  const falseIds = ints('nodes_falsenodeids');
  const modes = (byName.get('nodes_modes')?.strings ?? []).map(text);
  const missing = ints('nodes_missing_value_tracks_true', false);
  const count = treeIds.length;
  for (const [name, arr] of [['nodes_nodeids', nodeIds], ['nodes_featureids', featureIds], ['nodes_values', values], ['nodes_truenodeids', trueIds], ['nodes_falsenodeids', falseIds], ['nodes_modes', modes]] as const) {
    if (arr.length !== count) fail(`${name} has ${arr.length} entries, nodes_treeids ${count}`);
  }
  if (missing.length !== 0 && missing.length !== count) fail(`nodes_missing_value_tracks_true has ${missing.length} entries, nodes_treeids ${count}`);

  const cTree = ints('class_treeids');
  const cNode = ints('class_nodeids');
  const cIds = ints('class_ids');
  const cWeights = floats('class_weights');
  if (cNode.length !== cTree.length || cIds.length !== cTree.length || cWeights.length !== cTree.length) fail('class_treeids, class_nodeids, class_ids and class_weights differ in length');
  const classes = new Set(cIds);
  if (classes.size !== 1) fail(`leaf weights go to ${classes.size} classes; parity keeps one-margin binary models (all class_ids equal)`);
  const cls = cIds[0] as number;
  const base = floats('base_values', false);
  let baseScore = 0;
  if (cls === 0 && base.length <= 1) baseScore = base[0] ?? 0;
  else if (cls === 1 && base.length === 0) baseScore = 0;
  else fail(`base_values of length ${base.length} with class ${cls} weights: onnxruntime reads that as something other than one margin; want class 0 with at most one base value`);
  if (cWeights.every((w) => !(w < 0))) notes.push('all leaf weights are >= 0: some onnxruntime builds skip the sigmoid on such a file; the kept model applies it, as post_transform says');

  const weightOf = new Map<string, number>();
  cTree.forEach((t, i) => {
    const key = `${t}:${cNode[i]}`;
    if (weightOf.has(key)) fail(`tree ${t} node ${cNode[i]} has more than one leaf weight`);
    weightOf.set(key, cWeights[i] as number);
  });

  // Group node entries by tree, in order of first appearance.
  const perTree = new Map<number, number[]>();
  treeIds.forEach((t, i) => {
    const list = perTree.get(t);
    if (list === undefined) perTree.set(t, [i]);
    else list.push(i);
  });
  let rewritten = 0;
  const out: Tree[] = [];
  for (const [t, entries] of perTree) {
    const local = new Map<number, number>(); // node id → entry
    for (const e of entries) {
      const id = nodeIds[e] as number;
      if (local.has(id)) fail(`tree ${t} has node id ${id} twice`);
      local.set(id, e);
    }
    const children = new Set<number>();
    for (const e of entries) if (modes[e] !== 'LEAF') children.add(trueIds[e] as number).add(falseIds[e] as number);
    const roots = entries.filter((e) => !children.has(nodeIds[e] as number));
    if (roots.length !== 1) fail(`tree ${t} has ${roots.length} roots; want one`);
    // Root first, then the rest in file order: TreeModel wants nodes[0] to be the root.
    const ordered = [roots[0] as number, ...entries.filter((e) => e !== roots[0])];
    const indexOf = new Map(ordered.map((e, i) => [nodeIds[e] as number, i]));
    const childIndex = (id: number, from: number): number =>
      indexOf.get(id) ?? fail(`tree ${t} node ${nodeIds[from]} points at node ${id}, which the tree does not have`);
    const nodesOut: TreeNode[] = ordered.map((e): TreeNode => {
      const mode = modes[e] as string;
      const id = nodeIds[e] as number;
      if (mode === 'LEAF') {
        const w = weightOf.get(`${t}:${id}`);
        if (w === undefined) fail(`tree ${t} leaf ${id} has no class weight`);
        return { kind: 'leaf', value: w as number };
      }
      const v = values[e] as number;
      const tracksTrue = (missing[e] ?? 0) === 1;
      const trueIx = childIndex(trueIds[e] as number, e);
      const falseIx = childIndex(falseIds[e] as number, e);
      const feature = featureIds[e] as number;
      if (feature < 0 || feature >= featureCount) fail(`tree ${t} node ${id} reads feature ${feature}, beyond the ${featureCount} named`);
      switch (mode) {
        case 'BRANCH_LEQ': return { kind: 'split', feature, threshold: v, left: trueIx, right: falseIx, missingGoesLeft: tracksTrue };
        case 'BRANCH_LT': rewritten++; return { kind: 'split', feature, threshold: nextDownFloat32(v), left: trueIx, right: falseIx, missingGoesLeft: tracksTrue };
        case 'BRANCH_GT': rewritten++; return { kind: 'split', feature, threshold: v, left: falseIx, right: trueIx, missingGoesLeft: !tracksTrue };
        case 'BRANCH_GTE': rewritten++; return { kind: 'split', feature, threshold: nextDownFloat32(v), left: falseIx, right: trueIx, missingGoesLeft: !tracksTrue };
        default: return fail(`tree ${t} node ${id} has mode ${mode}; only LEQ/LT/GT/GTE comparisons and LEAF can be kept`);
      }
    });
    out.push({ nodes: nodesOut });
  }
  if (rewritten > 0) notes.push(`rewrote ${rewritten} LT/GT/GTE comparisons as x <= (float32) threshold`);
  try {
    return new TreeModel({ featureCount, trees: out, baseScore });
  } catch (err) {
    if (err instanceof TreeModelError) fail(err.message);
    throw err;
  }
}
