// The public API of genai-lifecycle-cdk: re-exports only.
export * from './config';
export * from './constructs/bedrock-model';
export * from './constructs/dataset-store';
export * from './constructs/inference-endpoint';
export * from './constructs/model-optimization-role';
export * from './serving';
export * from './sizing';
export { PropsError } from './constructs/private/problems';
export * from './stage';
export * from './validation/deferred-acknowledgements';
export * from './validation/policy-checks';
