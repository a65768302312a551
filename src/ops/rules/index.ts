/** Jurisdiction rules as data: the schema, the loader and the evaluator. */
export * from './schema.ts';
export * from './jurisdiction.ts';
export * from './load.ts';
export * from './evaluate.ts';
