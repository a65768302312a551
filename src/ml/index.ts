/** What other layers use of the model core: train, export, import, model folders, the predictor. */
export { TreeModel, TreeModelError, type Tree, type TreeNode, type SplitNode, type LeafNode, type TreeModelSpec } from './tree-model.ts';
export { roundDownToFloat32 } from './float32.ts';
export { trainGbdt, GBDT_DEFAULTS, GbdtError, type GbdtOptions, type TrainingSet } from './gbdt.ts';
export { exportOnnx, ONNX_INPUT, ONNX_LABEL, ONNX_PROBABILITIES } from './onnx-export.ts';
export { parseLightGbm, LightGbmFormatError, type LightGbmModel } from './lightgbm.ts';
export { importOnnx, onnxInputShape, OnnxImportError, type OnnxImport } from './onnx-import.ts';
export { hashTrainingRows, referenceBins, binCounts, type ReferenceBins } from './training-summary.ts';
export {
  MODEL_FILE, METADATA_FILE, METADATA_VERSION, ModelMetadataSchema, ModelFileError,
  writeModelFolder, readModelMetadata, readModelFolder, type ModelMetadata, type ModelFolder,
} from './model-files.ts';
export {
  openOnnxPredictor, checkFeatureNames, FeatureMismatchError, PredictorInputError, PredictorOpenError,
  type PredictorSource,
} from './onnx-predictor.ts';
