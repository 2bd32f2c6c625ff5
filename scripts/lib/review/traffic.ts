/**
 * What an environment's templates say about its traffic, for pricing what is billed per use: the API handler
 * (the Lambda function whose environment has BACKEND and MAX_INPUT_TOKENS) with its token limits, backend, model,
 * memory and architecture; the API Gateway stage's throttling rate (the scope's peak requests per second); the
 * knowledge base it queries and the vector store behind it; and the fixed monthly resources (dashboards,
 * OpenSearch Serverless collections). A value that is not literal is left out and named in `unread`.
 */
import type { CfnResource, CfnTemplate, StackTemplate } from './assembly';
import { constructPathOf, referencedId, render } from './intrinsics';

/** The vector store of a knowledge base, by the resources beside it. */
export type VectorStore = 's3-vectors' | 'opensearch-serverless' | 'unknown';

export interface KnowledgeBaseFacts {
  /** RETRIEVAL_RESULTS. @default - not literal */
  readonly results?: number;
  /** RETRIEVAL_BY_DEFAULT is `true`: every request retrieves; otherwise a request asks for it. */
  readonly byDefault: boolean;
  readonly vectorStore: VectorStore;
  /** The embedding model id of the knowledge base, from its EmbeddingModelArn. @default - not literal or not found */
  readonly embeddingModel?: string;
}

/** The API handler and what a request to it can use. */
export interface ApiTraffic {
  readonly stackName: string;
  /** The handler's construct path, or its logical id. */
  readonly handler: string;
  /** BACKEND: `sagemaker` bills instances, not tokens. */
  readonly backend: 'bedrock' | 'sagemaker';
  /** The Bedrock model or inference profile id (from MODEL_ID, or the application inference profile it names). */
  readonly modelId?: string;
  /** The API stage's ThrottlingRateLimit (requests per second). @default - no literal rate limit */
  readonly peakRequestsPerSecond?: number;
  readonly maxInputTokens?: number;
  readonly maxOutputTokens?: number;
  /** MemorySize in MiB (Lambda's default 128). */
  readonly memoryMiB: number;
  readonly architecture: 'arm64' | 'x86_64';
  /** REST (AWS::ApiGateway) or HTTP (AWS::ApiGatewayV2) API in front of the handler. @default - none found */
  readonly api?: 'rest' | 'http';
  /** @default - the handler queries no knowledge base */
  readonly knowledgeBase?: KnowledgeBaseFacts;
  /** TOOLS set: one request may call the model up to MAX_TOOL_ROUNDS + 1 times. @default - no tools */
  readonly maxModelCalls?: number;
  /** GUARDRAIL_ID set: Bedrock Guardrails assess each request. */
  readonly guardrail: boolean;
  /** Needed values that are not literal, e.g. `MODEL_ID (<Fn::GetAtt Profile.Arn>)`. */
  readonly unread: readonly string[];
}

export interface TrafficFacts {
  /** The first API handler found (an environment serves one API). @default - no API handler */
  readonly api?: ApiTraffic;
  readonly dashboards: number;
  /** OpenSearch Serverless collections, with whether standby replicas are on (the default). */
  readonly collections: readonly { readonly name: string; readonly standbyReplicas: boolean }[];
  /** State machines: billed per state transition when they run. */
  readonly stateMachines: number;
  /** AWS::WAFv2::WebACL resources. */
  readonly webAcls: number;
}

/** Lambda's MemorySize when a function sets none. */
const DEFAULT_LAMBDA_MEMORY_MIB = 128;

export function trafficOf(stacks: readonly StackTemplate[]): TrafficFacts {
  const all = stacks.flatMap((s) => Object.entries(s.template.Resources ?? {}).map(([id, r]) => ({ stack: s, id, r })));
  const handler = all.find(({ r }) => r.Type === 'AWS::Lambda::Function' && isApiHandler(r));
  return {
    ...(handler && { api: apiTraffic(handler.stack, handler.id, handler.r) }),
    dashboards: all.filter(({ r }) => r.Type === 'AWS::CloudWatch::Dashboard').length,
    collections: all.filter(({ r }) => r.Type === 'AWS::OpenSearchServerless::Collection')
      .map(({ id, r }) => ({ name: typeof r.Properties?.Name === 'string' ? r.Properties.Name : id, standbyReplicas: r.Properties?.StandbyReplicas !== 'DISABLED' })),
    stateMachines: all.filter(({ r }) => r.Type === 'AWS::StepFunctions::StateMachine').length,
    webAcls: all.filter(({ r }) => r.Type === 'AWS::WAFv2::WebACL').length,
  };
}

function variables(resource: CfnResource): Record<string, unknown> {
  const environment = (resource.Properties?.Environment ?? {}) as { Variables?: Record<string, unknown> };
  return environment.Variables ?? {};
}

function isApiHandler(resource: CfnResource): boolean {
  const vars = variables(resource);
  return 'BACKEND' in vars && 'MAX_INPUT_TOKENS' in vars;
}

function apiTraffic(stack: StackTemplate, logicalId: string, resource: CfnResource): ApiTraffic {
  const vars = variables(resource);
  const resources = stack.template.Resources ?? {};
  const unread: string[] = [];
  const literal = (name: string): string | undefined => {
    const value = vars[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    unread.push(`${name} (${render(value)})`);
    return undefined;
  };
  const count = (name: string): number | undefined => {
    const text = literal(name);
    const value = text === undefined ? undefined : Number(text);
    return value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
  };
  const backend = literal('BACKEND') === 'sagemaker' ? 'sagemaker' : 'bedrock';
  const modelId = backend === 'bedrock' ? bedrockModelId(vars.MODEL_ID, stack.template, unread) : undefined;
  const kbId = vars.KNOWLEDGE_BASE_ID;
  const tools = literal('TOOLS');
  const rounds = count('MAX_TOOL_ROUNDS') ?? 4;
  const memory = resource.Properties?.MemorySize;
  const architectures = resource.Properties?.Architectures;
  const rate = stageRate(stack.template, logicalId);
  if (typeof rate === 'string') unread.push(rate);
  const api = Object.values(resources).some((r) => r.Type === 'AWS::ApiGateway::RestApi') ? 'rest'
    : Object.values(resources).some((r) => r.Type === 'AWS::ApiGatewayV2::Api') ? 'http' : undefined;
  return {
    stackName: stack.stackName,
    handler: constructPathOf(resource) ?? logicalId,
    backend,
    ...(modelId !== undefined && { modelId }),
    ...(typeof rate === 'number' && { peakRequestsPerSecond: rate }),
    ...optional('maxInputTokens', count('MAX_INPUT_TOKENS')),
    ...optional('maxOutputTokens', count('MAX_OUTPUT_TOKENS')),
    memoryMiB: typeof memory === 'number' ? memory : DEFAULT_LAMBDA_MEMORY_MIB,
    architecture: Array.isArray(architectures) && architectures[0] === 'arm64' ? 'arm64' : 'x86_64',
    ...(api && { api }),
    ...(kbId !== undefined && { knowledgeBase: knowledgeBaseFacts(stack.template, kbId, count('RETRIEVAL_RESULTS'), literal('RETRIEVAL_BY_DEFAULT') === 'true') }),
    ...(tools !== undefined && tools !== '' && { maxModelCalls: rounds + 1 }),
    guardrail: vars.GUARDRAIL_ID !== undefined,
    unread,
  };
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/**
 * The model id of MODEL_ID: a literal id or ARN, or the application inference profile it references (the
 * foundation model or system inference profile the profile copies from).
 */
function bedrockModelId(value: unknown, template: CfnTemplate, unread: string[]): string | undefined {
  if (value === undefined) {
    unread.push('MODEL_ID (not set)');
    return undefined;
  }
  if (typeof value === 'string') {
    const id = modelIdOfArn(value);
    if (id === undefined) unread.push(`MODEL_ID (${value}: an application inference profile ARN names no model)`);
    return id;
  }
  const target = referencedId(value);
  const profile = target === undefined ? undefined : template.Resources?.[target];
  if (profile?.Type === 'AWS::Bedrock::ApplicationInferenceProfile') {
    const source = render((profile.Properties?.ModelSource as { CopyFrom?: unknown } | undefined)?.CopyFrom);
    const id = modelIdOfArn(source);
    if (id !== undefined) return id;
    unread.push(`MODEL_ID (the inference profile ${target} copies from ${source})`);
    return undefined;
  }
  unread.push(`MODEL_ID (${render(value)})`);
  return undefined;
}

/** `meta.llama3-1-8b-instruct-v1:0` of an id, or of a `foundation-model/` or `inference-profile/` ARN. */
function modelIdOfArn(text: string): string | undefined {
  if (!text.startsWith('arn:')) return /^[\w.-]+(:[\w.-]+)*$/.test(text) && text.includes('.') ? text : undefined;
  const match = /:(foundation-model|inference-profile)\/([^/<>]+)$/.exec(text);
  return match?.[2];
}

/**
 * The ThrottlingRateLimit of the REST API stage in front of the handler (a stage in its stack whose API has a
 * method integrating it; the `/*` `*` setting, else the highest), or why none is read.
 */
function stageRate(template: CfnTemplate, handlerId: string): number | string {
  const resources = template.Resources ?? {};
  const integrated = new Set(Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGateway::Method' && JSON.stringify(r.Properties?.Integration ?? {}).includes(`"${handlerId}"`))
    .map((r) => referencedId(r.Properties?.RestApiId)));
  const stages = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGateway::Stage');
  const stage = stages.find((s) => integrated.has(referencedId(s.Properties?.RestApiId))) ?? (stages.length === 1 ? stages[0] : undefined);
  if (!stage) return 'the API stage\'s throttling rate (no AWS::ApiGateway::Stage of the handler\'s API)';
  const settings = (Array.isArray(stage.Properties?.MethodSettings) ? stage.Properties.MethodSettings : []) as Record<string, unknown>[];
  const all = settings.find((m) => m.ResourcePath === '/*' && m.HttpMethod === '*');
  const rates = (all ? [all] : settings).map((m) => m.ThrottlingRateLimit);
  if (rates.length === 0 || rates.every((r) => r === undefined)) return 'the API stage\'s throttling rate (its MethodSettings set no ThrottlingRateLimit)';
  const numbers = rates.filter((r): r is number => typeof r === 'number' && r > 0);
  if (numbers.length < rates.filter((r) => r !== undefined).length) return `the API stage's throttling rate (ThrottlingRateLimit ${rates.map((r) => render(r)).join(', ')} is not a literal number)`;
  return Math.max(...numbers);
}

function knowledgeBaseFacts(template: CfnTemplate, kbId: unknown, results: number | undefined, byDefault: boolean): KnowledgeBaseFacts {
  const resources = template.Resources ?? {};
  const target = referencedId(kbId);
  const kb = target === undefined ? undefined : resources[target];
  const props = (kb?.Type === 'AWS::Bedrock::KnowledgeBase' ? kb.Properties : undefined) ?? {};
  const storageType = (props.StorageConfiguration as { Type?: unknown } | undefined)?.Type;
  const types = Object.values(resources).map((r) => r.Type);
  const vectorStore: VectorStore = storageType === 'S3_VECTORS' || (storageType === undefined && types.some((t) => t.startsWith('AWS::S3Vectors::'))) ? 's3-vectors'
    : storageType === 'OPENSEARCH_SERVERLESS' || (storageType === undefined && types.includes('AWS::OpenSearchServerless::Collection')) ? 'opensearch-serverless' : 'unknown';
  const config = (props.KnowledgeBaseConfiguration as { VectorKnowledgeBaseConfiguration?: { EmbeddingModelArn?: unknown } } | undefined)?.VectorKnowledgeBaseConfiguration;
  const arn = config?.EmbeddingModelArn;
  const embeddingModel = typeof arn === 'string' ? modelIdOfArn(arn) : undefined;
  return { ...(results !== undefined && { results }), byDefault, vectorStore, ...(embeddingModel !== undefined && { embeddingModel }) };
}
