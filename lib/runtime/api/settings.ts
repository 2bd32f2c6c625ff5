// The API handler's settings: the one contract between GenerativeApi, which writes them into the function's
// environment, and the handler, which reads them at init. Both sides use these two functions, and a test checks
// that reading what was written gives back the same settings. Pure: no AWS SDK, no constructs.
import type { Reviewers } from './callers';
import type { ApiLimits, PromptTemplate } from './contract';

export interface ApiHandlerSettings {
  /**
   * The `service` dimension of the API's metrics and the service of its logs (Powertools'
   * POWERTOOLS_SERVICE_NAME): one per API, so two APIs in one account never mix their numbers.
   */
  readonly serviceName: string;
  readonly backend: 'bedrock' | 'sagemaker';
  /** The model's name in answers and records (the Bedrock id, or the endpoint's model). */
  readonly modelName: string;
  /** Bedrock: the id or ARN Converse is called with. */
  readonly modelId?: string;
  /** SageMaker: the endpoint, and the inference component InvokeEndpoint must name on a component endpoint. */
  readonly endpointName?: string;
  readonly inferenceComponentName?: string;
  readonly limits: ApiLimits;
  readonly datasetBucket: string;
  readonly feedbackPrefix: string;
  readonly promptTemplates: readonly PromptTemplate[];
  readonly modelTimeoutMs: number;
  /** A record write's budget for S3 (timeouts and retries inside it), then for the dead-letter queue. */
  readonly recordTimeoutMs: number;
  readonly deadLetterTimeoutMs: number;
  readonly deadLetterQueueUrl?: string;
  readonly knowledgeBase?: { readonly id: string; readonly results: number; readonly byDefault: boolean };
  /** In-process tools; `streamsToolUse` false for models that refuse ConverseStream with toolConfig. */
  readonly tools?: { readonly names: readonly string[]; readonly maxRounds: number; readonly streamsToolUse: boolean };
  readonly acceptsAssistantTurns: boolean;
  readonly reviewers: Reviewers;
  readonly guardrail?: { readonly id: string; readonly version: string };
}

/** The defaults the handler applies to settings an environment leaves out. */
export const SETTING_DEFAULTS = {
  serviceName: 'generative-api', feedbackPrefix: 'feedback/', modelTimeoutMs: 60_000, recordTimeoutMs: 3000, deadLetterTimeoutMs: 2000,
  retrievalResults: 5, maxToolRounds: 4, guardrailVersion: 'DRAFT',
} as const;

/** Every variable the handler reads, so a construct or a test cannot set one the handler ignores. */
export const SETTING_VARIABLES = [
  'POWERTOOLS_SERVICE_NAME', 'BACKEND', 'MODEL_NAME', 'MODEL_ID', 'ENDPOINT_NAME', 'INFERENCE_COMPONENT_NAME', 'MAX_INPUT_TOKENS', 'MAX_OUTPUT_TOKENS',
  'DATASET_BUCKET', 'FEEDBACK_PREFIX', 'PROMPT_TEMPLATES', 'MODEL_TIMEOUT_MS', 'RECORD_TIMEOUT_MS', 'DEAD_LETTER_TIMEOUT_MS',
  'DEAD_LETTER_QUEUE_URL', 'KNOWLEDGE_BASE_ID', 'RETRIEVAL_RESULTS', 'RETRIEVAL_BY_DEFAULT', 'TOOLS', 'MAX_TOOL_ROUNDS',
  'STREAMING_TOOL_USE', 'ASSISTANT_TURNS', 'FEEDBACK_REVIEWER_PRINCIPALS', 'FEEDBACK_REVIEWER_GROUPS', 'FEEDBACK_REVIEWER_API_KEYS',
  'GUARDRAIL_ID', 'GUARDRAIL_VERSION',
] as const;
export type SettingVariable = (typeof SETTING_VARIABLES)[number];

/** The function environment for the settings (strings only; CDK tokens pass through as they are). */
export function toEnvironment(s: ApiHandlerSettings): Partial<Record<SettingVariable, string>> {
  const env: Partial<Record<SettingVariable, string>> = {
    POWERTOOLS_SERVICE_NAME: s.serviceName,
    BACKEND: s.backend,
    MODEL_NAME: s.modelName,
    MAX_INPUT_TOKENS: String(s.limits.maxInputTokens),
    MAX_OUTPUT_TOKENS: String(s.limits.maxOutputTokens),
    DATASET_BUCKET: s.datasetBucket,
    FEEDBACK_PREFIX: s.feedbackPrefix,
    PROMPT_TEMPLATES: JSON.stringify(s.promptTemplates),
    MODEL_TIMEOUT_MS: String(s.modelTimeoutMs),
    RECORD_TIMEOUT_MS: String(s.recordTimeoutMs),
  };
  if (s.deadLetterTimeoutMs !== SETTING_DEFAULTS.deadLetterTimeoutMs) env.DEAD_LETTER_TIMEOUT_MS = String(s.deadLetterTimeoutMs);
  if (s.modelId !== undefined) env.MODEL_ID = s.modelId;
  if (s.endpointName !== undefined) env.ENDPOINT_NAME = s.endpointName;
  if (s.inferenceComponentName !== undefined) env.INFERENCE_COMPONENT_NAME = s.inferenceComponentName;
  if (s.deadLetterQueueUrl !== undefined) env.DEAD_LETTER_QUEUE_URL = s.deadLetterQueueUrl;
  if (s.knowledgeBase) {
    env.KNOWLEDGE_BASE_ID = s.knowledgeBase.id;
    env.RETRIEVAL_RESULTS = String(s.knowledgeBase.results);
    env.RETRIEVAL_BY_DEFAULT = String(s.knowledgeBase.byDefault);
  }
  if (s.tools) {
    env.TOOLS = s.tools.names.join(',');
    env.MAX_TOOL_ROUNDS = String(s.tools.maxRounds);
    if (!s.tools.streamsToolUse) env.STREAMING_TOOL_USE = 'false';
  }
  if (!s.acceptsAssistantTurns) env.ASSISTANT_TURNS = 'false';
  if (s.reviewers.principals.length > 0) env.FEEDBACK_REVIEWER_PRINCIPALS = s.reviewers.principals.join(',');
  if (s.reviewers.groups.length > 0) env.FEEDBACK_REVIEWER_GROUPS = s.reviewers.groups.join(',');
  if (s.reviewers.apiKeyIds.length > 0) env.FEEDBACK_REVIEWER_API_KEYS = s.reviewers.apiKeyIds.join(',');
  if (s.guardrail) {
    env.GUARDRAIL_ID = s.guardrail.id;
    env.GUARDRAIL_VERSION = s.guardrail.version;
  }
  return env;
}

/** The settings in an environment, with the defaults for what it leaves out (empty strings count as absent). */
export function fromEnvironment(env: Readonly<Record<string, string | undefined>>): ApiHandlerSettings {
  const get = (name: SettingVariable) => (env[name] === '' ? undefined : env[name]);
  const num = (name: SettingVariable, fallback: number) => Number(get(name) ?? fallback);
  const list = (name: SettingVariable) => (get(name) ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  const knowledgeBaseId = get('KNOWLEDGE_BASE_ID');
  const toolNames = list('TOOLS');
  const guardrailId = get('GUARDRAIL_ID');
  return {
    serviceName: get('POWERTOOLS_SERVICE_NAME') ?? SETTING_DEFAULTS.serviceName,
    backend: get('BACKEND') === 'sagemaker' ? 'sagemaker' : 'bedrock',
    modelName: get('MODEL_NAME') ?? '',
    modelId: get('MODEL_ID'),
    endpointName: get('ENDPOINT_NAME'),
    inferenceComponentName: get('INFERENCE_COMPONENT_NAME'),
    limits: { maxInputTokens: Number(get('MAX_INPUT_TOKENS')), maxOutputTokens: Number(get('MAX_OUTPUT_TOKENS')) },
    datasetBucket: get('DATASET_BUCKET') ?? '',
    feedbackPrefix: get('FEEDBACK_PREFIX') ?? SETTING_DEFAULTS.feedbackPrefix,
    promptTemplates: JSON.parse(get('PROMPT_TEMPLATES') ?? '[]') as PromptTemplate[],
    modelTimeoutMs: num('MODEL_TIMEOUT_MS', SETTING_DEFAULTS.modelTimeoutMs),
    recordTimeoutMs: num('RECORD_TIMEOUT_MS', SETTING_DEFAULTS.recordTimeoutMs),
    deadLetterTimeoutMs: num('DEAD_LETTER_TIMEOUT_MS', SETTING_DEFAULTS.deadLetterTimeoutMs),
    deadLetterQueueUrl: get('DEAD_LETTER_QUEUE_URL'),
    knowledgeBase: knowledgeBaseId === undefined ? undefined
      : { id: knowledgeBaseId, results: num('RETRIEVAL_RESULTS', SETTING_DEFAULTS.retrievalResults), byDefault: get('RETRIEVAL_BY_DEFAULT') === 'true' },
    tools: toolNames.length === 0 ? undefined
      : { names: toolNames, maxRounds: num('MAX_TOOL_ROUNDS', SETTING_DEFAULTS.maxToolRounds), streamsToolUse: get('STREAMING_TOOL_USE') !== 'false' },
    acceptsAssistantTurns: get('ASSISTANT_TURNS') !== 'false',
    reviewers: {
      principals: list('FEEDBACK_REVIEWER_PRINCIPALS'), groups: list('FEEDBACK_REVIEWER_GROUPS'), apiKeyIds: list('FEEDBACK_REVIEWER_API_KEYS'),
    },
    guardrail: guardrailId === undefined ? undefined : { id: guardrailId, version: get('GUARDRAIL_VERSION') ?? SETTING_DEFAULTS.guardrailVersion },
  };
}

/** Where the handler publishes its metrics (Powertools EMF): this namespace, dimensions `service` and `route`. */
export const API_METRICS_NAMESPACE = 'GenAiLifecycle';

/** The handler's metrics per route: what GenerativeApi's metric methods and dashboards may name. */
export const API_ROUTE_METRICS = ['Success', 'ClientError', 'ServerError', 'LatencyMs', 'TimeToFirstTokenMs', 'InputTokens', 'OutputTokens'] as const;
export type ApiRouteMetric = (typeof API_ROUTE_METRICS)[number];
/** The handler's record metrics, with dimensions `service` and `function`. */
export const API_RECORD_METRICS = ['RecordsDeadLettered', 'RecordsLost'] as const;
