/**
 * `npm run invoke -- <generate|feedback|health> --url STAGE_URL [options]`: a command-line client for the kit's deployed
 * generative API (an API Gateway REST API). Requests are signed with SigV4 from the default credential chain (IAM, the
 * default), or carry an API key (`x-api-key`) or a Cognito token (`Authorization`). `generate --stream` prints tokens as
 * they arrive; `--json` prints one JSON document at the end instead. Exit codes: 0 ok; 1 the API answered an error, could
 * not be reached in time, or the model failed mid-stream; 2 bad usage, with every problem listed at once.
 */
import { EXIT_OK, EXIT_USAGE, field, isRecord, json, optionProblems, parseCommand, quietPipes, str, type Io as Lines } from './lib/cli';
import { authOptions, COMMANDS, commandUsage, fail, feedbackBody, generateBody, positiveNumber, stageUrl, usage } from './lib/invoke/arguments';
import { answerFields, describeFailure, summary } from './lib/invoke/report';
import { errorOf, jsonCall, preview, protocolError, readEvents, readJson, requestIdHeader, send } from './lib/invoke/transport';
import { DEFAULT_TIMEOUT_SECONDS, EXIT_API_ERROR, type ApiErrorReport, type Call, type Context, type Deps, type GenerateReport, type Io } from './lib/invoke/types';

export { DEFAULT_TIMEOUT_SECONDS, EXIT_API_ERROR, type ApiErrorReport, type AwsCredentials, type Deps, type GenerateReport, type Io } from './lib/invoke/types';
export { EXIT_OK, EXIT_USAGE };

/** Runs `invoke` with `argv` (the arguments after the script's name) and returns its exit code. */
export async function main(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  // The help and the command errors are whole lines; only the answer's text is written as it comes.
  const lines: Lines = { stdout: (text) => io.stdout(`${text}\n`), stderr: (text) => io.stderr(`${text}\n`) };
  const parsed = parseCommand('invoke', argv, COMMANDS, lines, usage, commandUsage);
  if ('exit' in parsed) return parsed.exit;
  const { command, values, positionals } = parsed;
  const spec = COMMANDS[command];

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

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
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
