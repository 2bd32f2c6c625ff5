// The generative API's Lambda handler, behind API Gateway with response streaming: POST /v1/generate
// (buffered, or streamed as server-sent events), POST /v1/generate/stream, POST /v1/feedback, GET /v1/health.
// Every answer carries a request id; errors are mapped to 400/403/404/413/429/502/503/504 without internals.
// An answer is sent first and recorded after: a slow or failing record store never delays, fails or hangs it.
//
// Cold start: only what every request needs is loaded when the bundle loads (the deployment's model client,
// logger, metrics, the precompiled validators). Each AWS SDK client is a file of its own in the bundle (./sdk,
// see its README), required where it is first used: a backend the deployment does not use, the X-Ray SDK when
// tracing is off, the S3 client (first needed after the first answer has been sent) and the SQS client (needed
// only when S3 fails) are neither parsed nor run at init.
import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type * as S3Module from './sdk/s3';
import type * as SqsModule from './sdk/sqs';
import type * as TracerModule from './sdk/tracer';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Backend, ModelRequest, ModelResult, ToolBox } from './backend';
import type * as BedrockModule from './bedrock-backend';
import { CALCULATOR_TOOL, runCalculatorTool } from './calculator';
import { type Caller, callerOf } from './callers';
import { type ChatMessage, type ErrorBody, type FeedbackRequest, type GenerateRequest, MAX_BODY_BYTES } from './contract';
import { ApiError, badRequest, toApiError } from './errors';
import type * as GuardModule from './guard';
import type * as KnowledgeBaseModule from './knowledge-base';
import { type DeadLetter, type FeedbackRecord, type InteractionRecord, RecordStore, feedbackKey, interactionKey, newRequestId, withDeadline } from './records';
import { augmentSystem, citationsOf, type Passage } from './retrieval';
import type * as SageMakerModule from './sagemaker-backend';
import { type ApiHandlerSettings, fromEnvironment } from './settings';
import { encodeEvent } from './sse';
import { TemplateError, renderTemplate } from './templates';
import { estimateTokens } from './tokens';
import { compileValidators } from './validation';

declare const awslambda: {
  streamifyResponse(handler: (event: APIGatewayProxyEvent, stream: NodeJS.WritableStream, context: Context) => Promise<void>): unknown;
  HttpResponseStream: { from(stream: NodeJS.WritableStream, prelude: { statusCode: number; headers: Record<string, string> }): NodeJS.WritableStream };
};

// Configuration is read once per execution environment (cold start): a copy, so nothing changes under it.
const env = { ...process.env };
// What GenerativeApi wrote into the environment, read through the same contract (./settings).
const settings = fromEnvironment(env);
const { limits, modelTimeoutMs, recordTimeoutMs, deadLetterTimeoutMs, acceptsAssistantTurns, reviewers } = settings;
const templates = new Map(settings.promptTemplates.map((t) => [t.id, t]));
const bucket = settings.datasetBucket;
const prefix = settings.feedbackPrefix;

const logger = new Logger({ serviceName: settings.serviceName });
const metrics = new Metrics({ serviceName: settings.serviceName });
const tracer = tracingEnabled() ? newTracer() : undefined;
const capture = <T>(client: T): T => (tracer ? tracer.captureAWSv3Client(client) : client);
// Two attempts: one retry absorbs a transient throttle; more would hold the caller past its patience.
const clientConfig = { maxAttempts: 2 };
const backend = createBackend();
const knowledgeBase = settings.knowledgeBase ? createKnowledgeBase(settings.knowledgeBase) : undefined;
// Bedrock applies its guardrail inside Converse; any other model's text goes through ApplyGuardrail.
const guard = settings.guardrail && settings.backend === 'sagemaker' ? createGuard(settings.guardrail.id, settings.guardrail.version) : undefined;
const records = new RecordStore({
  bucket, prefix, s3: s3Client,
  deadLetter: settings.deadLetterQueueUrl ? sendDeadLetter : undefined,
  onFallback: recordFallback,
});
const validators = compileValidators(limits);

/** Powertools' own rule (Tracer: POWERTOOLS_TRACE_ENABLED, in Lambda, outside the SAM and Amplify mocks). */
function tracingEnabled(): boolean {
  if ((env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() === 'false') return false;
  const execution = env.AWS_EXECUTION_ENV ?? '';
  return execution !== '' && execution !== 'AWS_Lambda_amplify-mock' && (env.AWS_SAM_LOCAL ?? '') === '';
}

function newTracer() {
  // The X-Ray SDK behind the Tracer takes as long to load as a model client; disabled tracing never loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Tracer } = require('./sdk/tracer') as typeof TracerModule;
  return new Tracer({ serviceName: settings.serviceName });
}

function createBackend(): Backend {
  if (settings.backend === 'sagemaker') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SageMakerBackend, sageMakerRuntimeClient } = require('./sagemaker-backend') as typeof SageMakerModule;
    return new SageMakerBackend(capture(sageMakerRuntimeClient(clientConfig)), settings.endpointName!, settings.modelName, settings.inferenceComponentName);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BedrockBackend, bedrockRuntimeClient } = require('./bedrock-backend') as typeof BedrockModule;
  return new BedrockBackend(capture(bedrockRuntimeClient(clientConfig)), {
    modelId: settings.modelId!,
    displayName: settings.modelName,
    guardrail: settings.guardrail,
    tools: toolBox(),
    streamsToolUse: settings.tools?.streamsToolUse ?? true,
  });
}

function createKnowledgeBase({ id, results, byDefault }: NonNullable<ApiHandlerSettings['knowledgeBase']>) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { knowledgeBaseClient, retrievePassages } = require('./knowledge-base') as typeof KnowledgeBaseModule;
  const client = capture(knowledgeBaseClient(clientConfig));
  return {
    id, results, byDefault,
    retrieve: (messages: readonly ChatMessage[], results: number, signal: AbortSignal) => retrievePassages(client, id, messages, results, signal),
  };
}

function createGuard(id: string, version: string): GuardModule.Guard {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Guard } = require('./guard') as typeof GuardModule;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { bedrockRuntimeClient } = require('./bedrock-backend') as typeof BedrockModule;
  return new Guard(capture(bedrockRuntimeClient(clientConfig)), id, version);
}

/** The tools the deployment offers (TOOLS=calculator), run in-process. */
function toolBox(): ToolBox | undefined {
  const tools = settings.tools;
  if (!tools?.names.includes('calculator')) return undefined;
  return {
    specs: [CALCULATOR_TOOL],
    maxRounds: tools.maxRounds,
    run: (name, input) => (name === 'calculator' ? runCalculatorTool(input) : { content: [{ text: `error: no tool named "${name}"` }], status: 'error' }),
  };
}

let s3: Promise<S3Module.S3Client> | undefined;
/** The S3 client, with timeouts: a socket that connects or answers too slowly is retried, within the write's budget. */
function s3Client(): Promise<S3Module.S3Client> {
  s3 ??= Promise.resolve().then(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { S3Client } = require('./sdk/s3') as typeof S3Module;
    return capture(new S3Client({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: Math.min(1000, recordTimeoutMs), requestTimeout: Math.ceil(recordTimeoutMs / 2) },
    }));
  });
  return s3;
}

let sqs: SqsModule.SQSClient | undefined;
async function sendDeadLetter(letter: DeadLetter, signal: AbortSignal): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SQSClient, SendMessageCommand } = require('./sdk/sqs') as typeof SqsModule;
  sqs ??= capture(new SQSClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: Math.min(1000, deadLetterTimeoutMs), requestTimeout: Math.ceil(deadLetterTimeoutMs / 2) },
  }));
  await sqs.send(new SendMessageCommand({ QueueUrl: settings.deadLetterQueueUrl!, MessageBody: JSON.stringify(letter) }), { abortSignal: signal });
}

/** A record that did not reach S3: a metric of its own, published at once (the dead-letter alarm watches the queue). */
function recordFallback(outcome: 'dead-lettered' | 'lost', key: string, error: unknown): void {
  const single = metrics.singleMetric();
  single.addDimension('function', env.AWS_LAMBDA_FUNCTION_NAME ?? 'local');
  single.addMetric(outcome === 'lost' ? 'RecordsLost' : 'RecordsDeadLettered', MetricUnit.Count, 1);
  logger.error(outcome === 'lost' ? 'record lost: neither S3 nor the dead-letter queue took it' : 'record sent to the dead-letter queue', { key, error: error as Error });
}

type Stream = NodeJS.WritableStream;

export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  const requestId = newRequestId();
  const started = performance.now();
  logger.appendKeys({ requestId, gatewayRequestId: event.requestContext?.requestId });
  const route = `${event.httpMethod} ${event.resource}`;
  const observed: Observed = {};
  let status = 200;
  let record: InteractionRecord | undefined;
  try {
    switch (route) {
      case 'GET /v1/health':
        // What a health check needs, and no more: the route is open to anyone.
        json(responseStream, requestId, 200, { requestId, status: 'ok' });
        break;
      case 'POST /v1/generate':
      case 'POST /v1/generate/stream':
        ({ status, record } = await generate(event, responseStream, requestId, context, route.endsWith('/stream'), started, observed));
        break;
      case 'POST /v1/feedback':
        status = await feedback(event, responseStream, requestId, context);
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
  }
  const respondedMs = performance.now() - started;
  try {
    // The caller has the whole answer; its record is written now, within this invocation's remaining time.
    if (record) await records.write(interactionKey(prefix, record.requestId), record, recordBudgets(context));
  } finally {
    // Added and published in one synchronous step, so concurrent invocations never mix dimensions.
    metrics.addDimension('route', event.resource ?? 'unknown');
    metrics.addMetric(status < 400 ? 'Success' : status < 500 ? 'ClientError' : 'ServerError', MetricUnit.Count, 1);
    metrics.addMetric('LatencyMs', MetricUnit.Milliseconds, respondedMs);
    if (observed.ttftMs !== undefined) metrics.addMetric('TimeToFirstTokenMs', MetricUnit.Milliseconds, observed.ttftMs);
    if (observed.inputTokens !== undefined) metrics.addMetric('InputTokens', MetricUnit.Count, observed.inputTokens);
    if (observed.outputTokens !== undefined) metrics.addMetric('OutputTokens', MetricUnit.Count, observed.outputTokens);
    metrics.publishStoredMetrics();
    logger.resetKeys();
  }
});

/** What an invocation measured, for its metrics. */
interface Observed {
  ttftMs?: number;
  inputTokens?: number;
  outputTokens?: number;
}

/** How long a record write may take, from what is left of the invocation: S3 first, then the dead-letter queue. */
function recordBudgets(context: Context): { s3Ms: number; deadLetterMs: number } {
  const remaining = context.getRemainingTimeInMillis() - 250;
  const deadLetterMs = Math.max(0, Math.min(deadLetterTimeoutMs, remaining / 2));
  return { s3Ms: Math.max(0, Math.min(recordTimeoutMs, remaining - deadLetterMs)), deadLetterMs };
}

/** A prompt as the model will receive it, with where its parts came from. */
interface BuiltPrompt {
  readonly system?: string;
  readonly messages: ChatMessage[];
  readonly templateId?: string;
  readonly templateVersion?: string;
  readonly templateOverrides?: readonly 'system'[];
  /** The caller wrote the system prompt (no template, or an unlocked one replaced). */
  readonly callerSystem: boolean;
  /** Messages from this index on hold the caller's text (a template's examples are the deployment's). */
  readonly callerFrom: number;
  readonly callerAssistantTurns: number;
}

interface Answered {
  readonly status: number;
  /** The interaction to record once the caller has the answer. */
  readonly record?: InteractionRecord;
}

async function generate(event: APIGatewayProxyEvent, out: Stream, requestId: string, context: Context, streamRoute: boolean, started: number, observed: Observed): Promise<Answered> {
  const body = parseBody<GenerateRequest>(event, validators.generate);
  const stream = streamRoute || body.stream === true;
  const built = buildPrompt(body);
  const deadline = new AbortController();
  // The model gets what is left once the record's own budget is set aside.
  const reserve = 1500 + recordTimeoutMs + deadLetterTimeoutMs;
  const budget = Math.max(1000, Math.min(modelTimeoutMs, context.getRemainingTimeInMillis() - reserve));
  const timer = setTimeout(() => deadline.abort(new DOMException('deadline', 'TimeoutError')), budget);
  try {
    return await answer(body, out, requestId, built, callerOf(event, reviewers), deadline.signal, stream, started, observed);
  } finally {
    clearTimeout(timer);
  }
}

async function answer(
  body: GenerateRequest, out: Stream, requestId: string, built: BuiltPrompt, caller: Caller | undefined, signal: AbortSignal, stream: boolean, started: number, observed: Observed,
): Promise<Answered> {
  const inputTokens = estimateTokens(built.system, built.messages);
  if (inputTokens > limits.maxInputTokens) {
    throw new ApiError(413, 'prompt_too_long', `The prompt is about ${inputTokens} tokens; this API takes at most ${limits.maxInputTokens}. Shorten it.`, body.messages ? 'messages' : body.prompt ? 'prompt' : 'template.variables');
  }
  let { system, messages } = built;
  const record = (result: Pick<ModelResult, 'text' | 'stopReason' | 'usage'>, complete = true, error?: string): InteractionRecord => ({
    requestId, createdAt: new Date().toISOString(), model: backend.model, templateId: built.templateId, templateVersion: built.templateVersion,
    templateOverrides: built.templateOverrides, caller: caller?.id, system, messages, callerAssistantTurns: built.callerAssistantTurns || undefined,
    response: result.text, stopReason: result.stopReason, usage: result.usage, complete, error,
  });
  const meta = { model: backend.model, templateVersion: built.templateVersion, templateOverrides: built.templateOverrides };

  if (guard) {
    const guarded = await modelCall(() => guardInput(guard, built, signal), signal);
    system = guarded.system;
    messages = guarded.messages;
    if (guarded.blocked !== undefined) {
      // As Bedrock answers a prompt its guardrail blocks: the guardrail's message, and no model call.
      const result = { text: guarded.blocked, stopReason: 'guardrail_intervened', usage: { inputTokens: 0, outputTokens: 0 } };
      if (stream) {
        const sse = awslambda.HttpResponseStream.from(out, { statusCode: 200, headers: headers(requestId, 'text/event-stream') });
        sse.write(encodeEvent('token', { text: result.text }));
        sse.write(encodeEvent('done', { requestId, usage: result.usage, ...meta, stopReason: result.stopReason, latencyMs: Math.round(performance.now() - started) }));
        sse.end();
      } else {
        json(out, requestId, 200, { requestId, text: result.text, usage: result.usage, ...meta, stopReason: result.stopReason, latencyMs: Math.round(performance.now() - started) });
      }
      return { status: 200, record: record(result) };
    }
  }

  const passages = await modelCall(() => retrieve(body, messages, signal), signal);
  // Passages fill what the prompt leaves of the budget, best first; the user's own text is never cut.
  while (passages.length > 0 && estimateTokens(augmentSystem(system, passages), messages) > limits.maxInputTokens) passages.pop();
  system = augmentSystem(system, passages);
  const citations = passages.length > 0 ? citationsOf(passages) : undefined;
  const request: ModelRequest = {
    system, messages, maxTokens: body.maxTokens ?? limits.maxOutputTokens, temperature: body.temperature, topP: body.topP, stop: body.stop,
  };

  if (!stream) {
    let result = await modelCall(() => backend.generate(request, signal), signal);
    if (guard) {
      const checked = await modelCall(() => guard.output(result.text, signal), signal);
      if (checked.intervened) result = { ...result, text: checked.text, stopReason: checked.blocked ? 'guardrail_intervened' : result.stopReason };
    }
    const latencyMs = Math.round(performance.now() - started);
    observed.inputTokens = result.usage.inputTokens;
    observed.outputTokens = result.usage.outputTokens;
    json(out, requestId, 200, { requestId, text: result.text, usage: result.usage, ...meta, stopReason: result.stopReason, latencyMs, citations, toolCalls: result.toolCalls || undefined });
    logger.info('generated', { stream, latencyMs, ...result.usage, templateVersion: built.templateVersion });
    return { status: 200, record: record(result) };
  }

  let sse: Stream | undefined;
  let ttftMs: number | undefined;
  let sent = '';
  let ended = false;
  const emit = (text: string) => {
    // A backend still running after the deadline ended the stream writes nowhere.
    if (ended) return;
    if (ttftMs === undefined) ttftMs = performance.now() - started;
    sent += text;
    sse ??= awslambda.HttpResponseStream.from(out, { statusCode: 200, headers: headers(requestId, 'text/event-stream') });
    sse.write(encodeEvent('token', { text }));
  };
  const sink = guard ? guardedSink(guard, emit, signal) : { push: emit, flush: async () => undefined, blocked: () => false };
  try {
    let result = await modelCall(() => backend.stream(request, signal, sink.push), signal);
    await modelCall(() => sink.flush(), signal);
    if (sink.blocked()) result = { ...result, stopReason: 'guardrail_intervened' };
    const latencyMs = Math.round(performance.now() - started);
    sse ??= awslambda.HttpResponseStream.from(out, { statusCode: 200, headers: headers(requestId, 'text/event-stream') });
    sse.write(encodeEvent('done', { requestId, usage: result.usage, ...meta, stopReason: result.stopReason, latencyMs, citations, toolCalls: result.toolCalls || undefined }));
    ended = true;
    sse.end();
    observed.ttftMs = ttftMs;
    observed.inputTokens = result.usage.inputTokens;
    observed.outputTokens = result.usage.outputTokens;
    logger.info('generated', { stream, latencyMs, ttftMs, ...result.usage, templateVersion: built.templateVersion });
    return { status: 200, record: record({ ...result, text: sent }) };
  } catch (error) {
    if (sse === undefined) throw error;
    // Headers are gone: the failure travels as an event, then the stream ends. The caller saw part of an
    // answer, so it is recorded, as incomplete: training data must never mistake it for a whole one.
    const apiError = toApiError(error);
    logger.error('stream failed after the first token', { error: error as Error, code: apiError.code });
    ended = true;
    sse.write(encodeEvent('error', errorBody(requestId, apiError)));
    sse.end();
    return { status: apiError.status, record: record({ text: sent, stopReason: 'error', usage: { inputTokens: 0, outputTokens: 0 } }, false, apiError.code) };
  }
}

/**
 * A model call bounded by the request's deadline: whatever the SDK makes of an aborted connection (an AbortError
 * before the first byte, a cut event stream, a body that just ends), the caller gets 504 model_timeout.
 */
async function modelCall<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await withDeadline(call(), signal);
  } catch (error) {
    if (signal.aborted) throw new ApiError(504, 'model_timeout', 'The model did not answer in time.');
    throw error;
  }
}

/** The caller's text through the guardrail (INPUT); a blocked prompt comes back as the guardrail's message. */
async function guardInput(g: GuardModule.Guard, built: BuiltPrompt, signal: AbortSignal) {
  const [system, turns] = await Promise.all([
    built.callerSystem && built.system !== undefined ? g.input([{ role: 'user', content: built.system }], signal) : undefined,
    g.input(built.messages.slice(built.callerFrom), signal),
  ]);
  const blocked = system?.blocked ?? turns.blocked;
  return {
    system: system ? system.messages[0].content : built.system,
    messages: [...built.messages.slice(0, built.callerFrom), ...turns.messages],
    blocked: blocked?.text,
  };
}

/**
 * Streamed tokens through the guardrail (OUTPUT) in batches that end at a sentence, as Bedrock's synchronous
 * guardrail streaming does: each batch is assessed before the caller sees it, and nothing follows a blocked one.
 */
function guardedSink(g: GuardModule.Guard, emit: (text: string) => void, signal: AbortSignal) {
  const BATCH_CHARS = 200;
  let pending = '';
  let blocked = false;
  let chain: Promise<void> = Promise.resolve();
  const release = (text: string) => {
    chain = chain.then(async () => {
      if (blocked) return;
      const checked = await g.output(text, signal);
      blocked = checked.blocked;
      emit(checked.text);
    });
    // Awaited by flush(); until then a failed batch must not count as an unhandled rejection.
    chain.catch(() => undefined);
  };
  return {
    push: (text: string) => {
      pending += text;
      if (pending.length >= BATCH_CHARS && /[.!?\n]\s*$/.test(pending)) {
        release(pending);
        pending = '';
      }
    },
    flush: async () => {
      if (pending !== '') release(pending);
      pending = '';
      await chain;
    },
    blocked: () => blocked,
  };
}

/** Passages for the request, when it (or the API's default) asks for retrieval. */
async function retrieve(body: GenerateRequest, messages: readonly ChatMessage[], signal: AbortSignal): Promise<Passage[]> {
  const wanted = body.retrieval ?? knowledgeBase?.byDefault ?? false;
  if (!wanted) return [];
  if (!knowledgeBase) throw badRequest('retrieval is true, but this API has no knowledge base.', 'retrieval');
  return knowledgeBase.retrieve(messages, knowledgeBase.results, signal);
}

function buildPrompt(body: GenerateRequest): BuiltPrompt {
  if (body.template) {
    const template = templates.get(body.template.id);
    // The ids a deployment has are not the caller's business: the templates live in its configuration.
    if (!template) throw new ApiError(400, 'unknown_template', `No prompt template "${body.template.id}".`, 'template.id');
    if (template.locked && body.system !== undefined) {
      throw new ApiError(400, 'template_locked', `Template "${template.id}" is locked: the model receives its own system prompt. Remove system.`, 'system');
    }
    try {
      const rendered = renderTemplate(template, body.template.variables);
      const replaced = body.system !== undefined;
      return {
        system: replaced ? body.system : rendered.system, messages: rendered.messages, templateId: template.id, templateVersion: template.version,
        templateOverrides: replaced ? ['system'] : undefined, callerSystem: replaced, callerFrom: rendered.messages.length - 1, callerAssistantTurns: 0,
      };
    } catch (error) {
      if (error instanceof TemplateError) throw badRequest(error.message, error.field);
      throw error;
    }
  }
  const messages = [...(body.messages ?? [{ role: 'user' as const, content: body.prompt! }])];
  // Converse (and chat templates) need user first, then alternating turns, ending with the user.
  for (let i = 0; i < messages.length; i++) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (messages[i].role !== expected) throw badRequest(`messages[${i}].role is "${messages[i].role}"; turns alternate user, assistant, user, ... starting with user.`, `messages[${i}].role`);
  }
  if (messages[messages.length - 1].role !== 'user') throw badRequest('the last message must be from the user.', `messages[${messages.length - 1}].role`);
  const callerAssistantTurns = messages.filter((m) => m.role === 'assistant').length;
  if (callerAssistantTurns > 0 && !acceptsAssistantTurns) {
    throw new ApiError(400, 'assistant_turns_not_allowed', 'This API takes user turns only: a conversation\'s earlier answers cannot be supplied by the caller.', 'messages[1].role');
  }
  return { system: body.system, messages, callerSystem: body.system !== undefined, callerFrom: 0, callerAssistantTurns };
}

async function feedback(event: APIGatewayProxyEvent, out: Stream, requestId: string, context: Context): Promise<number> {
  const body = parseBody<FeedbackRequest>(event, validators.feedback);
  const caller = callerOf(event, reviewers);
  if (!caller) throw new ApiError(403, 'feedback_forbidden', 'Feedback needs an authenticated caller; this request carried no identity.');
  const budgets = recordBudgets(context);
  let interaction: InteractionRecord | undefined;
  try {
    interaction = await records.getInteraction(body.requestId, AbortSignal.timeout(budgets.s3Ms));
  } catch (error) {
    logger.error('interaction record unreadable', { forRequestId: body.requestId, error: error as Error });
    throw new ApiError(503, 'records_unavailable', 'The answer\'s record could not be read; retry after the delay given.', undefined, 2);
  }
  if (!interaction) {
    throw new ApiError(404, 'unknown_request', `No answer was given under request id "${body.requestId}"; feedback needs the requestId of a /v1/generate response (its record is written just after the answer is sent).`, 'requestId');
  }
  if (interaction.caller !== caller.id && !caller.reviewer) {
    throw new ApiError(403, 'feedback_forbidden', 'Only the caller who asked for an answer, or a reviewer, may rate it.', 'requestId');
  }
  const record: FeedbackRecord = {
    version: 2, feedbackId: randomUUID(), requestId: body.requestId, createdAt: new Date().toISOString(), rating: body.rating,
    comment: body.comment, correction: body.correction, model: interaction.model, templateVersion: interaction.templateVersion,
    caller: caller.id, reviewer: interaction.caller !== caller.id ? true : undefined,
  };
  // The feedback is the answer here: 201 once it is stored or queued for replay, 503 when neither took it.
  const outcome = await records.write(feedbackKey(prefix, body.requestId), record, budgets);
  if (outcome === 'lost') throw new ApiError(503, 'feedback_not_stored', 'The feedback could not be stored; retry after the delay given.', undefined, 2);
  json(out, requestId, 201, { requestId, feedbackId: record.feedbackId, forRequestId: body.requestId });
  logger.info('feedback stored', { forRequestId: body.requestId, rating: body.rating, corrected: body.correction !== undefined, reviewer: record.reviewer === true, outcome });
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
