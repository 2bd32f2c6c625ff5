/**
 * Watching an ingestion job: the one started, or, after a ConflictException, the data source's running one. Polls it
 * until it ends or --timeout passes, printing each status transition and each change of its document counts on
 * stderr, then says how it ended.
 */
import {
  GetIngestionJobCommand, IngestionJobFilterAttribute, IngestionJobFilterOperator, IngestionJobSortByAttribute, IngestionJobStatus,
  ListIngestionJobsCommand, SortOrder, type IngestionJob, type IngestionJobSummary,
} from '@aws-sdk/client-bedrock-agent';
import { formatElapsed } from '../optimization';
import { describeError, EXIT_OK, json, utc } from '../cli';
import { Poller, ProgressLog, type PollTiming } from '../poller';
import { countsText, errorName, finish, getJobCommand, idArgs, jobArgs, knowledgeBaseArn, report, summaryText } from './report';
import { EXIT_FAILED, MAX_REASONS_SHOWN, type Context } from './types';

const TERMINAL: readonly string[] = [IngestionJobStatus.COMPLETE, IngestionJobStatus.FAILED, IngestionJobStatus.STOPPED];

/** After a ConflictException: the data source's running job, newest first (IN_PROGRESS, then STARTING or STOPPING), watched. */
export async function watchRunning(ctx: Context, options: PollTiming): Promise<number> {
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
export async function watchJob(ctx: Context, first: IngestionJob, started: boolean, origin: number, options: PollTiming): Promise<number> {
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
