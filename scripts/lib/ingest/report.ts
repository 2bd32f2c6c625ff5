/**
 * What `npm run ingest` says: the --json report, the document counts of a job, the AWS CLI commands that check or
 * stop it, the hints that follow a failed call, and the line that ends a run without an outcome.
 */
import type { IngestionJob, IngestionJobStatistics } from '@aws-sdk/client-bedrock-agent';
import { json } from '../cli';
import type { Context, Ids, Report } from './types';

/** The --json report of the job (null: none) as last seen. */
export function report(ctx: Context, job: IngestionJob | null, started: boolean, elapsedSeconds: number, error: string | null): Report {
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

/** Ends a run without an outcome: the report's error on stderr, the report itself with --json. */
export function finish(ctx: Context, final: Report, code: number): number {
  ctx.io.stderr(`ingest: ${final.error}`);
  if (ctx.asJson) ctx.io.stdout(json(final));
  return code;
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
export function summaryText(s: IngestionJobStatistics): string {
  const n = (value: number | undefined) => value ?? 0;
  return `${n(s.numberOfDocumentsScanned)} scanned, ${n(s.numberOfNewDocumentsIndexed)} new and ${n(s.numberOfModifiedDocumentsIndexed)} modified ` +
    `indexed, ${n(s.numberOfDocumentsDeleted)} deleted, ${n(s.numberOfDocumentsFailed)} failed, ${n(s.numberOfDocumentsSkipped)} skipped`;
}

/** The ids as this script's options. */
export function idArgs(ids: Ids): string {
  return `--knowledge-base ${ids.knowledgeBaseId} --data-source ${ids.dataSourceId}`;
}

/** The ids and the job as the AWS CLI's options. */
export function jobArgs(ids: Ids, jobId: string): string {
  return `--knowledge-base-id ${ids.knowledgeBaseId} --data-source-id ${ids.dataSourceId} --ingestion-job-id ${jobId}`;
}

/** The AWS CLI command that shows the job. */
export function getJobCommand(ids: Ids, jobId: string): string {
  return `aws bedrock-agent get-ingestion-job ${jobArgs(ids, jobId)}`;
}

/** The knowledge base's ARN, the account left as ACCOUNT, for the permissions a hint names. */
export function knowledgeBaseArn(ctx: Context): string {
  return `arn:aws:bedrock:${ctx.region}:ACCOUNT:knowledge-base/${ctx.ids.knowledgeBaseId}`;
}

/** What to do after StartIngestionJob failed with `error`, ending the sentence. */
export function startHint(error: unknown, ctx: Context): string {
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

/** The name of an AWS SDK error (ConflictException, ...); empty for anything else. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}
