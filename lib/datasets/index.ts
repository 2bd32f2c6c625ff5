/**
 * Dataset tooling: JSONL formats, a streaming validator and preference pairs from API feedback. Pure TypeScript
 * on Node built-ins only (no aws-cdk-lib), so scripts and Lambda handlers can both bundle it.
 */
export * from './formats';
export * from './lines';
export * from './preferences';
export * from './validate';
