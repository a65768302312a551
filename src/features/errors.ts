/** The one error the feature layer throws: a bad feature definition, list or input order. */
export class FeatureError extends Error {
  override readonly name = 'FeatureError';
}
