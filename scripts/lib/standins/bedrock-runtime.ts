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
// - Tool use (schemas ToolUseBlock {toolUseId, name, input: document}, ToolResultBlock {toolUseId, content:
//   [{text} | {json}], status}, ContentBlockStartEvent {start: {toolUse: {toolUseId, name}}, contentBlockIndex},
//   ToolUseBlockDelta {input: string}): Converse answers content [{toolUse:{toolUseId,name,input}}] with stopReason
//   tool_use; ConverseStream sends contentBlockStart {start:{toolUse:{toolUseId,name}}}, then contentBlockDelta
//   {delta:{toolUse:{input}}} with the input's JSON text in pieces (the first one empty, as Claude models on Bedrock
//   send it), contentBlockStop, messageStop {stopReason:"tool_use"}, metadata. A text block before it (preamble)
//   has index 0 and the toolUse block index 1. Ids look like the service's: "tooluse_" + 22 base64url characters.
// - The service rejects (ValidationException 400) a conversation with toolUse/toolResult blocks but no toolConfig
//   ("The toolConfig field must be defined when using toolUse and toolResult content blocks.") and a user turn
//   whose toolResult blocks do not answer the previous assistant turn's toolUse ids ("Expected toolResult blocks
//   at messages.N.content for the following Ids: ...", "The number of toolResult blocks at messages.N.content
//   exceeds the number of toolUse blocks of previous turn."); the stand-in does too, with those messages.
// Signatures are not checked; unknown headers and request members are ignored.
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EVENT_STREAM_CONTENT_TYPE, eventHeaders, exceptionHeaders, frame } from './event-stream';
import { after, completionDelayMs, countWords, failureFor, type Generation, paceTokens, resolveGeneration, tokensFor } from './generation';
import { type Exchange, listen, type Reply, sendJson, sendRestJsonError } from './server';
import type { BedrockRuntimeBehaviour, BedrockRuntimeStandIn, BedrockStreamException, FailureKind, ToolUseBehaviour } from './types';

const PREFIX = '/model/';

// Frames on the wire also carry `p`, a padding member of varying length that is not in the API reference and that
// the SDK ignores; one fixed pad keeps consumers honest about unknown members without a random string per frame.
const PAD = '"p":"abcdefghijkl"';
const H_DELTA = eventHeaders('contentBlockDelta');
const H_BLOCK_START = eventHeaders('contentBlockStart');
const H_BLOCK_STOP = eventHeaders('contentBlockStop');
const FRAME_MESSAGE_START = frame(eventHeaders('messageStart'), `{${PAD},"role":"assistant"}`);
const FRAME_BLOCK_STOP = frame(H_BLOCK_STOP, `{${PAD},"contentBlockIndex":0}`);
const FRAME_MESSAGE_STOP = {
  end_turn: frame(eventHeaders('messageStop'), `{${PAD},"stopReason":"end_turn"}`),
  max_tokens: frame(eventHeaders('messageStop'), `{${PAD},"stopReason":"max_tokens"}`),
  tool_use: frame(eventHeaders('messageStop'), `{${PAD},"stopReason":"tool_use"}`),
} as const;
const H_METADATA = eventHeaders('metadata');
const FRAME_STREAM_ERROR = frame(
  exceptionHeaders('modelStreamErrorException'),
  JSON.stringify({ message: 'The model stream was interrupted (stand-in stream-error).', originalStatusCode: 500, originalMessage: 'stream broken' }),
);

/** At most this many UTF-16 units of a toolUse input's JSON go in one contentBlockDelta (the service sends a few). */
const TOOL_INPUT_PIECE = 8;

type StopReason = keyof typeof FRAME_MESSAGE_STOP;

/** The validated behaviour. */
interface State {
  readonly gen: Generation;
  readonly toolUse: ToolUseBehaviour | undefined;
  readonly streamingToolUse: boolean;
  readonly streamFailure: { readonly afterTokens: number; readonly frame: Uint8Array } | undefined;
}

/** The exception frames' payloads: {message}, and the original status for a model stream error (API Reference). */
const STREAM_EXCEPTION_MESSAGES: Record<BedrockStreamException, string> = {
  throttlingException: 'Too many tokens, please wait before trying again.',
  serviceUnavailableException: 'Bedrock is unable to process your request.',
  internalServerException: 'The server encountered an error processing your request.',
  modelStreamErrorException: 'The model stream was interrupted (stand-in streamFailure).',
  validationException: 'The request was invalid (stand-in streamFailure).',
};

/** One content block of an answer; a stream sends one contentBlockDelta per piece, paced like tokens. */
type AnswerBlock =
  | { readonly kind: 'text'; readonly pieces: readonly string[] }
  | {
      readonly kind: 'toolUse';
      readonly toolUseId: string;
      readonly name: string;
      readonly input: Record<string, unknown>;
      /** The input's JSON text, cut into pieces. */
      readonly pieces: readonly string[];
    };

interface Answer {
  readonly blocks: readonly AnswerBlock[];
  readonly stopReason: StopReason;
  /** Pieces over all blocks: the output tokens. */
  readonly count: number;
}

interface ToolResultSeen {
  readonly text: string;
  readonly status?: string;
}

interface ParsedConverse {
  readonly inputTokens: number;
  readonly lastUserText: string;
  readonly maxTokens: number | undefined;
  /** toolConfig.tools[].toolSpec.name */
  readonly tools: readonly string[];
  /** The text of the current turn's question: the last user message without toolResult blocks. */
  readonly question: string;
  /** The toolResult blocks after that question, in order. */
  readonly results: readonly ToolResultSeen[];
}

interface WireBlock {
  readonly text?: unknown;
  readonly toolUse?: { readonly toolUseId?: unknown; readonly input?: unknown };
  readonly toolResult?: { readonly toolUseId?: unknown; readonly content?: unknown; readonly status?: unknown };
}

interface WireMessage {
  readonly role?: unknown;
  readonly content?: unknown;
}

/** Starts a Bedrock Runtime stand-in on 127.0.0.1 and a free port. */
export async function startBedrockRuntime(b?: BedrockRuntimeBehaviour): Promise<BedrockRuntimeStandIn> {
  let state = resolveState(b);
  const harness = await listen((x) => handle(x, state));
  return {
    url: harness.url,
    requests: harness.requests,
    setBehaviour(next: BedrockRuntimeBehaviour) {
      state = resolveState(next);
      harness.resetCounter();
    },
    close: () => harness.close(),
  };
}

function resolveState(b: BedrockRuntimeBehaviour = {}): State {
  const problems = toolUseProblems(b.toolUse);
  const failure = b.streamFailure;
  if (failure !== undefined && (!Number.isInteger(failure.afterTokens) || failure.afterTokens < 1)) problems.push(`streamFailure.afterTokens must be a whole number >= 1, got ${failure.afterTokens}`);
  if (failure !== undefined && !Object.hasOwn(STREAM_EXCEPTION_MESSAGES, failure.error)) {
    problems.push(`streamFailure.error must be one of ${Object.keys(STREAM_EXCEPTION_MESSAGES).join(', ')}, got '${String(failure.error)}'`);
  }
  const gen = resolveGeneration(b, problems);
  const streamFailure = failure && {
    afterTokens: failure.afterTokens,
    frame: frame(exceptionHeaders(failure.error), JSON.stringify({
      message: STREAM_EXCEPTION_MESSAGES[failure.error],
      ...(failure.error === 'modelStreamErrorException' ? { originalStatusCode: 500, originalMessage: 'stream broken' } : {}),
    })),
  };
  return { gen, toolUse: b.toolUse, streamingToolUse: b.streamingToolUse ?? true, streamFailure };
}

function toolUseProblems(t: ToolUseBehaviour | undefined): string[] {
  if (t === undefined) return [];
  const problems: string[] = [];
  if (typeof t.toolName !== 'string' || t.toolName === '') problems.push('toolUse.toolName must be a non-empty string');
  if (typeof t.input !== 'function') problems.push('toolUse.input must be a function');
  const r = t.rounds;
  if (r !== undefined && r !== 'forever' && !(Number.isInteger(r) && r >= 1)) {
    problems.push(`toolUse.rounds must be an integer >= 1 or 'forever', got ${String(r)}`);
  }
  return problems;
}

function handle(x: Exchange, state: State): void {
  const { method, res, path } = x;
  const { gen } = state;
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
  if (streaming && parsed.tools.length > 0 && !state.streamingToolUse) {
    sendRestJsonError(res, 400, 'ValidationException', { message: "This model doesn't support tool use in streaming mode." }, { 'x-amzn-RequestId': requestId });
    return;
  }
  const answer = answerFor(state, parsed);
  const usage = (outputTokens: number) =>
    `"usage":{"inputTokens":${parsed.inputTokens},"outputTokens":${outputTokens},"totalTokens":${parsed.inputTokens + outputTokens}},` +
    `"metrics":{"latencyMs":${Math.round(performance.now() - x.receivedAt)}}`;

  if (!streaming) {
    after(res, completionDelayMs(gen, answer.count, x.receivedAt), () => {
      const json =
        `{"output":{"message":{"role":"assistant","content":[${answer.blocks.map(blockJson).join(',')}]}},` +
        `"stopReason":"${answer.stopReason}",${usage(answer.count)}}`;
      sendJson(res, 200, { 'x-amzn-RequestId': requestId }, json);
    });
    return;
  }

  res.writeHead(200, { 'content-type': EVENT_STREAM_CONTENT_TYPE, 'x-amzn-RequestId': requestId });
  res.flushHeaders();
  const streamError = failure === 'stream-error';
  const { blocks } = answer;
  // The block that piece i belongs to, and the index of that block's first piece; i only grows.
  let b = 0;
  let first = 0;
  paceTokens(
    res,
    gen,
    x.receivedAt,
    answer.count,
    (i) => {
      if (i === 0) res.write(FRAME_MESSAGE_START);
      while (i >= first + blocks[b].pieces.length) first += blocks[b++].pieces.length;
      const block = blocks[b];
      if (i === first) {
        if (b > 0) res.write(blockStopFrame(b - 1));
        if (block.kind === 'toolUse') {
          res.write(
            frame(H_BLOCK_START, `{${PAD},"contentBlockIndex":${b},"start":{"toolUse":{"toolUseId":"${block.toolUseId}","name":${JSON.stringify(block.name)}}}}`),
          );
          res.write(toolInputFrame(b, ''));
        }
      }
      const piece = block.pieces[i - first];
      res.write(block.kind === 'text' ? frame(H_DELTA, `{${PAD},"contentBlockIndex":${b},"delta":{"text":${JSON.stringify(piece)}}}`) : toolInputFrame(b, piece));
      if (streamError) res.end(FRAME_STREAM_ERROR);
      else if (state.streamFailure && i + 1 === state.streamFailure.afterTokens) res.end(state.streamFailure.frame);
    },
    () => {
      res.write(blockStopFrame(blocks.length - 1));
      res.write(FRAME_MESSAGE_STOP[answer.stopReason]);
      res.end(frame(H_METADATA, `{${PAD},${usage(answer.count)}}`));
    },
  );
}

function blockStopFrame(index: number): Uint8Array {
  return index === 0 ? FRAME_BLOCK_STOP : frame(H_BLOCK_STOP, `{${PAD},"contentBlockIndex":${index}}`);
}

function toolInputFrame(index: number, piece: string): Uint8Array {
  return frame(H_DELTA, `{${PAD},"contentBlockIndex":${index},"delta":{"toolUse":{"input":${JSON.stringify(piece)}}}}`);
}

function blockJson(block: AnswerBlock): string {
  if (block.kind === 'text') return `{"text":${JSON.stringify(block.pieces.join(''))}}`;
  return JSON.stringify({ toolUse: { toolUseId: block.toolUseId, name: block.name, input: block.input } });
}

/** What the model answers: a tool request while the tool-use rounds last, else text. */
function answerFor(state: State, p: ParsedConverse): Answer {
  const t = state.toolUse;
  if (t !== undefined && p.tools.includes(t.toolName)) {
    const done = p.results.length;
    const rounds = t.rounds ?? 1;
    const input = rounds === 'forever' || done < rounds ? t.input(p.question, done + 1) : undefined;
    if (input !== undefined) {
      // Thrown errors reach the caller as a 500 InternalServerException naming the problem.
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new Error(`toolUse.input() must return an object or undefined, got ${JSON.stringify(input)}`);
      }
      return toolUseAnswer(t, input);
    }
    if (done > 0) return textAnswer(finalTokens(t, p.results[done - 1], p.question), p.maxTokens);
  }
  return textAnswer(tokensFor(state.gen, p.lastUserText), p.maxTokens);
}

function textAnswer(tokens: readonly string[], maxTokens: number | undefined): Answer {
  if (maxTokens !== undefined && maxTokens < tokens.length) {
    return { blocks: [{ kind: 'text', pieces: tokens.slice(0, maxTokens) }], stopReason: 'max_tokens', count: maxTokens };
  }
  return { blocks: [{ kind: 'text', pieces: tokens }], stopReason: 'end_turn', count: tokens.length };
}

function toolUseAnswer(t: ToolUseBehaviour, input: Record<string, unknown>): Answer {
  const blocks: AnswerBlock[] = [];
  if (t.preamble) blocks.push({ kind: 'text', pieces: words(t.preamble) });
  // "tooluse_" and 22 base64url characters, as the service's ids look.
  const toolUseId = `tooluse_${randomBytes(16).toString('base64url')}`;
  blocks.push({ kind: 'toolUse', toolUseId, name: t.toolName, input, pieces: slices(JSON.stringify(input), TOOL_INPUT_PIECE) });
  return { blocks, stopReason: 'tool_use', count: blocks.reduce((n, b) => n + b.pieces.length, 0) };
}

function finalTokens(t: ToolUseBehaviour, result: ToolResultSeen, question: string): readonly string[] {
  if (t.answer === undefined) return words(result.status === 'error' ? `The tool failed: ${result.text}.` : `The result is ${result.text}.`);
  const out = t.answer(result, question);
  if (out.length === 0) throw new Error(`toolUse.answer() returned no tokens for ${JSON.stringify(result.text)}; a model answers at least one`);
  return out;
}

/** Words with their leading whitespace ('The', ' result', ...), like the default tokens. */
function words(s: string): string[] {
  return s.match(/\s*\S+|\s+$/g) ?? [s];
}

/** s cut into pieces of at most n UTF-16 units, never inside a surrogate pair. */
function slices(s: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let end = Math.min(s.length, i + n);
    const c = s.charCodeAt(end - 1);
    if (end < s.length && end - i > 1 && c >= 0xd800 && c <= 0xdbff) end--;
    out.push(s.slice(i, end));
    i = end;
  }
  return out;
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
  let input: { messages?: unknown; system?: unknown; inferenceConfig?: { maxTokens?: unknown }; toolConfig?: { tools?: unknown } | null };
  try {
    input = JSON.parse(body.toString('utf8')) as typeof input;
  } catch {
    return 'Malformed input request: the body is not JSON.';
  }
  if (!Array.isArray(input.messages)) {
    return "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null";
  }
  const messages = input.messages as (WireMessage | null | undefined)[];
  const problem = toolBlockProblem(messages, input.toolConfig);
  if (problem !== undefined) return problem;
  let inputTokens = countBlocks(input.system);
  let lastUserText = '';
  let question = '';
  let results: ToolResultSeen[] = [];
  for (const m of messages) {
    inputTokens += countBlocks(m?.content);
    if (m?.role === 'user') {
      lastUserText = textOf(m.content);
      const found = toolResultsOf(blocksOf(m));
      if (found.length === 0) {
        question = lastUserText;
        results = [];
      } else {
        results.push(...found);
      }
    }
  }
  const tools: string[] = [];
  if (Array.isArray(input.toolConfig?.tools)) {
    for (const t of input.toolConfig.tools as ({ toolSpec?: { name?: unknown } } | null)[]) {
      if (typeof t?.toolSpec?.name === 'string') tools.push(t.toolSpec.name);
    }
  }
  const maxTokens = input.inferenceConfig?.maxTokens;
  return { inputTokens, lastUserText, maxTokens: typeof maxTokens === 'number' && maxTokens > 0 ? maxTokens : undefined, tools, question, results };
}

/**
 * The service's ValidationException message for misused toolUse / toolResult blocks: any of them without a
 * toolConfig, or a user message whose toolResult blocks do not answer the toolUse ids of the assistant message
 * before it.
 */
function toolBlockProblem(messages: readonly (WireMessage | null | undefined)[], toolConfig: unknown): string | undefined {
  if (!messages.some((m) => blocksOf(m).some((b) => present(b?.toolUse) || present(b?.toolResult)))) return undefined;
  if (!present(toolConfig)) return 'The toolConfig field must be defined when using toolUse and toolResult content blocks.';
  for (let i = 0; i < messages.length; i++) {
    if (messages[i]?.role !== 'user') continue;
    const answered = blocksOf(messages[i]).flatMap((b) => (present(b?.toolResult) ? [String(b.toolResult.toolUseId)] : []));
    const asked = i > 0 && messages[i - 1]?.role === 'assistant' ? blocksOf(messages[i - 1]).flatMap((b) => (present(b?.toolUse) ? [String(b.toolUse.toolUseId)] : [])) : [];
    if (answered.length > asked.length) return `The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`;
    const missing = asked.filter((id) => !answered.includes(id));
    if (missing.length > 0) return `Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(', ')}`;
  }
  return undefined;
}

function blocksOf(m: WireMessage | null | undefined): readonly (WireBlock | null | undefined)[] {
  return Array.isArray(m?.content) ? (m.content as (WireBlock | null | undefined)[]) : [];
}

/** A message's toolResult blocks: their text blocks and JSON-serialized json blocks joined by ' ', and status. */
function toolResultsOf(blocks: readonly (WireBlock | null | undefined)[]): ToolResultSeen[] {
  const out: ToolResultSeen[] = [];
  for (const b of blocks) {
    const r = b?.toolResult;
    if (!present(r)) continue;
    out.push({ text: resultText(r.content), status: typeof r.status === 'string' ? r.status : undefined });
  }
  return out;
}

function resultText(content: unknown): string {
  const parts: string[] = [];
  if (Array.isArray(content)) {
    for (const c of content as ({ text?: unknown; json?: unknown } | null)[]) {
      if (typeof c?.text === 'string') parts.push(c.text);
      else if (c?.json !== undefined) parts.push(JSON.stringify(c.json));
    }
  }
  return parts.join(' ');
}

/** Input tokens of content blocks: the words of text blocks, toolUse inputs and toolResult contents. */
function countBlocks(blocks: unknown): number {
  let n = 0;
  if (Array.isArray(blocks)) {
    for (const b of blocks as (WireBlock | null | undefined)[]) {
      if (typeof b?.text === 'string') n += countWords(b.text);
      else if (present(b?.toolUse)) n += countWords(JSON.stringify(b.toolUse.input ?? {}));
      else if (present(b?.toolResult)) n += countWords(resultText(b.toolResult.content));
    }
  }
  return n;
}

function textOf(blocks: unknown): string {
  if (!Array.isArray(blocks)) return '';
  const texts: string[] = [];
  for (const b of blocks as { text?: unknown }[]) if (typeof b?.text === 'string') texts.push(b.text);
  return texts.join('\n');
}

function present<T>(v: T | null | undefined): v is T {
  return v !== undefined && v !== null;
}
