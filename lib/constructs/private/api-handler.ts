// The settings of a generative API's Lambda handler, from the API's props and its bound backend, the environment
// they travel in, and why the handler departs from the policy checks.
import type { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { converseFeature } from '../../compatibility/bedrock-models';
import { DatasetPrefix } from '../../config/dataset-layout';
import { API_METRICS_NAMESPACE, type ApiHandlerSettings, SETTING_DEFAULTS, toEnvironment } from '../../runtime/api/settings';
import type { ApiBackendConfig } from '../api-backend';
import type { GenerativeApiProps } from '../generative-api';
import { justify } from './justifications';

/** What the handler is told before its dead-letter queue and guardrail exist. */
export type HandlerSettings = Omit<ApiHandlerSettings, 'deadLetterQueueUrl' | 'guardrail'>;

/** The handler's settings: the model it calls, the token budget, where records go, templates, tools and reviewers. */
export function handlerSettings(
  props: GenerativeApiProps, backend: ApiBackendConfig, serviceName: string, modelTimeout: Duration, recordTimeout: Duration,
): HandlerSettings {
  const reviewers = props.feedbackReviewers;
  return {
    serviceName,
    backend: backend.backend,
    modelName: props.backend.displayName,
    modelId: backend.modelId,
    endpointName: backend.endpointName,
    // An endpoint hosting inference components answers InvokeEndpoint only with the component named.
    inferenceComponentName: backend.inferenceComponentName,
    limits: props.limits,
    datasetBucket: props.datasets.bucket.bucketName,
    feedbackPrefix: DatasetPrefix.FEEDBACK,
    promptTemplates: props.promptTemplates ?? [],
    modelTimeoutMs: modelTimeout.toMilliseconds(),
    recordTimeoutMs: recordTimeout.toMilliseconds(),
    deadLetterTimeoutMs: SETTING_DEFAULTS.deadLetterTimeoutMs,
    knowledgeBase: props.retrieval && { id: props.retrieval.knowledgeBase.knowledgeBaseId, results: props.retrieval.results ?? 5, byDefault: props.retrieval.byDefault ?? false },
    // A model without streaming tool use refuses ConverseStream with toolConfig: the handler then runs tool
    // turns with Converse and streams each turn's text when it ends (lib/compatibility/bedrock-models.ts).
    tools: props.tools?.length ? { names: props.tools, maxRounds: props.maxToolRounds ?? 4, streamsToolUse: converseFeature(props.backend.displayName, 'streamingToolUse') !== 'no' } : undefined,
    acceptsAssistantTurns: props.acceptAssistantTurns !== false,
    reviewers: reviewers?.bind() ?? { principals: [], groups: [], apiKeyIds: [] },
  };
}

/** The handler's environment: its settings with the dead-letter queue and guardrail, and Powertools' and Node's options. */
export function handlerEnvironment(
  settings: HandlerSettings, deadLetterQueueUrl: string, guardrail: ApiHandlerSettings['guardrail'],
): Record<string, string> {
  return {
    ...toEnvironment({ ...settings, deadLetterQueueUrl, guardrail }),
    POWERTOOLS_METRICS_NAMESPACE: API_METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/** X-Ray's wildcard, the basic execution policy, and no VPC. */
export function justifyHandler(fn: lambda.Function): void {
  justify(fn,
    { kind: 'wildcard-resources', resources: ['*'], reason: 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions.' },
    { kind: 'aws-managed-policy', policy: 'service-role/AWSLambdaBasicExecutionRole', reason: 'The handler writes its logs to its own KMS-encrypted log group; the basic execution policy holds only the CloudWatch Logs actions that needs.' },
    { kind: 'lambda-outside-vpc', reason: 'The handler calls only AWS APIs (Bedrock or SageMaker Runtime, S3) over TLS with IAM; it reaches nothing inside a VPC.' },
  );
}
