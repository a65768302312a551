/**
 * ONNX import: our own export read back, and files another converter could have written (LT/GT
 * comparisons, a ZipMap), each checked by running the original and the kept model in onnxruntime.
 */
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../../src/ml/gbdt.ts';
import { exportOnnx } from '../../src/ml/onnx-export.ts';
import { importOnnx, OnnxImportError } from '../../src/ml/onnx-import.ts';
import { TreeModel } from '../../src/ml/tree-model.ts';
import { rowOf, syntheticRows } from './synthetic.ts';

const { onnx } = onnxProto;
const names = ['a', 'b', 'c', 'd', 'e', 'f'];
const data = syntheticRows(2000, 6, 21);
const model = trainGbdt(data, { trees: 20, maxDepth: 4 });
const bytes = exportOnnx(model);

async function probabilities(b: Uint8Array, values: Float32Array, featureCount: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(b, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', values, [values.length / featureCount, featureCount]) }, ['probabilities']);
    return out['probabilities']?.data as Float32Array;
  } finally {
    await session.release();
  }
}

/** Decode, edit the classifier node, encode. */
function edit(b: Uint8Array, change: (m: onnxProto.onnx.ModelProto, attr: (name: string) => onnxProto.onnx.IAttributeProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(b);
  const node = m.graph?.node?.[0] as onnxProto.onnx.INodeProto;
  change(m, (name) => node.attribute?.find((a) => a.name === name) as onnxProto.onnx.IAttributeProto);
  return onnx.ModelProto.encode(m).finish();
}
const nextUp = (x: number): number => { const f = new Float32Array([x]); const u = new Uint32Array(f.buffer); u[0] = x >= 0 ? u[0]! + 1 : u[0]! - 1; return f[0] as number; };
const text = (s: Uint8Array): string => new TextDecoder().decode(s);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('ONNX import', () => {
  it('export → import → export gives the same predictions on every row', async () => {
    const kept = importOnnx(bytes, names);
    expect(kept.notes).toEqual([]);
    for (let r = 0; r < data.rows; r++) expect(kept.model.predictProba(rowOf(data, r))).toBe(model.predictProba(rowOf(data, r)));
    expect(await probabilities(exportOnnx(kept.model), data.values, 6)).toEqual(await probabilities(bytes, data.values, 6));
  });

  it('BRANCH_LT and BRANCH_GT files become x <= t with the same routing', async () => {
    const lt = edit(bytes, (_, attr) => {
      const modes = attr('nodes_modes');
      const values = attr('nodes_values');
      modes.strings = (modes.strings ?? []).map((s, i) => {
        if (text(s) !== 'BRANCH_LEQ') return s;
        (values.floats as number[])[i] = nextUp((values.floats as number[])[i] as number); // x <= t  ⇔  x < nextUp(t)
        return utf8('BRANCH_LT');
      });
    });
    const gt = edit(bytes, (_, attr) => {
      const modes = attr('nodes_modes');
      const t = attr('nodes_truenodeids').ints as number[];
      const f = attr('nodes_falsenodeids').ints as number[];
      modes.strings = (modes.strings ?? []).map((s, i) => {
        if (text(s) !== 'BRANCH_LEQ') return s;
        [t[i], f[i]] = [f[i] as number, t[i] as number]; // x > t → what x <= t sent right
        return utf8('BRANCH_GT');
      });
    });
    const original = await probabilities(bytes, data.values, 6);
    for (const [file, note] of [[lt, /rewrote \d+ LT\/GT\/GTE/], [gt, /rewrote \d+ LT\/GT\/GTE/]] as const) {
      expect(await probabilities(file, data.values, 6)).toEqual(original); // the edited file is the same model
      const kept = importOnnx(file, names);
      expect(kept.notes.join(' ')).toMatch(note);
      expect(await probabilities(exportOnnx(kept.model), data.values, 6)).toEqual(original);
    }
  });

  it('drops a ZipMap, with a note', () => {
    const zipped = edit(bytes, (m) => {
      m.graph?.node?.push({ opType: 'ZipMap', domain: 'ai.onnx.ml', input: ['probabilities'], output: ['output_probability'], attribute: [{ name: 'classlabels_int64s', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 1] }] });
    });
    const kept = importOnnx(zipped, names);
    expect(kept.notes.join(' ')).toMatch(/dropped the ZipMap/);
    expect(kept.model.predictProba(rowOf(data, 0))).toBe(model.predictProba(rowOf(data, 0)));
  });

  it('refuses what it cannot keep, saying what to change', () => {
    expect(() => importOnnx(bytes, names.slice(0, 5))).toThrow(/takes 6 features but 5 feature names were given/);
    expect(() => importOnnx(utf8('not a model at all'), names)).toThrow(OnnxImportError);
    expect(() => importOnnx(edit(bytes, (m) => { (m.opsetImport[1] as onnxProto.onnx.OperatorSetIdProto).version = 5; }), names)).toThrow(/opset 5: onnxruntime runs TreeEnsembleClassifier under opsets 1-4/);
    expect(() => importOnnx(edit(bytes, (_, attr) => { attr('post_transform').s = utf8('NONE'); }), names)).toThrow(/post_transform is NONE/);
    expect(() => importOnnx(edit(bytes, (_, attr) => { attr('nodes_modes').strings![0] = utf8('BRANCH_EQ'); }), names)).toThrow(/mode BRANCH_EQ/);
    expect(() => importOnnx(edit(bytes, (_, attr) => { attr('class_ids').ints![0] = 1; }), names)).toThrow(/leaf weights go to 2 classes/);
  });
});

describe('ONNX export: leaves all >= 0', () => {
  it('still gets the sigmoid from onnxruntime (its aggregator source skips it when no class weight is negative)', async () => {
    // x0 <= 0 → +0.5, else +2; margin starts at -3: probabilities must be σ(-2.5), σ(-1)
    const positive = new TreeModel({ featureCount: 1, baseScore: -3, trees: [{ nodes: [
      { kind: 'split', feature: 0, threshold: 0, left: 1, right: 2, missingGoesLeft: false },
      { kind: 'leaf', value: 0.5 }, { kind: 'leaf', value: 2 },
    ] }] });
    const exported = exportOnnx(positive);
    const weights = onnx.ModelProto.decode(exported).graph?.node?.[0]?.attribute?.find((a) => a.name === 'class_weights')?.floats ?? [];
    expect(weights.some((w) => w < 0)).toBe(true); // the sign guard is there
    const p = await probabilities(exported, new Float32Array([-1, 1]), 1);
    expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(2.5)), 7);
    expect(p[3]).toBeCloseTo(1 / (1 + Math.exp(1)), 7);
    expect(p[1]).toBe(positive.predictProba([-1]));
    expect(p[3]).toBe(positive.predictProba([1]));
  });
});
