// Stand-in for Amazon Bedrock Runtime's Converse and ConverseStream, speaking the service's restJson1 wire protocol
// so that the real @aws-sdk/client-bedrock-runtime serializes, signs, streams and retries against it.
//
// Wire details (sources: the Bedrock API Reference pages API_runtime_Converse / API_runtime_ConverseStream /
// API_runtime_ConverseStreamOutput, and the schemas in @aws-sdk/client-bedrock-runtime 3.1164 dist-cjs/index.js):
// - POST /model/{modelId}/converse and /model/{modelId}/converse-stream; modelId is URL-encoded, so an ARN arrives
//   with its ':' and '/' escaped and the operation is whatever follows the last '/'.
// - Converse answers JSON {output:{message:{role,content:[{text}]}}, stopReason, usage, metrics:{latencyMs}}.
// - ConverseStream answers application/vnd.amazon.eventstream frames: messageStart {role}, contentBlockDelta
//   {contentBlockIndex, delta:{text}} per token, contentBlockStop {contentBlockIndex}, messageStop {stopReason},
//   metadata {usage, metrics}. A text block has no contentBlockStart (that event carries toolUse starts only).
// - Mid-stream errors are `exception` frames named after the ConverseStreamOutput union members:
//   internalServerException, modelStreamErrorException, validationException, throttlingException,
//   serviceUnavailableException.
// - Errors before a stream starts are restJson1 errors: status + x-amzn-ErrorType + {message}; the SDK's error
//   schemas give ThrottlingException 429, ModelErrorException 424 {message, originalStatusCode, resourceName},
//   ServiceUnavailableException 503, ValidationException 400.
// Signatures are not checked; unknown headers and request members are ignored.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EVENT_STREAM_CONTENT_TYPE, eventHeaders, exceptionHeaders, frame } from './event-stream';
import { after, completionDelayMs, countWords, failureFor, type Generation, paceTokens, resolveGeneration, tokensFor } from './generation';
import { type Exchange, listen, type Reply, sendJson, sendRestJsonError } from './server';
import type { FailureKind, GenerationBehaviour, StandIn } from './types';

const PREFIX = '/model/';

// Frames on the wire also carry `p`, a padding member of varying length that is not in the API reference and that
// the SDK ignores; one fixed pad keeps consumers honest about unknown members without a random string per frame.
const PAD = '"p":"abcdefghijkl"';
const H_DELTA = eventHeaders('contentBlockDelta');
const FRAME_MESSAGE_START = frame(eventHeaders('messageStart'), `{${PAD},"role":"assistant"}`);
const FRAME_BLOCK_STOP = frame(eventHeaders('contentBlockStop'), `{${PAD},"contentBlockIndex":0}`);
const FRAME_MESSAGE_STOP = {
  end_turn: frame(eventHeaders('messageStop'), `{${PAD},"stopReason":"end_turn"}`),
  max_tokens: frame(eventHeaders('messageStop'), `{${PAD},"stopReason":"max_tokens"}`),
} as const;
const H_METADATA = eventHeaders('metadata');
const FRAME_STREAM_ERROR = frame(
  exceptionHeaders('modelStreamErrorException'),
  JSON.stringify({ message: 'The model stream was interrupted (stand-in stream-error).', originalStatusCode: 500, originalMessage: 'stream broken' }),
);

type StopReason = keyof typeof FRAME_MESSAGE_STOP;

interface ParsedConverse {
  readonly inputTokens: number;
  readonly lastUserText: string;
  readonly maxTokens: number | undefined;
}

/** Starts a Bedrock Runtime stand-in on 127.0.0.1 and a free port. */
export async function startBedrockRuntime(b?: GenerationBehaviour): Promise<StandIn> {
  let gen = resolveGeneration(b);
  const harness = await listen((x) => handle(x, gen));
  return {
    url: harness.url,
    requests: harness.requests,
    setBehaviour(next: GenerationBehaviour) {
      gen = resolveGeneration(next);
      harness.resetCounter();
    },
    close: () => harness.close(),
  };
}

function handle(x: Exchange, gen: Generation): void {
  const { method, res, path } = x;
  const requestId = randomUUID();
  const slash = path.lastIndexOf('/');
  const op = path.slice(slash + 1);
  if (method !== 'POST' || !path.startsWith(PREFIX) || slash < PREFIX.length || (op !== 'converse' && op !== 'converse-stream')) {
    sendRestJsonError(res, 404, 'UnknownOperationException', { message: `No operation at ${method} ${path}` }, { 'x-amzn-RequestId': requestId });
    return;
  }
  const modelId = decodeURIComponent(path.slice(PREFIX.length, slash));
  const streaming = op === 'converse-stream';

  const failure = failureFor(gen, x.seq);
  if (failure === 'timeout-hang') return; // Never answered; the socket is destroyed by the client or close().
  if (failure !== undefined && failure !== 'stream-error') {
    // Rejections come back at once, as the service rejects before any generation.
    sendFailure(res, failure, modelId, requestId);
    return;
  }

  const parsed = parseConverse(x.body);
  if (typeof parsed === 'string') {
    sendRestJsonError(res, 400, 'ValidationException', { message: parsed }, { 'x-amzn-RequestId': requestId });
    return;
  }
  let tokens = tokensFor(gen, parsed.lastUserText);
  let stopReason: StopReason = 'end_turn';
  if (parsed.maxTokens !== undefined && parsed.maxTokens < tokens.length) {
    tokens = tokens.slice(0, parsed.maxTokens);
    stopReason = 'max_tokens';
  }

  if (!streaming) {
    after(res, completionDelayMs(gen, tokens.length, x.receivedAt), () => {
      const outputTokens = tokens.length;
      const json =
        `{"output":{"message":{"role":"assistant","content":[{"text":${JSON.stringify(tokens.join(''))}}]}},` +
        `"stopReason":"${stopReason}",` +
        `"usage":{"inputTokens":${parsed.inputTokens},"outputTokens":${outputTokens},"totalTokens":${parsed.inputTokens + outputTokens}},` +
        `"metrics":{"latencyMs":${Math.round(performance.now() - x.receivedAt)}}}`;
      sendJson(res, 200, { 'x-amzn-RequestId': requestId }, json);
    });
    return;
  }

  res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-RequestId': requestId });
  res.flushHeaders();
  const streamError = failure === 'stream-error';
  paceTokens(
    res,
    gen,
    x.receivedAt,
    tokens.length,
    (i) => {
      if (i === 0) res.write(FRAME_MESSAGE_START);
      res.write(frame(H_DELTA, `{${PAD},"contentBlockIndex":0,"delta":{"text":${JSON.stringify(tokens[i])}}}`));
      if (streamError) res.end(FRAME_STREAM_ERROR);
    },
    () => {
      const outputTokens = tokens.length;
      res.write(FRAME_BLOCK_STOP);
      res.write(FRAME_MESSAGE_STOP[stopReason]);
      res.end(
        frame(
          H_METADATA,
          `{${PAD},"usage":{"inputTokens":${parsed.inputTokens},"outputTokens":${outputTokens},"totalTokens":${parsed.inputTokens + outputTokens}},` +
            `"metrics":{"latencyMs":${Math.round(performance.now() - x.receivedAt)}}}`,
        ),
      );
    },
  );
}

function sendFailure(res: Reply, kind: Exclude<FailureKind, 'timeout-hang' | 'stream-error'>, modelId: string, requestId: string): void {
  const headers = { 'x-amzn-RequestId': requestId };
  switch (kind) {
    case 'throttle':
      return sendRestJsonError(res, 429, 'ThrottlingException', { message: 'Too many requests, please wait before trying again.' }, headers);
    case 'model-error':
      return sendRestJsonError(
        res,
        424,
        'ModelErrorException',
        { message: 'The model returned an error (stand-in model-error).', originalStatusCode: 500, resourceName: modelId },
        headers,
      );
    case 'unavailable':
      return sendRestJsonError(res, 503, 'ServiceUnavailableException', { message: 'Bedrock is unable to process your request.' }, headers);
    case 'validation':
      return sendRestJsonError(res, 400, 'ValidationException', { message: 'Malformed input request, please reformat your input and try again.' }, headers);
  }
}

/** The fields the stand-in needs from a Converse request, or the ValidationException message for a bad one. */
function parseConverse(body: Buffer): ParsedConverse | string {
  let input: { messages?: unknown; system?: unknown; inferenceConfig?: { maxTokens?: unknown } };
  try {
    input = JSON.parse(body.toString('utf8')) as typeof input;
  } catch {
    return 'Malformed input request: the body is not JSON.';
  }
  if (!Array.isArray(input.messages)) {
    return "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null";
  }
  let inputTokens = countBlocks(input.system);
  let lastUserText = '';
  for (const m of input.messages as { role?: unknown; content?: unknown }[]) {
    inputTokens += countBlocks(m?.content);
    if (m?.role === 'user') lastUserText = textOf(m.content);
  }
  const maxTokens = input.inferenceConfig?.maxTokens;
  return { inputTokens, lastUserText, maxTokens: typeof maxTokens === 'number' && maxTokens > 0 ? maxTokens : undefined };
}

function countBlocks(blocks: unknown): number {
  let n = 0;
  if (Array.isArray(blocks)) {
    for (const b of blocks as { text?: unknown }[]) if (typeof b?.text === 'string') n += countWords(b.text);
  }
  return n;
}

function textOf(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const texts: string[] = [];
  for (const b of blocks as { text?: unknown }[]) if (typeof b?.text === 'string') texts.push(b.text);
  return texts.join('\n');
}
