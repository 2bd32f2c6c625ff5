/**
 * What `npm run invoke` says about an answer: the fields of a generated answer, the one-line summary on stderr, and
 * a failure described in one sentence with a hint at the likely cause.
 */
import { field, isRecord } from '../cli';
import { EXAMPLE_URL } from './arguments';
import { requestIdHeader } from './transport';
import type { ApiErrorReport, Call, GenerateReport } from './types';

/** The report fields an answer's body (or a stream's done event) carries. */
export function answerFields(data: Record<string, unknown>, response: Response): Partial<GenerateReport> {
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

/** The line after an answer: request id, tokens, latencies, model, template version and stop reason. */
export function summary(r: GenerateReport): string {
  const tokens = r.usage === null ? 'usage not reported' : `${r.usage.inputTokens} input + ${r.usage.outputTokens} output tokens`;
  const server = r.latencyMs === null ? '' : ` (server ${r.latencyMs} ms)`;
  const ttft = r.ttftMs === null ? '' : `, first token after ${r.ttftMs} ms`;
  const template = r.templateVersion === null ? '' : `; template version ${r.templateVersion}`;
  const stop = r.stopReason === null ? '' : `; stop reason ${r.stopReason}`;
  return `Request ${r.requestId ?? '(no id)'}: ${tokens} in ${r.elapsedMs} ms${server}${ttft}; model ${r.model ?? '(not reported)'}${template}${stop}.`;
}

/** A failed call in one sentence: what happened, the API's code, message and field, the request id, and a hint. */
export function describeFailure(call: Call, e: ApiErrorReport, midStream: boolean): string {
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
