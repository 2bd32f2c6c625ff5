// The public API of genai-lifecycle-cdk: re-exports only.
export * from './config';
export {
  DATASET_FORMATS, DatasetFormat, DatasetValidator, buildPreferencePairs, formatProblems as formatDatasetProblems, toJsonl, validateFile, validateLines, validateSplits,
  type CheckedRecord, type DatasetLine, type DatasetProblem, type PreferenceBuild, type PreferenceOptions, type PreferencePair, type PreferenceSkips, type SplitOverlap, type SplitValidation,
  type ValidationOptions, type ValidationSummary,
} from './datasets';
export * from './constructs/bedrock-model';
export * from './constructs/dataset-store';
export * from './constructs/fine-tuning-backend';
export * from './constructs/fine-tuning-plan';
export * from './constructs/fine-tuning-workflow';
export * from './constructs/generative-api';
export * from './constructs/generative-api-base';
export * from './constructs/api-authorization';
export * from './constructs/api-backend';
export * from './constructs/endpoint-base';
export * from './constructs/endpoint-scaling';
export * from './constructs/inference-endpoint';
export * from './constructs/model-source';
export * from './constructs/knowledge-base';
export * from './constructs/lifecycle-dashboard';
export * from './constructs/environment-budget';
export * from './constructs/vector-store';
export * from './constructs/model-optimization-role';
export * from './serving';
export type {
  ApiLimits, ChatMessage, FeedbackRecord, FeedbackRequest, GenerateRequest, GenerateResponse, InteractionRecord, PromptTemplate, Usage,
} from './runtime/api/contract';
export * from './sizing';
export { PropsError } from './constructs/private/problems';
export * from './stage';
export * from './validation/acknowledgement-pack';
export * from './validation/policy-checks';
export * from './validation/deploy-rules';
export * from './validation/independent-validators';
export type { CfnResourceJson, CfnTemplate, IDeployRule, RuleContext, RuleFinding } from './validation/rules/template';
