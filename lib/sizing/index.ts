/**
 * The sizing engine: pure functions that turn a model and a scope (precision, context, concurrency) into
 * memory, fitting instances, cost and feasibility. No aws-cdk-lib here: constructs and the CLI call it.
 */
export * from './accelerators';
export * from './fit';
export * from './format';
export * from './instances';
export * from './models';
export * from './precision';
export * from './prices';
export * from './pretraining';
export * from './serving';
export * from './training';
export * from './units';
export * from './usage-prices';
export * from './validation';
export * from './estimate';
