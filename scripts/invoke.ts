/**
 * `npm run invoke -- <generate|feedback|health> --url STAGE_URL [options]`: a command-line client for the kit's deployed
 * generative API (an API Gateway REST API). Requests are signed with SigV4 from the default credential chain (IAM, the
 * default), or carry an API key (`x-api-key`) or a Cognito token (`Authorization`). `generate --stream` prints tokens as
 * they arrive; `--json` prints one JSON document at the end instead. Exit codes: 0 ok; 1 the API answered an error, could
 * not be reached in time, or the model failed mid-stream; 2 bad usage, with every problem listed at once.
 */
import { parseArgs } from 'node:util';
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { SseParser } from '../lib/runtime/api/sse';
import {
  checkRegion, integer, isRecord, json, optionLines, optionProblems, pairs, problemReport, quietPipes, readJsonFile, str, strings,
  type Io as Writers, type OptionSpec, type Values,
} from './lib/cli';

/**
 * Each writer writes text exactly as given. Unlike the other scripts' writers these add no newline: streamed tokens must
 * reach the terminal as they arrive, not one per line.
 */
export type Io = Writers;

/** What SigV4 needs; structurally what `fromNodeProviderChain()` resolves to. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface Deps {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Credentials for `--auth iam`, resolved only in that mode. @default fromNodeProviderChain() */
  readonly credentials?: () => Promise<AwsCredentials>;
  /** Milliseconds since the epoch: the signing date and the latencies. @default Date.now */
  readonly now?: () => number;
  /** Reads `--messages`. @default fs.readFileSync as UTF-8 */
  readonly readFile?: (path: string) => string;
}

export const EXIT_OK = 0;
export const EXIT_API_ERROR = 1;
export const EXIT_USAGE = 2;

/** Long enough for a long non-streamed answer; API Gateway's own integration timeout usually ends a request first. */
export const DEFAULT_TIMEOUT_SECONDS = 120;

const AUTH_MODES = ['iam', 'api-key', 'token'] as const;
type AuthMode = (typeof AUTH_MODES)[number];
const ROLES = ['user', 'assistant'] as const;
const RATINGS = ['up', 'down'] as const;
/** `ID.execute-api.REGION.amazonaws.com`, its China form and private APIs' `ID-vpce-ID.execute-api.REGION.vpce.amazonaws.com`. */
const EXECUTE_API_HOST = /^[a-z0-9-]+\.execute-api\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/;
/** Plain http is only for a local stand-in of the API: anything else would send prompts and keys in clear. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const EXAMPLE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/live';

const COMMON: Record<string, OptionSpec> = {
  url: { type: 'string', help: `the API's stage URL, e.g. ${EXAMPLE_URL} (required)` },
  'timeout-seconds': { type: 'string', help: `give up after this many seconds, streaming included (default ${DEFAULT_TIMEOUT_SECONDS})` },
  json: { type: 'boolean', help: 'print one JSON document at the end instead of text' },
  help: { type: 'boolean', help: 'show this help' },
};
const AUTH: Record<string, OptionSpec> = {
  auth: { type: 'string', help: `${AUTH_MODES.join('|')} (default: token with --token, api-key with only --api-key, else iam)` },
  'api-key': { type: 'string', help: 'API key, sent as x-api-key (with --auth iam or token too, for usage plans)' },
  token: { type: 'string', help: 'Cognito token, sent as is in Authorization' },
  region: { type: 'string', help: 'region to sign for (default: from the execute-api host of --url)' },
};
const COMMANDS: Record<string, { readonly summary: string; readonly options: Record<string, OptionSpec> }> = {
  generate: {
    summary: 'POST /v1/generate: generate text, or stream it token by token with --stream',
    options: {
      prompt: { type: 'string', help: 'the user prompt (or --messages, or --template)' },
      messages: { type: 'string', help: 'FILE.json: a conversation, [{"role": "user"|"assistant", "content": "..."}, ...]' },
      system: { type: 'string', help: 'system prompt' },
      template: { type: 'string', help: 'prompt template id (see the environment\'s promptTemplates), filled with --var' },
      var: { type: 'string', multiple: true, help: 'NAME=VALUE: a template variable (repeatable; needs --template)' },
      'max-tokens': { type: 'string', help: 'most tokens to generate' },
      temperature: { type: 'string', help: 'sampling temperature, 0 to 1' },
      'top-p': { type: 'string', help: 'nucleus sampling mass, 0 to 1' },
      stop: { type: 'string', multiple: true, help: 'a stop sequence (repeatable)' },
      stream: { type: 'boolean', help: 'print tokens as they arrive (POST /v1/generate/stream)' },
      ...AUTH,
      ...COMMON,
    },
  },
  feedback: {
    summary: 'POST /v1/feedback: rate an answer by its request id',
    options: {
      'request-id': { type: 'string', help: 'the requestId of the answer (required)' },
      rating: { type: 'string', help: `${RATINGS.join('|')} (required)` },
      correction: { type: 'string', help: 'the answer it should have given' },
      comment: { type: 'string', help: 'free text' },
      ...AUTH,
      ...COMMON,
    },
  },
  health: {
    summary: 'GET /v1/health: whether the API is up (no auth)',
    options: { ...COMMON },
  },
};

interface Message { readonly role: (typeof ROLES)[number]; readonly content: string }
interface Usage { readonly inputTokens: number; readonly outputTokens: number }
interface Auth { readonly mode: AuthMode; readonly apiKey?: string; readonly token?: string; readonly region?: string }

/** The API's error, or what stood for one (an unreachable host, a timeout, a broken stream). */
export interface ApiErrorReport {
  /** HTTP status; null when no response came, or the stream broke after a 200. */
  readonly status: number | null;
  readonly code: string;
  readonly message: string;
  readonly field: string | null;
  readonly requestId: string | null;
  /** The Retry-After header of a 429, as sent (seconds or an HTTP date). */
  readonly retryAfter: string | null;
}

/** What `generate --json` prints: the same fields whatever the outcome. */
export interface GenerateReport {
  readonly requestId: string | null;
  /** The answer; with a mid-stream error, the tokens that came before it. */
  readonly text: string;
  readonly usage: Usage | null;
  readonly model: string | null;
  readonly templateVersion: string | null;
  /** Why generation stopped, as the API reports it (e.g. end_turn, max_tokens). */
  readonly stopReason: string | null;
  /** The API's own latency. */
  readonly latencyMs: number | null;
  /** Request sent to the first token, measured here; streaming only. */
  readonly ttftMs: number | null;
  /** Request sent to the end of the answer, measured here. */
  readonly elapsedMs: number;
  readonly stream: boolean;
  readonly error: ApiErrorReport | null;
}

interface Call {
  readonly command: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly accept: string;
  /** Null for unauthenticated paths. */
  readonly auth: Auth | null;
}

interface Context {
  readonly io: Io;
  readonly deps: Deps;
  readonly now: () => number;
  readonly stage: URL;
  readonly timeoutSeconds: number;
  readonly asJson: boolean;
}

export async function main(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout)(`${usage()}\n`);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const spec = COMMANDS[command];
  if (spec === undefined) {
    io.stderr(`invoke: "${command}" is not a command: use one of ${Object.keys(COMMANDS).join(', ')}.\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parseArgs({ args: [...rest], options: spec.options, strict: false, allowPositionals: true });
  if (values.help === true) {
    io.stdout(`${commandUsage(command)}\n`);
    return EXIT_OK;
  }

  const problems: string[] = [];
  problems.push(...optionProblems(spec.options, values, positionals, command, (word) => `--prompt "${word}"`));
  const stage = stageUrl(values, problems);
  const timeoutSeconds = positiveNumber(values, 'timeout-seconds', problems) ?? DEFAULT_TIMEOUT_SECONDS;
  const auth = command === 'health' ? null : authOptions(values, stage, problems);
  const body = command === 'generate' ? generateBody(values, problems, deps) : command === 'feedback' ? feedbackBody(values, problems) : undefined;
  if (problems.length > 0 || stage === undefined) return fail(command, problems, io);

  const ctx: Context = { io, deps, now: deps.now ?? Date.now, stage, timeoutSeconds, asJson: values.json === true };
  const stream = values.stream === true;
  switch (command) {
    case 'generate': {
      // The dedicated stream path as well as "stream": true, so an API whose /v1/generate buffers still streams.
      const path = stream ? '/v1/generate/stream' : '/v1/generate';
      return generate(ctx, { command, method: 'POST', path, body, auth, accept: stream ? 'text/event-stream' : 'application/json' }, stream);
    }
    case 'feedback': return feedback(ctx, { command, method: 'POST', path: '/v1/feedback', body, auth, accept: 'application/json' }, str(values['request-id']) as string);
    default: return health(ctx, { command, method: 'GET', path: '/v1/health', auth: null, accept: 'application/json' });
  }
}

// ---- commands ----

async function generate(ctx: Context, call: Call, stream: boolean): Promise<number> {
  const sent = await send(ctx, call);
  if (sent.kind === 'usage') return fail(call.command, [sent.message], ctx.io);
  const started = sent.started;
  const report = (fields: Partial<GenerateReport>): GenerateReport => ({
    requestId: null, text: '', usage: null, model: null, templateVersion: null, stopReason: null, latencyMs: null, ttftMs: null,
    elapsedMs: ctx.now() - started, stream, error: null, ...fields,
  });
  if (sent.kind === 'failed') return generateFailed(ctx, call, report({ error: sent.error }), false);
  const response = sent.response;
  if (!response.ok) return generateFailed(ctx, call, report({ error: await errorOf(response), requestId: requestIdHeader(response) }), false);

  if (stream && (response.headers.get('content-type') ?? '').includes('text/event-stream')) return streamed(ctx, call, response, started, report);

  // A stream request answered with plain JSON (an API that does not stream) is still an answer.
  const read = await readJson(response, ctx.timeoutSeconds);
  const answer = read.ok && isRecord(read.value) ? read.value : undefined;
  if (answer === undefined || typeof answer.text !== 'string') {
    const error = read.ok ? protocolError(response, `a ${response.status} without a "text" field: ${preview(JSON.stringify(read.value))}`) : read.error;
    return generateFailed(ctx, call, report({ error, requestId: requestIdHeader(response) }), false);
  }
  const final = report({ ...answerFields(answer, response), text: answer.text });
  if (ctx.asJson) {
    ctx.io.stdout(`${json(final)}\n`);
  } else {
    ctx.io.stdout(withNewline(final.text));
    ctx.io.stderr(`${summary(final)}\n`);
  }
  return EXIT_OK;
}

/** Reads the event stream as it arrives, writing each token at once (or, with --json, collecting them). */
async function streamed(
  ctx: Context, call: Call, response: Response, started: number, report: (fields: Partial<GenerateReport>) => GenerateReport,
): Promise<number> {
  const header = requestIdHeader(response);
  let text = '';
  let ttftMs: number | null = null;
  const onToken = (token: string) => {
    // Some backends open with an empty delta: the first token is the first text a reader sees.
    if (token === '') return;
    if (ttftMs === null) ttftMs = ctx.now() - started;
    text += token;
    if (!ctx.asJson) ctx.io.stdout(token);
  };
  const outcome = await readEvents(response, onToken, ctx.timeoutSeconds);
  const partial = { text, ttftMs, requestId: header };
  if (outcome.kind === 'done') {
    const final = report({ ...partial, ...answerFields(outcome.data, response) });
    if (ctx.asJson) {
      ctx.io.stdout(`${json(final)}\n`);
    } else {
      if (text !== '' && !text.endsWith('\n')) ctx.io.stdout('\n');
      ctx.io.stderr(`${summary(final)}\n`);
    }
    return EXIT_OK;
  }
  const error = outcome.kind === 'error' ? { ...outcome.error, requestId: outcome.error.requestId ?? header } : outcome.failure;
  return generateFailed(ctx, call, report({ ...partial, requestId: error.requestId ?? header, error }), true);
}

function generateFailed(ctx: Context, call: Call, report: GenerateReport, midStream: boolean): number {
  const error = report.error as ApiErrorReport;
  if (midStream && !ctx.asJson && report.text !== '' && !report.text.endsWith('\n')) ctx.io.stdout('\n');
  const printed = midStream && !ctx.asJson && report.text !== '' ? ` The ${report.text.length} characters above came before it.` : '';
  ctx.io.stderr(`${describeFailure(call, error, midStream)}${printed}\n`);
  if (ctx.asJson) ctx.io.stdout(`${json(report)}\n`);
  return EXIT_API_ERROR;
}

/** Prints the feedback id. The answer's `requestId` may be the feedback call's own id: the rated one is `forRequestId`, else --request-id. */
async function feedback(ctx: Context, call: Call, rated: string): Promise<number> {
  const result = await jsonCall(ctx, call);
  if (result.kind === 'usage') return fail(call.command, [result.message], ctx.io);
  if (result.kind === 'failed') return simpleFailure(ctx, call, { requestId: null, feedbackId: null, forRequestId: rated }, result.error);
  const feedbackId = field(result.body, 'feedbackId') ?? null;
  const forRequestId = field(result.body, 'forRequestId') ?? rated;
  if (ctx.asJson) {
    ctx.io.stdout(`${json({ requestId: result.requestId, feedbackId, forRequestId, error: null })}\n`);
  } else {
    ctx.io.stdout(`${feedbackId ?? ''}\n`);
    ctx.io.stderr(`Recorded feedback ${feedbackId ?? '(no id returned)'} for request ${forRequestId}.\n`);
  }
  return EXIT_OK;
}

async function health(ctx: Context, call: Call): Promise<number> {
  // The API reports only that it is up (and the request id): which model and templates it serves is not for
  // unauthenticated callers.
  const empty = { status: null, requestId: null };
  const result = await jsonCall(ctx, call);
  if (result.kind === 'usage') return fail(call.command, [result.message], ctx.io);
  if (result.kind === 'failed') return simpleFailure(ctx, call, empty, result.error);
  const body = result.body;
  const report = { status: typeof body.status === 'string' ? body.status : null, requestId: result.requestId };
  const ok = report.status === 'ok';
  const error: ApiErrorReport | null = ok ? null : {
    status: result.status, code: 'Unhealthy', message: `status is ${JSON.stringify(report.status)}, not "ok"`, field: null, requestId: result.requestId, retryAfter: null,
  };
  if (ctx.asJson) ctx.io.stdout(`${json({ ...report, error })}\n`);
  else ctx.io.stdout(`${report.status ?? '(no status)'} (request ${report.requestId ?? '?'})\n`);
  if (error) ctx.io.stderr(`${describeFailure(call, error, false)}\n`);
  return ok ? EXIT_OK : EXIT_API_ERROR;
}

function simpleFailure(ctx: Context, call: Call, empty: Record<string, unknown>, error: ApiErrorReport): number {
  ctx.io.stderr(`${describeFailure(call, error, false)}\n`);
  if (ctx.asJson) ctx.io.stdout(`${json({ ...empty, error })}\n`);
  return EXIT_API_ERROR;
}

// ---- HTTP ----

type Sent =
  | { readonly kind: 'response'; readonly response: Response; readonly started: number }
  | { readonly kind: 'failed'; readonly error: ApiErrorReport; readonly started: number }
  /** No credentials: a setup problem, reported like bad usage. */
  | { readonly kind: 'usage'; readonly message: string };

/** Signs (or authenticates) and sends one call. `started` is taken after signing, so latencies are the network's and the API's. */
async function send(ctx: Context, call: Call): Promise<Sent> {
  const url = new URL(`${ctx.stage.pathname.replace(/\/+$/, '')}${call.path}`, ctx.stage.origin);
  let headers: Record<string, string> = {
    host: url.host,
    accept: call.accept,
    ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(call.auth?.apiKey === undefined ? {} : { 'x-api-key': call.auth.apiKey }),
    ...(call.auth?.mode === 'token' && call.auth.token !== undefined ? { authorization: call.auth.token } : {}),
  };
  if (call.auth?.mode === 'iam') {
    let credentials: AwsCredentials;
    try {
      credentials = await (ctx.deps.credentials ?? fromNodeProviderChain())();
    } catch (error) {
      // The provider's message names what it tried, never a secret.
      return {
        kind: 'usage',
        message: `no AWS credentials to sign with (${field(error, 'message') ?? String(error)}): set a profile (AWS_PROFILE, ` +
          '`aws sso login`) or environment credentials, or use --auth api-key / --auth token.',
      };
    }
    const signer = new SignatureV4({ service: 'execute-api', region: call.auth.region as string, credentials, sha256: Sha256 });
    const signed = await signer.sign({
      method: call.method, protocol: url.protocol, hostname: url.hostname, port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname, query: {}, headers, body: call.body,
    }, { signingDate: new Date(ctx.now()) });
    headers = { ...signed.headers };
  }
  // fetch derives Host from the URL (the value signed above) and ignores one given to it; everything else goes as signed.
  delete headers.host;
  const started = ctx.now();
  try {
    const response = await (ctx.deps.fetch ?? fetch)(url, {
      method: call.method, headers, body: call.body, redirect: 'error', signal: AbortSignal.timeout(ctx.timeoutSeconds * 1000),
    });
    return { kind: 'response', response, started };
  } catch (error) {
    return { kind: 'failed', error: transportError(error, ctx.timeoutSeconds, url), started };
  }
}

type JsonCall =
  | { readonly kind: 'ok'; readonly status: number; readonly body: Record<string, unknown>; readonly requestId: string | null }
  | { readonly kind: 'failed'; readonly error: ApiErrorReport }
  | { readonly kind: 'usage'; readonly message: string };

async function jsonCall(ctx: Context, call: Call): Promise<JsonCall> {
  const sent = await send(ctx, call);
  if (sent.kind !== 'response') return sent;
  const response = sent.response;
  if (!response.ok) return { kind: 'failed', error: await errorOf(response) };
  const read = await readJson(response, ctx.timeoutSeconds);
  if (!read.ok) return { kind: 'failed', error: read.error };
  if (!isRecord(read.value)) return { kind: 'failed', error: protocolError(response, `a ${response.status} that is not a JSON object: ${preview(JSON.stringify(read.value))}`) };
  return { kind: 'ok', status: response.status, body: read.value, requestId: field(read.value, 'requestId') ?? requestIdHeader(response) };
}

type Read = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ApiErrorReport };

async function readJson(response: Response, timeoutSeconds: number): Promise<Read> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { ok: false, error: transportError(error, timeoutSeconds, response) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, error: protocolError(response, `a ${response.status} whose body is not JSON: ${preview(text)}`) };
  }
}

/** The API's `{ requestId, error: { code, message, field? } }`, or what API Gateway itself sends (`{ message }`, HTML, nothing). */
async function errorOf(response: Response): Promise<ApiErrorReport> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status alone still says what happened.
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = isRecord(body) ? body.error : undefined;
  return {
    status: response.status,
    code: field(error, 'code') ?? response.headers.get('x-amzn-errortype')?.split(':')[0] ?? `HTTP${response.status}`,
    message: field(error, 'message') ?? field(body, 'message') ?? field(body, 'Message') ?? (text.trim() === '' ? response.statusText || 'no message' : preview(text)),
    field: field(error, 'field') ?? null,
    requestId: field(body, 'requestId') ?? requestIdHeader(response),
    retryAfter: response.headers.get('retry-after'),
  };
}

type StreamOutcome =
  | { readonly kind: 'done'; readonly data: Record<string, unknown> }
  | { readonly kind: 'error'; readonly error: ApiErrorReport }
  | { readonly kind: 'broken'; readonly failure: ApiErrorReport };

async function readEvents(response: Response, onToken: (text: string) => void, timeoutSeconds: number): Promise<StreamOutcome> {
  const broken = (message: string): StreamOutcome => ({ kind: 'broken', failure: { ...protocolError(response, message), status: null } });
  if (response.body === null) return broken('a stream with no body');
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const chunk = await reader.read().then((read) => ({ read }), (error: unknown) => ({ error }));
      if ('error' in chunk) return { kind: 'broken', failure: transportError(chunk.error, timeoutSeconds, response) };
      const { done, value } = chunk.read;
      const events = done ? [...parser.push(decoder.decode()), ...parser.end()] : parser.push(decoder.decode(value, { stream: true }));
      for (const event of events) {
        const data = parseData(event.data);
        if (event.event === 'token') {
          if (data === undefined || typeof data.text !== 'string') return broken(`a token event whose data is not {"text": "..."}: ${preview(event.data)}`);
          onToken(data.text);
        } else if (event.event === 'done') {
          return data === undefined ? broken(`a done event whose data is not JSON: ${preview(event.data)}`) : { kind: 'done', data };
        } else if (event.event === 'error') {
          const error = data?.error;
          return {
            kind: 'error',
            error: {
              status: null, code: field(error, 'code') ?? 'StreamError', message: field(error, 'message') ?? preview(event.data),
              field: field(error, 'field') ?? null, requestId: field(data, 'requestId') ?? null, retryAfter: null,
            },
          };
        }
        // Other events (keep-alives, future additions) carry nothing to print.
      }
      if (done) return broken('a stream that ended without a done or error event');
    }
  } finally {
    // Stop reading once the answer is complete or failed, so the connection is released.
    reader.cancel().catch(() => undefined);
  }
}

function parseData(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}


/** A failure before any response (`where` is the URL) or while reading one (`where` is the response). */
function transportError(error: unknown, timeoutSeconds: number, where: URL | Response): ApiErrorReport {
  const response = where instanceof URL ? undefined : where;
  const base = { status: null, field: null, requestId: response ? requestIdHeader(response) : null, retryAfter: null };
  // Duck-typed: fetch's errors (a DOMException for the timeout) need not share this realm's Error.
  const name = field(error, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { ...base, code: 'Timeout', message: `no complete answer within ${timeoutSeconds} s (--timeout-seconds)` };
  }
  const cause = isObject(error) ? error.cause : undefined;
  const code = field(cause, 'code');
  const detail = field(cause, 'message') ?? field(error, 'message') ?? String(error);
  if (response !== undefined) return { ...base, code: code ?? 'ConnectionLost', message: `the connection broke while reading the answer: ${detail}` };
  return { ...base, code: code ?? 'Unreachable', message: `could not reach ${(where as URL).host}: ${detail}` };
}

function protocolError(response: Response, what: string): ApiErrorReport {
  return { status: response.status, code: 'UnexpectedResponse', message: `the API sent ${what}`, field: null, requestId: requestIdHeader(response), retryAfter: null };
}

function requestIdHeader(response: Response): string | null {
  return response.headers.get('x-request-id') ?? response.headers.get('x-amzn-requestid');
}

function answerFields(data: Record<string, unknown>, response: Response): Partial<GenerateReport> {
  const usage = isRecord(data.usage) && typeof data.usage.inputTokens === 'number' && typeof data.usage.outputTokens === 'number'
    ? { inputTokens: data.usage.inputTokens, outputTokens: data.usage.outputTokens } : null;
  return {
    requestId: field(data, 'requestId') ?? requestIdHeader(response),
    usage,
    model: field(data, 'model') ?? null,
    templateVersion: data.templateVersion === undefined || data.templateVersion === null ? null : String(data.templateVersion),
    stopReason: field(data, 'stopReason') ?? null,
    latencyMs: typeof data.latencyMs === 'number' ? data.latencyMs : null,
  };
}

// ---- messages ----

function summary(r: GenerateReport): string {
  const tokens = r.usage === null ? 'usage not reported' : `${r.usage.inputTokens} input + ${r.usage.outputTokens} output tokens`;
  const server = r.latencyMs === null ? '' : ` (server ${r.latencyMs} ms)`;
  const ttft = r.ttftMs === null ? '' : `, first token after ${r.ttftMs} ms`;
  const template = r.templateVersion === null ? '' : `; template version ${r.templateVersion}`;
  const stop = r.stopReason === null ? '' : `; stop reason ${r.stopReason}`;
  return `Request ${r.requestId ?? '(no id)'}: ${tokens} in ${r.elapsedMs} ms${server}${ttft}; model ${r.model ?? '(not reported)'}${template}${stop}.`;
}

function describeFailure(call: Call, e: ApiErrorReport, midStream: boolean): string {
  const what = midStream ? 'the stream failed' : e.status === null ? 'no answer' : `the API answered ${e.status}`;
  // The API's messages are sentences: drop the full stop so the field and request id join the same sentence.
  const parts = [`invoke ${call.command}: ${what}: ${e.code}: ${e.message.replace(/\.$/, '')}`];
  if (e.field !== null) parts.push(` (field ${e.field})`);
  parts.push(`. Request id: ${e.requestId ?? 'none'}.`);
  if (e.retryAfter !== null) parts.push(` Retry after ${/^\d+$/.test(e.retryAfter) ? `${e.retryAfter} s` : e.retryAfter}.`);
  const hint = hintFor(call, e);
  if (hint !== '') parts.push(` ${hint}`);
  return parts.join('');
}

function hintFor(call: Call, e: ApiErrorReport): string {
  if (e.status === 403 && /missing authentication token/i.test(e.message)) {
    return `API Gateway says this for a path or method it does not have: check that --url is the stage URL, e.g. ${EXAMPLE_URL}.`;
  }
  if (e.status === 400 && e.field === null && /invalid request body/i.test(e.message)) {
    return 'API Gateway\'s request validator refused the body before the API saw it, so no field is named: check the values against the API\'s limits.';
  }
  if (e.status === 403 && call.auth?.mode === 'iam') {
    return 'The caller needs execute-api:Invoke on this API\'s ARN, and the signing region must be the API\'s.';
  }
  if (e.status === 403 && call.auth?.apiKey !== undefined) return 'Check the API key and that it is in a usage plan of this stage.';
  if (e.status === 401) return 'The token is missing, expired or from another user pool: sign in again.';
  if (e.status === 404 && call.command === 'feedback') return 'The API knows no answer with this --request-id.';
  if (e.status === 413) return 'The request is larger than the API accepts: shorten the prompt or messages.';
  if (e.status === 429) return 'Too many requests for the API\'s throttling or the model\'s quota.';
  if (e.status === 504 && call.path === '/v1/generate') return 'The answer took longer than the API waits: try --stream or a lower --max-tokens.';
  return '';
}

// ---- options ----

function stageUrl(values: Values, problems: string[]): URL | undefined {
  const raw = str(values.url);
  if (raw === undefined) {
    if (values.url === undefined) problems.push(`--url is missing: give the API's stage URL, e.g. --url ${EXAMPLE_URL}.`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`--url is "${raw}": use the stage URL, e.g. ${EXAMPLE_URL}.`);
    return undefined;
  }
  const issues: string[] = [];
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    issues.push(`--url is "${raw}": plain http would send prompts and credentials unencrypted; use https:// (http is accepted only for 127.0.0.1, localhost and [::1]).`);
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    issues.push(`--url is "${raw}": use an https:// stage URL, e.g. ${EXAMPLE_URL}.`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    issues.push(`--url is "${raw}": give the stage URL alone, without a query, fragment or user name.`);
  }
  if (/\/v1(\/|$)/.test(url.pathname)) {
    issues.push(`--url is "${raw}": give the stage URL without /v1/...; e.g. ${url.origin}${url.pathname.slice(0, url.pathname.search(/\/v1(\/|$)/))}.`);
  }
  problems.push(...issues);
  return issues.length === 0 ? url : undefined;
}

function authOptions(values: Values, stage: URL | undefined, problems: string[]): Auth {
  const given = str(values.auth);
  const apiKey = nonEmpty(values, 'api-key', problems);
  const token = nonEmpty(values, 'token', problems);
  if (given !== undefined && !(AUTH_MODES as readonly string[]).includes(given)) problems.push(`--auth is "${given}": use ${AUTH_MODES.join(', ')}.`);
  const mode: AuthMode = (AUTH_MODES as readonly string[]).includes(given ?? '')
    ? given as AuthMode
    : token !== undefined ? 'token' : apiKey !== undefined && values.auth === undefined ? 'api-key' : 'iam';
  if (mode === 'api-key' && values['api-key'] === undefined) problems.push('--auth api-key needs --api-key KEY.');
  if (mode === 'token' && values.token === undefined) problems.push('--auth token needs --token TOKEN (a Cognito ID or access token).');
  if (mode !== 'token' && values.token !== undefined) {
    problems.push(mode === 'iam'
      ? '--token and IAM signing both use the Authorization header: drop --token, or use --auth token.'
      : '--token is sent only with --auth token (which can send --api-key too).');
  }
  const region = str(values.region);
  if (mode !== 'iam') {
    if (values.region !== undefined) problems.push(`--region is only for signing: it has no use with --auth ${mode}.`);
    return { mode, apiKey, token };
  }
  checkRegion(region, problems);
  const hostRegion = stage === undefined ? undefined : EXECUTE_API_HOST.exec(stage.hostname)?.[1];
  if (region !== undefined && hostRegion !== undefined && region !== hostRegion) {
    problems.push(`--region is ${region} but the API is in ${hostRegion} (from --url): the signature would be refused; drop --region.`);
  }
  if (region === undefined && hostRegion === undefined && stage !== undefined && values.region === undefined) {
    problems.push(`--region is missing: ${stage.host} is not an execute-api host, so the region to sign for cannot be read from --url; pass --region, e.g. --region us-east-1.`);
  }
  return { mode, apiKey, region: region ?? hostRegion };
}

function generateBody(values: Values, problems: string[], deps: Deps): string {
  const prompt = nonEmpty(values, 'prompt', problems);
  const file = str(values.messages);
  const template = nonEmpty(values, 'template', problems);
  // The API takes exactly one of them: a template brings its own prompt, a conversation its own last turn.
  const inputs = ['prompt', 'messages', 'template'].filter((o) => values[o] !== undefined);
  if (inputs.length > 1) {
    problems.push(`${inputs.map((o) => `--${o}`).join(' and ')} were ${inputs.length === 2 ? 'both' : 'all'} given: keep one (earlier turns go in the --messages file).`);
  }
  if (inputs.length === 0) problems.push('nothing to send: give one of --prompt TEXT, --messages FILE.json or --template ID.');
  const messages = file === undefined ? undefined : readMessages(file, problems, deps);
  const variables = pairs(values, 'var', problems, 'NAME', 'audience=engineers');
  if (variables !== undefined && values.template === undefined) problems.push('--var fills a template: give --template ID too.');
  const stop = strings(values.stop);
  if (stop.some((s) => s === '')) problems.push('--stop is empty: give the text that ends generation, e.g. --stop "###".');
  const maxTokens = integer(values, 'max-tokens', problems, 1);
  const temperature = boundedNumber(values, 'temperature', problems, 0, 1);
  const topP = boundedNumber(values, 'top-p', problems, 0, 1);
  return JSON.stringify({
    ...(messages === undefined ? {} : { messages }),
    ...(prompt === undefined ? {} : { prompt }),
    ...(str(values.system) === undefined ? {} : { system: str(values.system) }),
    ...(template === undefined ? {} : { template: { id: template, ...(variables === undefined ? {} : { variables }) } }),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    ...(stop.length === 0 ? {} : { stop }),
    ...(values.stream === true ? { stream: true } : {}),
  });
}

function readMessages(path: string, problems: string[], deps: Deps): Message[] | undefined {
  const data = readJsonFile('messages', path, problems, deps.readFile);
  if (data === undefined) return undefined;
  // A saved request body ({"messages": [...]}) works as well as the bare list.
  const list = isRecord(data) && Array.isArray(data.messages) ? data.messages : data;
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`--messages is "${path}": use a non-empty JSON list such as [{"role": "user", "content": "Hello"}].`);
    return undefined;
  }
  const issues: string[] = [];
  list.forEach((m: unknown, i) => {
    const at = `--messages "${path}", message ${i + 1}`;
    if (!isRecord(m)) {
      issues.push(`${at} is not an object: use {"role": "user", "content": "..."}.`);
      return;
    }
    if (!(ROLES as readonly unknown[]).includes(m.role)) {
      issues.push(`${at} has role ${JSON.stringify(m.role)}: use user or assistant${m.role === 'system' ? ' (system text goes in --system)' : ''}.`);
    }
    if (typeof m.content !== 'string' || m.content === '') issues.push(`${at} has no text content: "content" must be a non-empty string.`);
  });
  problems.push(...issues);
  return issues.length === 0 ? (list as Record<string, unknown>[]).map((m) => ({ role: m.role, content: m.content }) as Message) : undefined;
}

function feedbackBody(values: Values, problems: string[]): string {
  const requestId = nonEmpty(values, 'request-id', problems);
  if (values['request-id'] === undefined) problems.push('--request-id is missing: give the requestId printed by generate.');
  const rating = str(values.rating);
  if (values.rating === undefined) problems.push(`--rating is missing: use ${RATINGS.join(' or ')}.`);
  else if (rating !== undefined && !(RATINGS as readonly string[]).includes(rating)) problems.push(`--rating is "${rating}": use ${RATINGS.join(' or ')}.`);
  const correction = nonEmpty(values, 'correction', problems);
  const comment = nonEmpty(values, 'comment', problems);
  return JSON.stringify({
    requestId, rating,
    ...(correction === undefined ? {} : { correction }),
    ...(comment === undefined ? {} : { comment }),
  });
}

/** A string option that must not be empty; absent or empty (reported) gives undefined. */
function nonEmpty(values: Values, option: string, problems: string[]): string | undefined {
  const value = str(values[option]);
  if (value === '') {
    problems.push(`--${option} is empty.`);
    return undefined;
  }
  return value;
}

function boundedNumber(values: Values, option: string, problems: string[], min: number, max: number | undefined): number | undefined {
  const raw = str(values[option]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < min || (max !== undefined && value > max)) {
    problems.push(`--${option} is "${raw}": use a number ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}.`);
    return undefined;
  }
  return value;
}

function positiveNumber(values: Values, option: string, problems: string[]): number | undefined {
  const raw = str(values[option]);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value <= 0) {
    problems.push(`--${option} is "${raw}": use a number of seconds above 0, e.g. --${option} 60.`);
    return undefined;
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function field(value: unknown, key: string): string | undefined {
  return isObject(value) && typeof value[key] === 'string' ? value[key] : undefined;
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function fail(command: string, problems: readonly string[], io: Io): number {
  io.stderr(`${problemReport(`invoke ${command}`, problems, `npm run invoke -- ${command} --help`)}\n`);
  return EXIT_USAGE;
}

function usage(): string {
  return [
    'Usage: npm run invoke -- <command> --url STAGE_URL [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`),
    '',
    'Examples:',
    `  npm run invoke -- generate --url ${EXAMPLE_URL} --prompt "Summarize SigV4 in one line"`,
    `  npm run invoke -- generate --url ${EXAMPLE_URL} --prompt "Write a haiku" --stream`,
    `  npm run invoke -- feedback --url ${EXAMPLE_URL} --request-id REQUEST_ID --rating down --correction "..."`,
    `  npm run invoke -- health --url ${EXAMPLE_URL}`,
    '',
    'Auth: IAM (SigV4 with the default credential chain) unless --api-key or --token is given.',
    'Run `npm run invoke -- <command> --help` for its options. Exit codes: 0 ok; 1 API error; 2 bad usage.',
  ].join('\n');
}

function commandUsage(command: string): string {
  const spec = COMMANDS[command];
  return [
    `Usage: npm run invoke -- ${command} --url STAGE_URL [options]`,
    '',
    spec.summary,
    '',
    ...optionLines(spec.options),
    '',
    'Exit codes: 0 ok; 1 the API answered an error (status, code, message and request id on stderr), was unreachable',
    'or timed out; 2 bad usage.',
  ].join('\n');
}

if (require.main === module) {
  quietPipes();
  main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then((code) => {
    process.exitCode = code;
  });
}
