/**
 * `npm run ingest -- --knowledge-base ID --data-source ID`: syncs the kit's Bedrock knowledge base with its data source
 * (the dataset store's `documents/` prefix; both ids are outputs of the `<Env>-Serving` stack, `KnowledgeBaseId` and
 * `DataSourceId`). It starts an ingestion job, then polls it, printing on stderr each status transition and each change
 * of its document counts with the time since the job started, and prints the job's id on stdout; `--json` prints one
 * JSON document instead. When a job is already running for the data source, StartIngestionJob is refused with a
 * ConflictException; `--watch-running` then finds that job (ListIngestionJobs) and watches it instead.
 * Exit codes: 0 COMPLETE (even with failed documents, which are reported as a warning) or started with --no-wait;
 * 1 a call failed, the job FAILED or was STOPPED, or --timeout passed first (the job keeps running);
 * 2 bad usage, with every problem listed at once.
 */
import { parseArgs } from 'node:util';
import {
  BedrockAgentClient, GetIngestionJobCommand, IngestionJobFilterAttribute, IngestionJobFilterOperator, IngestionJobSortByAttribute,
  IngestionJobStatus, ListIngestionJobsCommand, SortOrder, StartIngestionJobCommand,
  type IngestionJob, type IngestionJobStatistics, type IngestionJobSummary, type StartIngestionJobRequest,
} from '@aws-sdk/client-bedrock-agent';
import { formatElapsed } from './lib/optimization';
import {
  checkRegion, clockOf, describeError, EXIT_OK, EXIT_USAGE, type ClockDeps, json, optionLines, optionProblems, problemReport, str, type Io as Writers,
  type OptionSpec, type Values, runScript, utc,
} from './lib/cli';
import { Poller, pollTiming, ProgressLog, type PollTiming } from './lib/poller';

export { HEARTBEAT_SECONDS } from './lib/poller';
export { EXIT_OK, EXIT_USAGE };

/** Each writer adds a newline to the text. */
export type Io = Writers;

export interface Deps extends ClockDeps {
  /** The client for `--region` (undefined: the SDK's default chain). @default a new BedrockAgentClient */
  readonly createClient?: (region: string | undefined) => BedrockAgentClient;
}

export const EXIT_FAILED = 1;

/** Seconds between polls by default: a few hundred documents take a minute or two. */
export const DEFAULT_POLL_SECONDS = 10;
/** StartIngestionJob's limit on `description`. */
export const MAX_DESCRIPTION_LENGTH = 200;
/** The failure reasons the display prints; `--json` has all of them. */
export const MAX_REASONS_SHOWN = 10;

/** Knowledge base, data source and ingestion job ids, as the API's patterns allow them. */
const ID = /^[0-9a-zA-Z]{10}$/;
const KNOWLEDGE_BASE_ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:knowledge-base\/([0-9a-zA-Z]{10})$/;
const TERMINAL: readonly string[] = [IngestionJobStatus.COMPLETE, IngestionJobStatus.FAILED, IngestionJobStatus.STOPPED];

const OPTIONS: Record<string, OptionSpec> = {
  'knowledge-base': { type: 'string', help: 'knowledge base id, 10 letters and digits: output KnowledgeBaseId of the <Env>-Serving stack (required)' },
  'data-source': { type: 'string', help: 'data source id, 10 letters and digits: output DataSourceId of the <Env>-Serving stack (required)' },
  region: { type: 'string', help: 'AWS region (default: the SDK chain: AWS_REGION, then the profile\'s region)' },
  description: { type: 'string', help: `a description of the ingestion job, 1-${MAX_DESCRIPTION_LENGTH} characters (default: none)` },
  wait: { type: 'boolean', help: 'wait for the job to end, showing its progress (the default)' },
  'no-wait': { type: 'boolean', help: 'start the job, print its id and exit' },
  'watch-running': { type: 'boolean', help: 'when a job is already running for the data source, watch it instead of failing' },
  poll: { type: 'string', help: `seconds between status checks (default ${DEFAULT_POLL_SECONDS})` },
  timeout: { type: 'string', help: 'seconds to wait before giving up; the job keeps running (default: until it ends)' },
  json: { type: 'boolean', help: 'print one JSON document on stdout instead of the job id' },
  help: { type: 'boolean', help: 'show this help' },
};

const WAIT_ONLY = ['poll', 'timeout', 'watch-running'] as const;

/** What `--json` prints: the same fields whatever the outcome. */
export interface Report {
  readonly knowledgeBaseId: string;
  readonly dataSourceId: string;
  /** The job started or watched; null when none was. */
  readonly ingestionJobId: string | null;
  /** False when --watch-running watched a job that was already running. */
  readonly started: boolean;
  /** The job's last status: STARTING, IN_PROGRESS, STOPPING, COMPLETE, FAILED or STOPPED; null when there is no job. */
  readonly status: string | null;
  /** The job's last statistics, as Bedrock returns them (IngestionJobStatistics). */
  readonly statistics: IngestionJobStatistics | null;
  /** Bedrock's failureReasons: why the job FAILED, or why documents failed in a COMPLETE job. */
  readonly failureReasons: readonly string[];
  readonly startedAt: string | null;
  readonly updatedAt: string | null;
  /** Seconds since the job started; to its last update once it ended. */
  readonly elapsedSeconds: number;
  /** Why the script gave up without an outcome: an API error, a running job, or --timeout. */
  readonly error: string | null;
}

interface Ids { readonly knowledgeBaseId: string; readonly dataSourceId: string }

interface Context {
  readonly io: Io;
  readonly client: BedrockAgentClient;
  readonly region: string;
  readonly ids: Ids;
  readonly now: () => number;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly asJson: boolean;
}

export async function main(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  if (argv.length === 0) {
    io.stderr(usage());
    return EXIT_USAGE;
  }
  const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true });
  if (values.help === true) {
    io.stdout(usage());
    return EXIT_OK;
  }

  const problems = optionProblems(OPTIONS, values, positionals, undefined, (word) => `${ID.test(word) ? '--knowledge-base' : '--description'} ${word}`);
  const knowledgeBaseId = idOption(values, 'knowledge-base', 'KnowledgeBaseId', problems);
  const dataSourceId = idOption(values, 'data-source', 'DataSourceId', problems);
  if (knowledgeBaseId !== undefined && knowledgeBaseId === dataSourceId) {
    problems.push(`--data-source is ${dataSourceId}, the same as --knowledge-base: pass the DataSourceId output of the <Env>-Serving stack.`);
  }
  const description = str(values.description);
  if (description !== undefined && (description.trim() === '' || description.length > MAX_DESCRIPTION_LENGTH)) {
    problems.push(`--description is ${description.trim() === '' ? 'empty' : `${description.length} characters`}: ` +
      `use 1-${MAX_DESCRIPTION_LENGTH} characters, or drop it.`);
  }
  const region = str(values.region);
  checkRegion(region, problems);
  const timing = pollTiming(values, problems, DEFAULT_POLL_SECONDS);
  const wait = values['no-wait'] !== true;
  if (values.wait === true && !wait) problems.push('--wait and --no-wait contradict each other: keep one.');
  if (!wait) {
    for (const option of WAIT_ONLY) {
      if (values[option] !== undefined) problems.push(`--${option} only applies when waiting: drop --no-wait, or drop --${option}.`);
    }
  }
  if (problems.length > 0 || knowledgeBaseId === undefined || dataSourceId === undefined) return fail(problems, io);

  const client = (deps.createClient ?? defaultClient)(region);
  let resolvedRegion: string;
  try {
    resolvedRegion = await client.config.region();
  } catch {
    return fail(['no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile.'], io);
  }
  const ctx: Context = {
    io, client, region: resolvedRegion, ids: { knowledgeBaseId, dataSourceId },
    ...clockOf(deps),
    asJson: values.json === true,
  };
  const noJob = (error: string): Report => report(ctx, null, false, 0, error);

  const request: StartIngestionJobRequest = { knowledgeBaseId, dataSourceId, ...(description === undefined ? {} : { description }) };
  const startedAt = ctx.now();
  let job: IngestionJob | undefined;
  try {
    job = (await client.send(new StartIngestionJobCommand(request))).ingestionJob;
  } catch (error) {
    if (errorName(error) !== 'ConflictException') {
      return finish(ctx, noJob(`StartIngestionJob failed: ${describeError(error)}${startHint(error, ctx)}`), EXIT_FAILED);
    }
    const conflict = `StartIngestionJob failed: ${describeError(error)}. An ingestion job is already running for data source ${dataSourceId} ` +
      `(a knowledge base runs one at a time).`;
    if (values['watch-running'] !== true) {
      return finish(ctx, noJob(`${conflict} Watch it with \`npm run ingest -- ${idArgs(ctx.ids)} --watch-running\`. It may not include ` +
        'documents changed after it started: ingest again once it ends.'), EXIT_FAILED);
    }
    ctx.io.stderr(`${conflict} Watching it (--watch-running).`);
    return watchRunning(ctx, timing);
  }
  const jobId = job?.ingestionJobId;
  if (job === undefined || jobId === undefined) {
    return finish(ctx, noJob('StartIngestionJob returned no ingestion job id: check the data source with `aws bedrock-agent list-ingestion-jobs`.'), EXIT_FAILED);
  }
  io.stderr(`Started ingestion job ${jobId} for data source ${dataSourceId} of knowledge base ${knowledgeBaseId} in ${ctx.region}.`);
  if (!wait) {
    io.stderr(`Not waiting. Check it with \`${getJobCommand(ctx.ids, jobId)}\`.`);
    io.stdout(ctx.asJson ? json(report(ctx, job, true, 0, null)) : jobId);
    return EXIT_OK;
  }
  io.stderr('Ctrl-C stops watching, not the job.');
  return watchJob(ctx, job, true, startedAt, timing);
}

/** After a ConflictException: the data source's running job, newest first (IN_PROGRESS, then STARTING or STOPPING), watched. */
async function watchRunning(ctx: Context, options: PollTiming): Promise<number> {
  let running: IngestionJobSummary | undefined;
  try {
    for (const status of [IngestionJobStatus.IN_PROGRESS, IngestionJobStatus.STARTING, IngestionJobStatus.STOPPING]) {
      const listed = await ctx.client.send(new ListIngestionJobsCommand({
        ...ctx.ids,
        filters: [{ attribute: IngestionJobFilterAttribute.STATUS, operator: IngestionJobFilterOperator.EQ, values: [status] }],
        sortBy: { attribute: IngestionJobSortByAttribute.STARTED_AT, order: SortOrder.DESCENDING },
        maxResults: 1,
      }));
      running = listed.ingestionJobSummaries?.find((s) => s.ingestionJobId !== undefined);
      if (running !== undefined) break;
    }
  } catch (error) {
    const hint = errorName(error) === 'AccessDeniedException' ? `. The caller needs bedrock:ListIngestionJobs on ${knowledgeBaseArn(ctx)}.` : '.';
    return finish(ctx, report(ctx, null, false, 0, `ListIngestionJobs failed: ${describeError(error)}${hint}`), EXIT_FAILED);
  }
  if (running === undefined) {
    return finish(ctx, report(ctx, null, false, 0, `no ingestion job is running for data source ${ctx.ids.dataSourceId} now: it may have just ` +
      `ended, or the running job ingests another data source of knowledge base ${ctx.ids.knowledgeBaseId}. Run ingest again.`), EXIT_FAILED);
  }
  const job: IngestionJob = { ...running, knowledgeBaseId: ctx.ids.knowledgeBaseId, dataSourceId: ctx.ids.dataSourceId };
  ctx.io.stderr(`Watching ingestion job ${running.ingestionJobId}${running.startedAt === undefined ? '' : `, running since ${utc(running.startedAt)}`}. ` +
    'Ctrl-C stops watching, not the job. It may not include documents changed after it started: ingest again once it ends.');
  return watchJob(ctx, job, false, running.startedAt?.getTime() ?? ctx.now(), options);
}

/**
 * Polls the job until it ends or the timeout passes, from `first` (what StartIngestionJob or ListIngestionJobs returned).
 * A line goes to stderr at the first status, at every status transition and every change of the counts, and every
 * HEARTBEAT_SECONDS while nothing changes. `origin` is when the job started: elapsed times count from it.
 */
async function watchJob(ctx: Context, first: IngestionJob, started: boolean, origin: number, options: PollTiming): Promise<number> {
  const { io, now } = ctx;
  const jobId = first.ingestionJobId as string;
  const poller = new Poller(ctx, options);
  const elapsed = () => Math.max(0, Math.round((now() - origin) / 1000));
  const progress = new ProgressLog((text) => io.stderr(text), elapsed);

  let job = first;
  let status: string | undefined;
  let shown: string | undefined;
  for (;;) {
    const newStatus = job.status ?? 'UNKNOWN';
    const counts = countsText(job.statistics);
    const suffix = counts === '' ? '' : `: ${counts}`;
    if (status === undefined) progress.line(`${newStatus}${suffix}`);
    else if (newStatus !== status) progress.line(`${status} -> ${newStatus}${suffix}`);
    else if (counts !== shown) progress.line(`${newStatus}${suffix}`);
    else if (progress.quiet) progress.line(`${newStatus}${suffix} (still running)`);
    status = newStatus;
    shown = counts;
    if (TERMINAL.includes(newStatus)) return ended(ctx, job, started, origin);

    const wait = await poller.next();
    if (wait.timedOut) {
      return finish(ctx, report(ctx, job, started, elapsed(), `${wait.message}: ` +
        `ingestion job ${jobId} is still ${newStatus}${suffix}, and keeps running. Check it with \`${getJobCommand(ctx.ids, jobId)}\`, ` +
        `wait for it with \`npm run ingest -- ${idArgs(ctx.ids)} --watch-running\`, or stop it with ` +
        `\`aws bedrock-agent stop-ingestion-job ${jobArgs(ctx.ids, jobId)}\`.`), EXIT_FAILED);
    }
    try {
      const got = (await ctx.client.send(new GetIngestionJobCommand({ ...ctx.ids, ingestionJobId: jobId }))).ingestionJob;
      if (got !== undefined) job = got;
    } catch (error) {
      const hint = errorName(error) === 'AccessDeniedException' ? ` The caller needs bedrock:GetIngestionJob on ${knowledgeBaseArn(ctx)}.` : '';
      return finish(ctx, report(ctx, job, started, elapsed(), `GetIngestionJob failed: ${describeError(error)}.${hint} The job keeps running: ` +
        `check it with \`${getJobCommand(ctx.ids, jobId)}\`.`), EXIT_FAILED);
    }
  }
}

function ended(ctx: Context, job: IngestionJob, started: boolean, origin: number): number {
  const jobId = job.ingestionJobId as string;
  // Once the job has ended, its last update is when it ended: Bedrock's own duration, free of the poll interval and clock skew.
  const start = job.startedAt?.getTime();
  const end = job.updatedAt?.getTime();
  const seconds = start !== undefined && end !== undefined && end >= start ? (end - start) / 1000 : (ctx.now() - origin) / 1000;
  const final = report(ctx, job, started, Math.max(0, Math.round(seconds)), null);
  const took = formatElapsed(final.elapsedSeconds);
  const reasons = job.failureReasons ?? [];
  const s = job.statistics ?? {};
  if (job.status !== IngestionJobStatus.COMPLETE) {
    const lines = [`ingest: ingestion job ${jobId} ${job.status} after ${took}.`];
    if (reasons.length > 0) lines.push(...reasonLines(reasons));
    else lines.push(job.status === IngestionJobStatus.STOPPED ? '  It was stopped (StopIngestionJob).' : '  Bedrock gave no failureReasons.');
    lines.push(`  Documents so far: ${summaryText(s)}.`);
    ctx.io.stderr(lines.join('\n'));
    if (ctx.asJson) ctx.io.stdout(json(final));
    return EXIT_FAILED;
  }
  const lines = [`Ingestion job ${jobId} COMPLETE in ${took}.`, `Documents: ${summaryText(s)}.`];
  if ((s.numberOfMetadataDocumentsScanned ?? 0) > 0 || (s.numberOfMetadataDocumentsModified ?? 0) > 0) {
    lines.push(`Metadata files: ${s.numberOfMetadataDocumentsScanned ?? 0} scanned, ${s.numberOfMetadataDocumentsModified ?? 0} modified.`);
  }
  const failed = s.numberOfDocumentsFailed ?? 0;
  if (failed > 0) {
    lines.push(`ingest: warning: ${failed} document${failed === 1 ? '' : 's'} failed to ingest; the knowledge base answers without ` +
      `${failed === 1 ? 'it' : 'them'}. ${reasons.length > 0 ? 'Bedrock says:' : 'Bedrock gave no failureReasons.'}`);
    lines.push(...reasonLines(reasons));
    lines.push('  Fix or remove them under the data source\'s prefix (documents/ in the dataset store) and ingest again; ' +
      'the knowledge base\'s log delivery, when set up, has a record for each document.');
  }
  ctx.io.stderr(lines.join('\n'));
  ctx.io.stdout(ctx.asJson ? json(final) : jobId);
  return EXIT_OK;
}

function reasonLines(reasons: readonly string[]): string[] {
  const lines = reasons.slice(0, MAX_REASONS_SHOWN).map((r) => `  - ${r}`);
  if (reasons.length > MAX_REASONS_SHOWN) lines.push(`  ... and ${reasons.length - MAX_REASONS_SHOWN} more (--json prints them all)`);
  return lines;
}

/** The progress counts, e.g. `120 scanned, 118 indexed, 2 failed`: scanned and indexed always, the others when not zero; empty while all are zero. */
export function countsText(statistics: IngestionJobStatistics | undefined): string {
  const s = statistics ?? {};
  const n = (value: number | undefined) => value ?? 0;
  const indexed = n(s.numberOfNewDocumentsIndexed) + n(s.numberOfModifiedDocumentsIndexed);
  const optional: [number, string][] = [
    [n(s.numberOfDocumentsDeleted), 'deleted'], [n(s.numberOfDocumentsFailed), 'failed'], [n(s.numberOfDocumentsSkipped), 'skipped'],
    [n(s.numberOfMetadataDocumentsScanned), 'metadata files scanned'],
  ];
  if (n(s.numberOfDocumentsScanned) === 0 && indexed === 0 && optional.every(([v]) => v === 0)) return '';
  return [`${n(s.numberOfDocumentsScanned)} scanned`, `${indexed} indexed`, ...optional.filter(([v]) => v > 0).map(([v, what]) => `${v} ${what}`)].join(', ');
}

/** Every document count of the job, for its end. */
function summaryText(s: IngestionJobStatistics): string {
  const n = (value: number | undefined) => value ?? 0;
  return `${n(s.numberOfDocumentsScanned)} scanned, ${n(s.numberOfNewDocumentsIndexed)} new and ${n(s.numberOfModifiedDocumentsIndexed)} modified ` +
    `indexed, ${n(s.numberOfDocumentsDeleted)} deleted, ${n(s.numberOfDocumentsFailed)} failed, ${n(s.numberOfDocumentsSkipped)} skipped`;
}

function report(ctx: Context, job: IngestionJob | null, started: boolean, elapsedSeconds: number, error: string | null): Report {
  return {
    ...ctx.ids,
    ingestionJobId: job?.ingestionJobId ?? null,
    started,
    status: job?.status ?? null,
    statistics: job?.statistics ?? null,
    failureReasons: job?.failureReasons ?? [],
    startedAt: job?.startedAt?.toISOString() ?? null,
    updatedAt: job?.updatedAt?.toISOString() ?? null,
    elapsedSeconds,
    error,
  };
}

/** A knowledge base or data source id: 10 letters and digits. A knowledge base's ARN gets its id suggested. */
function idOption(values: Values, option: 'knowledge-base' | 'data-source', output: string, problems: string[]): string | undefined {
  const value = str(values[option]);
  if (value === undefined) {
    if (values[option] === undefined) problems.push(`--${option} is missing: pass the ${output} output of the <Env>-Serving stack.`);
    return undefined;
  }
  if (ID.test(value)) return value;
  const fromArn = KNOWLEDGE_BASE_ARN.exec(value)?.[1];
  problems.push(fromArn !== undefined && option === 'knowledge-base'
    ? `--knowledge-base is "${value}", an ARN: pass the id alone, ${fromArn}.`
    : `--${option} is "${value}": use the 10-letter-and-digit id, the ${output} output of the <Env>-Serving stack, e.g. ` +
      `${option === 'knowledge-base' ? 'KB12345678' : 'DS12345678'}.`);
  return undefined;
}

function idArgs(ids: Ids): string {
  return `--knowledge-base ${ids.knowledgeBaseId} --data-source ${ids.dataSourceId}`;
}

function jobArgs(ids: Ids, jobId: string): string {
  return `--knowledge-base-id ${ids.knowledgeBaseId} --data-source-id ${ids.dataSourceId} --ingestion-job-id ${jobId}`;
}

function getJobCommand(ids: Ids, jobId: string): string {
  return `aws bedrock-agent get-ingestion-job ${jobArgs(ids, jobId)}`;
}

function knowledgeBaseArn(ctx: Context): string {
  return `arn:aws:bedrock:${ctx.region}:ACCOUNT:knowledge-base/${ctx.ids.knowledgeBaseId}`;
}

function startHint(error: unknown, ctx: Context): string {
  switch (errorName(error)) {
    case 'ResourceNotFoundException':
      return `. Check --knowledge-base and --data-source (the KnowledgeBaseId and DataSourceId outputs of the <Env>-Serving stack) ` +
        `and that ${ctx.region} is that stack's region.`;
    case 'AccessDeniedException':
      return `. The caller needs bedrock:StartIngestionJob and bedrock:GetIngestionJob on ${knowledgeBaseArn(ctx)}.`;
    case 'ServiceQuotaExceededException':
      return '. The account runs as many ingestion jobs as its quota allows: wait for one to end, or raise the quota.';
    case 'ThrottlingException':
      return '. Bedrock is throttling the account: try again in a minute.';
    default:
      return '.';
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function finish(ctx: Context, final: Report, code: number): number {
  ctx.io.stderr(`ingest: ${final.error}`);
  if (ctx.asJson) ctx.io.stdout(json(final));
  return code;
}

function defaultClient(region: string | undefined): BedrockAgentClient {
  return new BedrockAgentClient(region === undefined ? {} : { region });
}

function fail(problems: readonly string[], io: Io): number {
  io.stderr(problemReport('ingest', problems, 'npm run ingest -- --help'));
  return EXIT_USAGE;
}

function usage(): string {
  return [
    'Usage: npm run ingest -- --knowledge-base ID --data-source ID [options]',
    '',
    'Syncs the knowledge base with its data source, the dataset store\'s documents/ prefix: starts an ingestion job,',
    'shows its progress on stderr (status transitions and document counts), and prints the job id on stdout.',
    'Both ids are outputs of the <Env>-Serving stack: KnowledgeBaseId and DataSourceId.',
    '',
    ...optionLines(OPTIONS),
    '',
    'Example:',
    '  npm run -s ingest -- --knowledge-base KB12345678 --data-source DS12345678 --description "support docs v3"',
    '',
    'A knowledge base runs one ingestion job at a time: when one is running, --watch-running watches it instead.',
    'Stopping this script (Ctrl-C) does not stop the job. Exit codes: 0 COMPLETE (failed documents are reported as a',
    'warning), or started with --no-wait; 1 a call failed, the job FAILED or was STOPPED, or --timeout passed;',
    '2 bad usage.',
  ].join('\n');
}

if (require.main === module) runScript(main);
