// The public API of genai-lifecycle-cdk: re-exports only.
export * from './config';
export * from './constructs/bedrock-model';
export * from './constructs/dataset-store';
export * from './constructs/generative-api';
export * from './constructs/inference-endpoint';
export * from './constructs/model-optimization-role';
export * from './serving';
export type { ChatMessage, FeedbackRequest, GenerateRequest, GenerateResponse, PromptTemplate } from './runtime/api/contract';
export * from './sizing';
export { PropsError } from './constructs/private/problems';
export * from './stage';
export * from './validation/deferred-acknowledgements';
export * from './validation/policy-checks';
