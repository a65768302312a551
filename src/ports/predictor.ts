/**
 * What the engine asks of a model: probabilities for rows of features. The engine does not know
 * which runtime is behind it (onnxruntime-node in every mode; a test may hand it a TypeScript model).
 */
export interface Predictor {
  /** The input columns, in order, that the model was trained on. */
  readonly featureNames: readonly string[];
  /**
   * Probability of the positive class for each of `rows` rows of `featureNames.length` float32
   * values, row-major. Rejects on NaN input (a tree runtime would route it silently).
   */
  predict(values: Float32Array, rows: number): Promise<Float32Array>;
  close?(): Promise<void>;
}
