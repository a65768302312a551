/**
 * TreeModel → ONNX bytes: one ai.onnx.ml TreeEnsembleClassifier (opset 3) reading a float32
 * `input` [N, F] and writing `label` (int64 [N]) and `probabilities` (float32 [N, 2]), no ZipMap
 * (onnxruntime-node cannot return its map output).
 *
 * How onnxruntime scores one binary target (tree_ensemble_aggregator.h, ml_common.h):
 * - every leaf weight goes to class id 0, so the classes seen are {0} and it takes the binary path;
 * - one `base_values` entry is added to that class-0 score (two entries would be read as a
 *   binary-as-multiclass model), giving the margin s;
 * - with LOGISTIC and at least one negative weight, probabilities = [σ(-s), σ(s)].
 *   The aggregator source (weights_are_all_positive_) writes [1 - s, s] with no sigmoid when NO
 *   class weight is negative; onnxruntime-node 1.30 applies the sigmoid either way (measured, see
 *   test/ml/onnx-import.test.ts), other builds may not. So a model whose leaves are all >= 0 gets
 *   one extra single-leaf tree of weight -2^-126 (the smallest normal float32): it keeps every
 *   runtime on the sigmoid path and changes no float32 sum of magnitude above ~1e-31.
 * Splits are BRANCH_LEQ (x <= value → true node = TreeModel's left); leaves are LEAF.
 */
import onnxProto from 'onnx-proto';
import type { TreeModel } from './tree-model.ts';

const { onnx } = onnxProto;

export const ONNX_INPUT = 'input';
export const ONNX_LABEL = 'label';
export const ONNX_PROBABILITIES = 'probabilities';
export const ML_DOMAIN = 'ai.onnx.ml';
export const ML_OPSET = 3;
const DEFAULT_OPSET = 15;
const IR_VERSION = 8;
/** -2^-126: negative, normal (not flushed by denormals-are-zero), negligible in any float32 sum. */
const SIGN_GUARD_WEIGHT = -1.1754943508222875e-38;

export interface ExportOptions {
  /** Written into the file's doc string (not read back by anything). */
  readonly docString?: string;
}

export function exportOnnx(model: TreeModel, options: ExportOptions = {}): Uint8Array {
  const nodes = {
    treeids: [] as number[], nodeids: [] as number[], featureids: [] as number[], modes: [] as string[],
    values: [] as number[], truenodeids: [] as number[], falsenodeids: [] as number[], missingTrue: [] as number[],
  };
  const cls = { treeids: [] as number[], nodeids: [] as number[], ids: [] as number[], weights: [] as number[] };
  const addLeaf = (tree: number, node: number, value: number): void => {
    nodes.treeids.push(tree); nodes.nodeids.push(node); nodes.featureids.push(0); nodes.modes.push('LEAF');
    nodes.values.push(0); nodes.truenodeids.push(0); nodes.falsenodeids.push(0); nodes.missingTrue.push(0);
    cls.treeids.push(tree); cls.nodeids.push(node); cls.ids.push(0); cls.weights.push(Math.fround(value));
  };
  model.trees.forEach((tree, t) => {
    tree.nodes.forEach((node, i) => {
      if (node.kind === 'leaf') {
        addLeaf(t, i, node.value);
        return;
      }
      nodes.treeids.push(t); nodes.nodeids.push(i); nodes.featureids.push(node.feature); nodes.modes.push('BRANCH_LEQ');
      nodes.values.push(node.threshold); nodes.truenodeids.push(node.left); nodes.falsenodeids.push(node.right);
      nodes.missingTrue.push(node.missingGoesLeft ? 1 : 0);
    });
  });
  if (cls.weights.every((w) => !(w < 0))) addLeaf(model.trees.length, 0, SIGN_GUARD_WEIGHT);

  const attributes: onnxProto.onnx.IAttributeProto[] = [
    ints('nodes_treeids', nodes.treeids), ints('nodes_nodeids', nodes.nodeids), ints('nodes_featureids', nodes.featureids),
    strings('nodes_modes', nodes.modes), floats('nodes_values', nodes.values),
    ints('nodes_truenodeids', nodes.truenodeids), ints('nodes_falsenodeids', nodes.falsenodeids),
    ints('nodes_missing_value_tracks_true', nodes.missingTrue),
    ints('class_treeids', cls.treeids), ints('class_nodeids', cls.nodeids), ints('class_ids', cls.ids),
    floats('class_weights', cls.weights),
    ints('classlabels_int64s', [0, 1]),
    { name: 'post_transform', type: onnx.AttributeProto.AttributeType.STRING, s: utf8('LOGISTIC') },
    floats('base_values', [model.baseScore]),
  ];
  const proto: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    producerName: 'parity',
    docString: options.docString ?? '',
    opsetImport: [{ domain: '', version: DEFAULT_OPSET }, { domain: ML_DOMAIN, version: ML_OPSET }],
    graph: {
      name: 'parity_tree_ensemble',
      node: [{
        opType: 'TreeEnsembleClassifier', domain: ML_DOMAIN, name: 'trees',
        input: [ONNX_INPUT], output: [ONNX_LABEL, ONNX_PROBABILITIES], attribute: attributes,
      }],
      input: [tensorInfo(ONNX_INPUT, onnx.TensorProto.DataType.FLOAT, [null, model.featureCount])],
      output: [
        tensorInfo(ONNX_LABEL, onnx.TensorProto.DataType.INT64, [null]),
        tensorInfo(ONNX_PROBABILITIES, onnx.TensorProto.DataType.FLOAT, [null, 2]),
      ],
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}

function ints(name: string, values: readonly number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}
function floats(name: string, values: readonly number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...values] };
}
function strings(name: string, values: readonly string[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRINGS, strings: values.map(utf8) };
}
function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A tensor's value info; a null dimension is the batch (named N). */
function tensorInfo(name: string, elemType: number, dims: readonly (number | null)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (d === null ? { dimParam: 'N' } : { dimValue: d })) } } },
  };
}
