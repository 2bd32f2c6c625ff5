// Stand-in for Amazon SageMaker Runtime's InvokeEndpoint and InvokeEndpointWithResponseStream in front of an LLM
// container that speaks the OpenAI chat completions dialect, as LMI (vLLM / TensorRT-LLM), TGI and vLLM do on
// SageMaker. The real @aws-sdk/client-sagemaker-runtime is meant to be pointed at it.
//
// Wire details (sources: @aws-sdk/client-sagemaker-runtime 3.1164 dist-cjs/index.js schemas; SageMaker API
// Reference InvokeEndpoint / InvokeEndpointWithResponseStream / CommonErrors; djl-serving
// serving/docs/lmi/user_guides/chat_input_output_schema.md; text-generation-inference router/src/sagemaker.rs):
// - POST /endpoints/{EndpointName}/invocations: the body goes to the container; its JSON answer comes back as the
//   body with Content-Type and x-Amzn-Invoked-Production-Variant.
// - POST /endpoints/{EndpointName}/invocations-response-stream: application/vnd.amazon.eventstream frames whose
//   `:event-type` is PayloadPart and whose payload is raw bytes of the container's stream, cut anywhere (a
//   PayloadPart may end mid-line); X-Amzn-SageMaker-Content-Type carries the container's content type.
// - The container's stream: TGI (and vLLM's OpenAI server) send server-sent events, `data: {chunk}\n\n` ending with
//   `data: [DONE]\n\n`, as text/event-stream; LMI's chat completions schema sends one JSON chunk per line as
//   application/jsonlines. Chunks are chat.completion.chunk objects; the first delta carries the role, a last chunk
//   carries finish_reason, and a usage chunk with empty choices follows when stream_options.include_usage is set
//   (the OpenAI / vLLM convention). A body without `"stream": true` is answered unstreamed, as one PayloadPart.
// - Mid-stream errors are `exception` frames named after the ResponseStream union members ModelStreamError
//   {Message, ErrorCode} and InternalStreamFailure {Message}. A stream can also just stop (truncateAfterTokens):
//   a container that dies, or a connection cut, ends the body with no finish_reason, usage or [DONE].
// - Errors before a stream starts are restJson1 errors (x-amzn-ErrorType + JSON body): ModelError 424
//   {Message, OriginalStatusCode, OriginalMessage, LogStreamArn}, ServiceUnavailable 503 {Message},
//   ValidationError 400 {Message}. Throttling is not modeled for SageMaker Runtime: the service answers 400
//   with x-amzn-ErrorType ThrottlingException and {"message":null}, which the SDK surfaces as a
//   SageMakerRuntimeServiceException named ThrottlingException (and retries as a throttle).
// Signatures are not checked; unknown headers and body members are ignored.
import { randomUUID } from 'node:crypto';
import { EVENT_STREAM_CONTENT_TYPE, eventHeaders, exceptionHeaders, frame } from './event-stream';
import { after, completionDelayMs, countWords, failureFor, type Generation, paceTokens, resolveGeneration, tokensFor } from './generation';
import { type Exchange, listen, type Reply, sendJson, sendRestJsonError } from './server';
import type { FailureKind, SageMakerBehaviour, SageMakerStandIn, StreamFraming } from './types';

const PREFIX = '/endpoints/';
const VARIANT = 'AllTraffic';
const ACCOUNT = '123456789012';
const H_PAYLOAD_PART = eventHeaders('PayloadPart', 'application/octet-stream');
const FRAME_STREAM_ERROR = frame(
  exceptionHeaders('ModelStreamError'),
  JSON.stringify({ Message: 'Model stream broke (stand-in stream-error).', ErrorCode: 'StreamBroken' }),
);
const FRAME_INTERNAL_FAILURE = frame(
  exceptionHeaders('InternalStreamFailure'),
  JSON.stringify({ Message: 'The stream processing failed because of an unknown error, exception or failure (stand-in).' }),
);
const CONTAINER_CONTENT_TYPE: Record<StreamFraming, string> = { sse: 'text/event-stream', jsonlines: 'application/jsonlines' };
const SSE_DONE = Buffer.from('data: [DONE]\n\n', 'utf8');

interface SageMakerSettings {
  readonly gen: Generation;
  readonly framing: StreamFraming;
  readonly splitChunks: boolean;
  readonly inferenceComponents?: readonly string[];
  readonly truncateAfterTokens?: number;
  readonly streamFailure?: SageMakerBehaviour['streamFailure'];
}

interface ParsedChat {
  readonly promptTokens: number;
  readonly lastUserText: string;
  readonly maxTokens: number | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
}

/** Starts a SageMaker Runtime stand-in on 127.0.0.1 and a free port. */
export async function startSageMakerRuntime(b?: SageMakerBehaviour): Promise<SageMakerStandIn> {
  let settings = resolveSettings(b);
  const harness = await listen((x) => handle(x, settings));
  return {
    url: harness.url,
    requests: harness.requests,
    setBehaviour(next: SageMakerBehaviour) {
      settings = resolveSettings(next);
      harness.resetCounter();
    },
    close: () => harness.close(),
  };
}

function resolveSettings(b: SageMakerBehaviour = {}): SageMakerSettings {
  const framing = b.streamFraming ?? 'sse';
  const problems: string[] = [];
  if (framing !== 'sse' && framing !== 'jsonlines') problems.push(`streamFraming must be 'sse' or 'jsonlines', got '${String(framing)}'`);
  const truncate = b.truncateAfterTokens;
  if (truncate !== undefined && (!Number.isInteger(truncate) || truncate < 0)) problems.push(`truncateAfterTokens must be a whole number >= 0, got ${truncate}`);
  const failure = b.streamFailure;
  if (failure !== undefined && (!Number.isInteger(failure.afterTokens) || failure.afterTokens < 1)) problems.push(`streamFailure.afterTokens must be a whole number >= 1, got ${failure.afterTokens}`);
  if (failure !== undefined && failure.error !== 'ModelStreamError' && failure.error !== 'InternalStreamFailure') problems.push(`streamFailure.error must be 'ModelStreamError' or 'InternalStreamFailure', got '${String(failure.error)}'`);
  const gen = resolveGeneration(b, problems);
  return { gen, framing, splitChunks: b.splitChunks ?? false, inferenceComponents: b.inferenceComponents, truncateAfterTokens: truncate, streamFailure: failure };
}

function handle(x: Exchange, s: SageMakerSettings): void {
  const { method, res, path } = x;
  const requestId = randomUUID();
  const slash = path.indexOf('/', PREFIX.length);
  const op = slash < 0 ? '' : path.slice(slash + 1);
  if (method !== 'POST' || !path.startsWith(PREFIX) || (op !== 'invocations' && op !== 'invocations-response-stream')) {
    sendRestJsonError(res, 404, 'UnknownOperationException', { message: `No operation at ${method} ${path}` }, { 'x-amzn-RequestId': requestId });
    return;
  }
  const endpointName = decodeURIComponent(path.slice(PREFIX.length, slash));
  const streaming = op === 'invocations-response-stream';

  if (s.inferenceComponents) {
    const component = x.headers['x-amzn-sagemaker-inference-component'];
    if (typeof component !== 'string' || !s.inferenceComponents.includes(component)) {
      sendRestJsonError(res, 400, 'ValidationError', {
        Message: component === undefined
          ? `Endpoint ${endpointName} hosts inference components: name one with InferenceComponentName.`
          : `Inference component ${String(component)} was not found on endpoint ${endpointName}.`,
      }, { 'x-amzn-RequestId': requestId });
      return;
    }
  }

  const failure = failureFor(s.gen, x.seq);
  if (failure === 'timeout-hang') return; // Never answered; the socket is destroyed by the client or close().
  if (failure !== undefined && failure !== 'stream-error') {
    sendFailure(res, failure, endpointName, requestId);
    return;
  }

  const chat = parseChat(x.body);
  if (typeof chat === 'string') {
    // The container rejects the payload, and SageMaker wraps the container's 4xx as a ModelError.
    sendModelError(res, endpointName, requestId, 400, JSON.stringify({ error: chat, error_type: 'validation' }));
    return;
  }
  let tokens = tokensFor(s.gen, chat.lastUserText);
  let finishReason = 'stop';
  if (chat.maxTokens !== undefined && chat.maxTokens < tokens.length) {
    tokens = tokens.slice(0, chat.maxTokens);
    finishReason = 'length';
  }
  const id = `chatcmpl-${requestId}`;
  const created = Math.floor(Date.now() / 1000);
  const usage = `{"prompt_tokens":${chat.promptTokens},"completion_tokens":${tokens.length},"total_tokens":${chat.promptTokens + tokens.length}}`;
  const completion = () =>
    `{"id":"${id}","object":"chat.completion","created":${created},"model":"${endpointName}",` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${JSON.stringify(tokens.join(''))}},"logprobs":null,"finish_reason":"${finishReason}"}],` +
    `"usage":${usage}}`;

  if (!streaming || !chat.stream) {
    after(res, completionDelayMs(s.gen, tokens.length, x.receivedAt), () => {
      if (!streaming) {
        sendJson(res, 200, { 'x-Amzn-Invoked-Production-Variant': VARIANT, 'x-amzn-RequestId': requestId }, completion());
        return;
      }
      writeStreamHeaders(res, 'application/json', requestId);
      res.end(frame(H_PAYLOAD_PART, completion()));
    });
    return;
  }

  writeStreamHeaders(res, CONTAINER_CONTENT_TYPE[s.framing], requestId);
  const head = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":"${endpointName}","choices":`;
  const sendLine = (json: string) => writeParts(res, s, s.framing === 'sse' ? `data: ${json}\n\n` : `${json}\n`);
  paceTokens(
    res,
    s.gen,
    x.receivedAt,
    tokens.length,
    (i) => {
      if (s.truncateAfterTokens !== undefined && i >= s.truncateAfterTokens) {
        res.end();
        return;
      }
      const role = i === 0 ? '"role":"assistant",' : '';
      sendLine(`${head}[{"index":0,"delta":{${role}"content":${JSON.stringify(tokens[i])}},"logprobs":null,"finish_reason":null}]}`);
      if (failure === 'stream-error') res.end(FRAME_STREAM_ERROR);
      else if (s.streamFailure && i + 1 === s.streamFailure.afterTokens) res.end(s.streamFailure.error === 'ModelStreamError' ? FRAME_STREAM_ERROR : FRAME_INTERNAL_FAILURE);
    },
    () => {
      if (s.truncateAfterTokens !== undefined) {
        res.end();
        return;
      }
      sendLine(`${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}]}`);
      if (chat.includeUsage) sendLine(`${head}[],"usage":${usage}}`);
      if (s.framing === 'sse') writeParts(res, s, SSE_DONE);
      res.end();
    },
  );
}

function writeStreamHeaders(res: Reply, containerContentType: string, requestId: string): void {
  res.writeHead(200, {
    'content-type': EVENT_STREAM_CONTENT_TYPE,
    'X-Amzn-SageMaker-Content-Type': containerContentType,
    'x-Amzn-Invoked-Production-Variant': VARIANT,
    'x-amzn-RequestId': requestId,
  });
  res.flushHeaders();
}

/** Writes bytes of the container's stream as one PayloadPart, or as two split mid-way when splitChunks is on. */
function writeParts(res: Reply, s: SageMakerSettings, data: string | Buffer): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (!s.splitChunks || bytes.length < 2) {
    res.write(frame(H_PAYLOAD_PART, bytes));
    return;
  }
  // SageMaker cuts PayloadParts wherever its buffers end, characters included: cut inside the first multi-byte
  // character where there is one (so a consumer decoding each part to text on its own is caught), else mid-way.
  const multiByte = bytes.findIndex((b) => b >= 0x80);
  const cut = multiByte >= 0 ? multiByte + 1 : bytes.length >> 1;
  res.write(frame(H_PAYLOAD_PART, bytes.subarray(0, cut)));
  res.write(frame(H_PAYLOAD_PART, bytes.subarray(cut)));
}

function sendFailure(res: Reply, kind: Exclude<FailureKind, 'timeout-hang' | 'stream-error'>, endpointName: string, requestId: string): void {
  const headers = { 'x-amzn-RequestId': requestId };
  switch (kind) {
    case 'throttle':
      return sendRestJsonError(res, 400, 'ThrottlingException', { message: null }, headers);
    case 'model-error':
      return sendModelError(res, endpointName, requestId, 500, '{"error":"stand-in model-error","error_type":"generation"}');
    case 'unavailable':
      return sendRestJsonError(res, 503, 'ServiceUnavailable', { Message: 'The service is unavailable. Try your call again.' }, headers);
    case 'validation':
      return sendRestJsonError(res, 400, 'ValidationError', { Message: 'Inspect your request and try again (stand-in validation).' }, headers);
  }
}

/** A container error as SageMaker relays it: 424 ModelError with the container's status and message. */
function sendModelError(res: Reply, endpointName: string, requestId: string, originalStatusCode: number, originalMessage: string): void {
  const logGroup = `/aws/sagemaker/Endpoints/${endpointName}`;
  const side = originalStatusCode < 500 ? 'client' : 'server';
  sendRestJsonError(
    res,
    424,
    'ModelError',
    {
      ErrorCode: originalStatusCode < 500 ? 'CLIENT_ERROR_FROM_MODEL' : 'INTERNAL_FAILURE_FROM_MODEL',
      LogStreamArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${logGroup}`,
      Message: `Received ${side} error (${originalStatusCode}) from primary with message "${originalMessage}". See CloudWatch log group ${logGroup} in account ${ACCOUNT} for more information.`,
      OriginalMessage: originalMessage,
      OriginalStatusCode: originalStatusCode,
    },
    { 'x-amzn-RequestId': requestId },
  );
}

/** The fields the stand-in needs from an OpenAI-style chat request, or the container's complaint about it. */
function parseChat(body: Buffer): ParsedChat | string {
  let input: { messages?: unknown; max_tokens?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } };
  try {
    input = JSON.parse(body.toString('utf8')) as typeof input;
  } catch {
    return 'Input validation error: the body is not JSON';
  }
  if (!Array.isArray(input?.messages) || input.messages.length === 0) {
    return 'Input validation error: `messages` must be a non-empty array of chat messages';
  }
  let promptTokens = 0;
  let lastUserText = '';
  for (const m of input.messages as { role?: unknown; content?: unknown }[]) {
    const text = contentText(m?.content);
    promptTokens += countWords(text);
    if (m?.role === 'user') lastUserText = text;
  }
  const maxTokens = input.max_tokens;
  return {
    promptTokens,
    lastUserText,
    maxTokens: typeof maxTokens === 'number' && maxTokens > 0 ? maxTokens : undefined,
    stream: input.stream === true,
    includeUsage: input.stream_options?.include_usage === true,
  };
}

/** An OpenAI message's text: a string, or the text parts of an array of content parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const p of content as { type?: unknown; text?: unknown }[]) if (typeof p?.text === 'string') texts.push(p.text);
  return texts.join('\n');
}
