// The generative API's Lambda handler, behind API Gateway with response streaming: POST /v1/generate
// (buffered, or streamed as server-sent events), POST /v1/generate/stream, POST /v1/feedback, GET /v1/health.
// Every answer carries a request id; errors are mapped to 400/404/413/429/502/504 without internals.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { BedrockAgentRuntimeClient } from '@aws-sdk/client-bedrock-agent-runtime';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { type Backend, BedrockBackend, type ModelRequest, type ModelResult, SageMakerBackend, type ToolBox } from './backends';
import { CALCULATOR_TOOL, runCalculatorTool } from './calculator';
import { type ErrorBody, type FeedbackRequest, type GenerateRequest, MAX_BODY_BYTES, type PromptTemplate } from './contract';
import { ApiError, badRequest, toApiError } from './errors';
import { RecordStore, newRequestId } from './records';
import { augmentSystem, citationsOf, type Passage, retrievePassages } from './retrieval';
import { TemplateError, renderTemplate } from './templates';
import { estimateTokens } from './tokens';
import { compileValidators } from './validation';

declare const awslambda: {
  streamifyResponse(handler: (event: APIGatewayProxyEvent, stream: NodeJS.WritableStream, context: Context) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: NodeJS.WritableStream, prelude: { statusCode: number; headers: Record<string, string> }): NodeJS.WritableStream };
};

// Configuration is read once per execution environment (cold start): a copy, so nothing changes under it.
const env = { ...process.env };
const limits = { maxInputTokens: Number(env.MAX_INPUT_TOKENS), maxOutputTokens: Number(env.MAX_OUTPUT_TOKENS) };
const modelTimeoutMs = Number(env.MODEL_TIMEOUT_MS ?? 60_000);
const templates = new Map((JSON.parse(env.PROMPT_TEMPLATES ?? '[]') as PromptTemplate[]).map((t) => [t.id, t]));

const logger = new Logger({ serviceName: 'generative-api' });
const metrics = new Metrics({ serviceName: 'generative-api' });
const tracer = new Tracer({ serviceName: 'generative-api' });
// Two attempts: one retry absorbs a transient throttle; more would hold the caller past its patience.
const clientConfig = { maxAttempts: 2 };
const backend: Backend = env.BACKEND === 'sagemaker'
  ? new SageMakerBackend(tracer.captureAWSv3Client(new SageMakerRuntimeClient(clientConfig)), env.ENDPOINT_NAME!, env.MODEL_NAME!, env.INFERENCE_COMPONENT_NAME)
  : new BedrockBackend(tracer.captureAWSv3Client(new BedrockRuntimeClient(clientConfig)), {
    modelId: env.MODEL_ID!,
    displayName: env.MODEL_NAME!,
    guardrail: env.GUARDRAIL_ID ? { id: env.GUARDRAIL_ID, version: env.GUARDRAIL_VERSION ?? 'DRAFT' } : undefined,
    tools: toolBox(),
    streamsToolUse: env.STREAMING_TOOL_USE !== 'false',
  });
const knowledgeBase = env.KNOWLEDGE_BASE_ID
  ? { client: tracer.captureAWSv3Client(new BedrockAgentRuntimeClient(clientConfig)), id: env.KNOWLEDGE_BASE_ID, results: Number(env.RETRIEVAL_RESULTS ?? 5), byDefault: env.RETRIEVAL_BY_DEFAULT === 'true' }
  : undefined;

/** The tools the deployment offers (TOOLS=calculator), run in-process. */
function toolBox(): ToolBox | undefined {
  const names = (env.TOOLS ?? '').split(',').filter(Boolean);
  if (!names.includes('calculator')) return undefined;
  return {
    specs: [CALCULATOR_TOOL],
    maxRounds: Number(env.MAX_TOOL_ROUNDS ?? 4),
    run: (name, input) => (name === 'calculator' ? runCalculatorTool(input) : { content: [{ text: `error: no tool named "${name}"` }], status: 'error' }),
  };
}
const records = new RecordStore(tracer.captureAWSv3Client(new S3Client({})), env.DATASET_BUCKET!, env.FEEDBACK_PREFIX ?? 'feedback/');
const validators = compileValidators(limits);

type Stream = NodeJS.WritableStream;

export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const requestId = newRequestId();
  const started = performance.now();
  logger.appendKeys({ requestId, gatewayRequestId: event.requestContext?.requestId });
  const route = `${event.httpMethod} ${event.resource}`;
  const observed: Observed = {};
  let status = 200;
  try {
    switch (route) {
      case 'GET /v1/health':
        json(responseStream, requestId, 200, { requestId, status: 'ok', backend: env.BACKEND, model: backend.model, templates: [...templates.values()].map((t) => ({ id: t.id, version: t.version })) });
        break;
      case 'POST /v1/generate':
      case 'POST /v1/generate/stream':
        status = await generate(event, responseStream, requestId, context, route.endsWith('/stream'), started, observed);
        break;
      case 'POST /v1/feedback':
        status = await feedback(event, responseStream, requestId);
        break;
      default:
        throw new ApiError(404, 'not_found', `No route ${route}.`);
    }
  } catch (error) {
    const apiError = toApiError(error);
    status = apiError.status;
    if (status >= 500) logger.error('request failed', { route, error: error as Error });
    else logger.info('request rejected', { route, status, code: apiError.code, field: apiError.field });
    fail(responseStream, requestId, apiError);
  } finally {
    // Added and published in one synchronous step, so concurrent invocations never mix dimensions.
    metrics.addDimension('route', event.resource ?? 'unknown');
    metrics.addMetric(status < 400 ? 'Success' : status < 500 ? 'ClientError' : 'ServerError', MetricUnit.Count, 1);
    metrics.addMetric('LatencyMs', MetricUnit.Milliseconds, performance.now() - started);
    if (observed.ttftMs !== undefined) metrics.addMetric('TimeToFirstTokenMs', MetricUnit.Milliseconds, observed.ttftMs);
    if (observed.outputTokens !== undefined) metrics.addMetric('OutputTokens', MetricUnit.Count, observed.outputTokens);
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
});

/** What an invocation measured, for its metrics. */
interface Observed {
  ttftMs?: number;
  outputTokens?: number;
}

async function generate(event: APIGatewayProxyEvent, out: Stream, requestId: string, context: Context, streamRoute: boolean, started: number, observed: Observed): Promise<number> {
  const body = parseBody<GenerateRequest>(event, validators.generate);
  const stream = streamRoute || body.stream === true;
  const { prompt: built, templateId, templateVersion } = buildPrompt(body);
  const deadline = new AbortController();
  const budget = Math.max(1000, Math.min(modelTimeoutMs, context.getRemainingTimeInMillis() - 1500));
  const timer = setTimeout(() => deadline.abort(new DOMException('deadline', 'TimeoutError')), budget);
  try {
    return await answer(body, out, requestId, built, templateId, templateVersion, deadline.signal, stream, started, observed);
  } finally {
    clearTimeout(timer);
  }
}

async function answer(
  body: GenerateRequest, out: Stream, requestId: string, built: { system?: string; messages: ModelRequest['messages'] },
  templateId: string | undefined, templateVersion: string | undefined, signal: AbortSignal, stream: boolean, started: number, observed: Observed,
): Promise<number> {
  const inputTokens = estimateTokens(built.system, built.messages);
  if (inputTokens > limits.maxInputTokens) {
    throw new ApiError(413, 'prompt_too_long', `The prompt is about ${inputTokens} tokens; this API takes at most ${limits.maxInputTokens}. Shorten it.`, body.messages ? 'messages' : body.prompt ? 'prompt' : 'template.variables');
  }
  const passages = await retrieve(body, built.messages, signal);
  // Passages fill what the prompt leaves of the budget, best first; the user's own text is never cut.
  while (passages.length > 0 && estimateTokens(augmentSystem(built.system, passages), built.messages) > limits.maxInputTokens) passages.pop();
  const prompt = { system: augmentSystem(built.system, passages), messages: built.messages };
  const citations = passages.length > 0 ? citationsOf(passages) : undefined;
  const request: ModelRequest = {
    ...prompt, maxTokens: body.maxTokens ?? limits.maxOutputTokens, temperature: body.temperature, topP: body.topP, stop: body.stop,
  };
  {
    if (!stream) {
      const result = await backend.generate(request, signal);
      await saveInteraction(requestId, prompt, templateId, templateVersion, result);
      const latencyMs = Math.round(performance.now() - started);
      observed.outputTokens = result.usage.outputTokens;
      json(out, requestId, 200, { requestId, text: result.text, usage: result.usage, model: backend.model, templateVersion, stopReason: result.stopReason, latencyMs, citations, toolCalls: result.toolCalls || undefined });
      logger.info('generated', { stream, latencyMs, ...result.usage, templateVersion });
      return 200;
    }
    let sse: Stream | undefined;
    let ttftMs: number | undefined;
    const open = () => {
      sse = awslambda.HttpResponseStream.from(out, { statusCode: 200, headers: headers(requestId, 'text/event-stream') });
      return sse;
    };
    try {
      const result = await backend.stream(request, signal, (text) => {
        if (ttftMs === undefined) ttftMs = performance.now() - started;
        (sse ?? open()).write(`event: token\ndata: ${JSON.stringify({ text })}\n\n`);
      });
      await saveInteraction(requestId, prompt, templateId, templateVersion, result);
      const latencyMs = Math.round(performance.now() - started);
      (sse ?? open()).write(`event: done\ndata: ${JSON.stringify({ requestId, usage: result.usage, model: backend.model, templateVersion, stopReason: result.stopReason, latencyMs, citations, toolCalls: result.toolCalls || undefined })}\n\n`);
      sse!.end();
      observed.ttftMs = ttftMs;
      observed.outputTokens = result.usage.outputTokens;
      logger.info('generated', { stream, latencyMs, ttftMs, ...result.usage, templateVersion });
      return 200;
    } catch (error) {
      if (sse === undefined) throw error;
      // Headers are gone: the failure travels as an event, then the stream ends.
      const apiError = toApiError(error);
      logger.error('stream failed after the first token', { error: error as Error, code: apiError.code });
      sse.write(`event: error\ndata: ${JSON.stringify(errorBody(requestId, apiError))}\n\n`);
      sse.end();
      return apiError.status;
    }
  }
}

/** Passages for the request, when it (or the API's default) asks for retrieval. */
async function retrieve(body: GenerateRequest, messages: ModelRequest['messages'], signal: AbortSignal): Promise<Passage[]> {
  const wanted = body.retrieval ?? knowledgeBase?.byDefault ?? false;
  if (!wanted) return [];
  if (!knowledgeBase) throw badRequest('retrieval is true, but this API has no knowledge base.', 'retrieval');
  return retrievePassages(knowledgeBase.client, knowledgeBase.id, messages, knowledgeBase.results, signal);
}

function buildPrompt(body: GenerateRequest) {
  if (body.template) {
    const template = templates.get(body.template.id);
    if (!template) {
      throw new ApiError(400, 'unknown_template', `No prompt template "${body.template.id}"; this API has ${[...templates.keys()].map((t) => `"${t}"`).join(', ') || 'none'}.`, 'template.id');
    }
    try {
      const rendered = renderTemplate(template, body.template.variables);
      return { prompt: { system: body.system ?? rendered.system, messages: rendered.messages }, templateId: template.id, templateVersion: template.version };
    } catch (error) {
      if (error instanceof TemplateError) throw badRequest(error.message, error.field);
      throw error;
    }
  }
  const messages = body.messages ?? [{ role: 'user' as const, content: body.prompt! }];
  // Converse (and chat templates) need user first, then alternating turns, ending with the user.
  for (let i = 0; i < messages.length; i++) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (messages[i].role !== expected) throw badRequest(`messages[${i}].role is "${messages[i].role}"; turns alternate user, assistant, user, ... starting with user.`, `messages[${i}].role`);
  }
  if (messages[messages.length - 1].role !== 'user') throw badRequest('the last message must be from the user.', `messages[${messages.length - 1}].role`);
  return { prompt: { system: body.system, messages }, templateId: undefined, templateVersion: undefined };
}

async function saveInteraction(requestId: string, prompt: { system?: string; messages: ModelRequest['messages'] }, templateId: string | undefined, templateVersion: string | undefined, result: ModelResult): Promise<void> {
  await records.putInteraction({
    requestId, createdAt: new Date().toISOString(), model: backend.model, templateId, templateVersion,
    system: prompt.system, messages: prompt.messages, response: result.text, stopReason: result.stopReason, usage: result.usage,
  });
}

async function feedback(event: APIGatewayProxyEvent, out: Stream, requestId: string): Promise<number> {
  const body = parseBody<FeedbackRequest>(event, validators.feedback);
  const interaction = await records.getInteraction(body.requestId);
  if (!interaction) {
    throw new ApiError(404, 'unknown_request', `No answer was given under request id "${body.requestId}"; feedback needs the requestId of a /v1/generate response.`, 'requestId');
  }
  const record = await records.putFeedback(body, interaction);
  json(out, requestId, 201, { requestId, feedbackId: record.feedbackId, forRequestId: body.requestId });
  logger.info('feedback stored', { forRequestId: body.requestId, rating: body.rating, corrected: body.correction !== undefined });
  return 201;
}

function parseBody<T>(event: APIGatewayProxyEvent, validate: (value: unknown) => void): T {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new ApiError(413, 'request_too_large', `The body is ${bytes.length} bytes; this API takes at most ${MAX_BODY_BYTES}.`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw badRequest('The body is not valid JSON.', 'body');
  }
  validate(value);
  return value as T;
}

function headers(requestId: string, contentType: string): Record<string, string> {
  return { 'content-type': contentType, 'x-request-id': requestId, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
}

function json(out: Stream, requestId: string, statusCode: number, body: unknown, extra: Record<string, string> = {}): void {
  const stream = awslambda.HttpResponseStream.from(out, { statusCode, headers: { ...headers(requestId, 'application/json'), ...extra } });
  stream.write(JSON.stringify(body));
  stream.end();
}

function errorBody(requestId: string, error: ApiError): ErrorBody {
  return { requestId, error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
}

function fail(out: Stream, requestId: string, error: ApiError): void {
  json(out, requestId, error.status, errorBody(requestId, error), error.retryAfterSeconds ? { 'retry-after': String(error.retryAfterSeconds) } : {});
}
