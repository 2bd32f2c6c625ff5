/**
 * How `npm run invoke` talks to the API: signing (SigV4) or authenticating a call and sending it within the timeout,
 * reading a JSON answer or an event stream as it arrives, and turning whatever went wrong (an error body, an
 * unreachable host, a timeout, a broken stream) into one ApiErrorReport.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { SseParser } from '../../../lib/runtime/api/sse';
import { field, isObject, isRecord, parseRecord } from '../cli';
import type { ApiErrorReport, AwsCredentials, Call, Context } from './types';

/** What sending a call came to. */
export type Sent =
  | { readonly kind: 'response'; readonly response: Response; readonly started: number }
  | { readonly kind: 'failed'; readonly error: ApiErrorReport; readonly started: number }
  /** No credentials: a setup problem, reported like bad usage. */
  | { readonly kind: 'usage'; readonly message: string };

/** Signs (or authenticates) and sends one call. `started` is taken after signing, so latencies are the network's and the API's. */
export async function send(ctx: Context, call: Call): Promise<Sent> {
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

/** What a call answered with a JSON object came to. */
export type JsonCall =
  | { readonly kind: 'ok'; readonly status: number; readonly body: Record<string, unknown>; readonly requestId: string | null }
  | { readonly kind: 'failed'; readonly error: ApiErrorReport }
  | { readonly kind: 'usage'; readonly message: string };

/** Sends a call whose answer is a JSON object, and reads it. */
export async function jsonCall(ctx: Context, call: Call): Promise<JsonCall> {
  const sent = await send(ctx, call);
  if (sent.kind !== 'response') return sent;
  const response = sent.response;
  if (!response.ok) return { kind: 'failed', error: await errorOf(response) };
  const read = await readJson(response, ctx.timeoutSeconds);
  if (!read.ok) return { kind: 'failed', error: read.error };
  if (!isRecord(read.value)) return { kind: 'failed', error: protocolError(response, `a ${response.status} that is not a JSON object: ${preview(JSON.stringify(read.value))}`) };
  return { kind: 'ok', status: response.status, body: read.value, requestId: field(read.value, 'requestId') ?? requestIdHeader(response) };
}

/** A response body read as JSON, or why it could not be. */
export type Read = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ApiErrorReport };

/** Reads a response's body as JSON of any shape. */
export async function readJson(response: Response, timeoutSeconds: number): Promise<Read> {
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
export async function errorOf(response: Response): Promise<ApiErrorReport> {
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

/** How an event stream ended: its done event's data, an error event, or a stream that broke or ended early. */
export type StreamOutcome =
  | { readonly kind: 'done'; readonly data: Record<string, unknown> }
  | { readonly kind: 'error'; readonly error: ApiErrorReport }
  | { readonly kind: 'broken'; readonly failure: ApiErrorReport };

/** Reads the event stream of a response, calling `onToken` with each token's text as it arrives. */
export async function readEvents(response: Response, onToken: (text: string) => void, timeoutSeconds: number): Promise<StreamOutcome> {
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
        const data = parseRecord(event.data);
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

/** An answer that is not what the API sends, e.g. a body that is not JSON; `what` describes it. */
export function protocolError(response: Response, what: string): ApiErrorReport {
  return { status: response.status, code: 'UnexpectedResponse', message: `the API sent ${what}`, field: null, requestId: requestIdHeader(response), retryAfter: null };
}

/** The request id API Gateway puts in the response's headers, if any. */
export function requestIdHeader(response: Response): string | null {
  return response.headers.get('x-request-id') ?? response.headers.get('x-amzn-requestid');
}

/** A text on one line and cut at 200 characters, as the messages quote what the API sent. */
export function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat;
}
