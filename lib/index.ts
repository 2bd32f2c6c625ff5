// The public API of genai-lifecycle-cdk: re-exports only.
export * from './config';
export * from './constructs/dataset-store';
export * from './sizing';
export { PropsError } from './constructs/private/problems';
export * from './stage';
export * from './validation/policy-checks';
