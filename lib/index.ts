// The public API of genai-lifecycle-cdk: re-exports only.
//
// The pure engines are jsii submodules, one namespace each in every language (`sizing.InstanceType`,
// `serving.Quantization`, `datasets.DatasetFormat`; in Python `from genai_lifecycle_cdk import sizing`);
// their types are not exported at the root as well, so each has one fully qualified name.
export * as datasets from './datasets';
export * as serving from './serving';
export * as sizing from './sizing';
export * from './config';
export * from './bedrock/cross-region';
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
export type {
  ApiLimits, ChatMessage, FeedbackRecord, FeedbackRequest, GenerateRequest, GenerateResponse, InteractionRecord, PromptTemplate, Usage,
} from './runtime/api/contract';
export { PropsError } from './constructs/private/problems';
export * from './stage';
export * from './validation/acknowledgement-pack';
export * from './validation/policy-checks';
export * from './validation/deploy-rules';
export * from './validation/independent-validators';
export type { CfnResourceJson, CfnTemplate, IDeployRule, RuleContext, RuleFinding } from './validation/rules/template';
