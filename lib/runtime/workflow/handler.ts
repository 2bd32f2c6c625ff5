// The fine-tuning workflow's Lambda steps: validate the datasets (the same validator as
// `npm run validate-dataset`, streamed from S3), build preference data from the API's feedback records,
// and load the evaluation metrics the gate compares. Failures throw named errors that the state machine
// reports as the execution's cause.
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DatasetValidator } from '../../datasets/validate';
import { DatasetFormat } from '../../datasets/formats';
import { buildPreferencePairs, toJsonl } from '../../datasets/preferences';
import type { FeedbackRecord } from '../api/records';

const s3 = new S3Client({});

export type WorkflowEvent =
  | { action: 'validate'; bucket: string; format: DatasetFormat; keys: Record<string, string | undefined>; required: string[] }
  | { action: 'build-preferences'; bucket: string; feedbackPrefix: string; outputKey: string }
  | { action: 'load-metrics'; bucket: string; key: string; required: string[] }
  | { action: 'bedrock-metrics'; bucket: string; outputUri: string; jobArn: string };

/** An error the state machine shows as the failure: its name is the error, its message the cause. */
class StepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const MAX_REPORTED = 20;

export async function handler(event: WorkflowEvent): Promise<unknown> {
  switch (event.action) {
    case 'validate':
      return validate(event);
    case 'build-preferences':
      return buildPreferences(event);
    case 'load-metrics':
      return loadMetrics(event);
    case 'bedrock-metrics':
      return bedrockMetrics(event);
    default:
      throw new StepError('UnknownAction', `No workflow step "${(event as { action?: string }).action}".`);
  }
}

async function body(bucket: string, key: string, missing: string): Promise<Readable> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body as Readable;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') throw new StepError(missing, `s3://${bucket}/${key} does not exist.`);
    throw error;
  }
}

async function validate(event: Extract<WorkflowEvent, { action: 'validate' }>) {
  const absent = event.required.filter((split) => !event.keys[split]);
  if (absent.length > 0) {
    throw new StepError('DatasetMissing', `This workflow needs ${absent.map((s) => `${s}Key`).join(' and ')} in the execution input.`);
  }
  const summaries: Record<string, { records: number; estimatedTokens: number; duplicates: number }> = {};
  const problems: string[] = [];
  let problemCount = 0;
  for (const [split, key] of Object.entries(event.keys)) {
    if (!key) continue;
    const lines = readline.createInterface({ input: await body(event.bucket, key, 'DatasetMissing'), crlfDelay: Infinity });
    let validator: DatasetValidator | undefined;
    let n = 0;
    for await (const line of lines) {
      // evaluate.py scores the test split by generating answers: prompt/completion or chat records, whatever
      // the training format; DPO trains on preference pairs but is tested on such records.
      validator ??= new DatasetValidator(split === 'test' && event.format === DatasetFormat.PREFERENCE ? testFormatOf(line) : event.format, { file: key, maxProblems: MAX_REPORTED });
      validator.pushLine(line, ++n);
    }
    const summary = (validator ?? new DatasetValidator(event.format, { file: key, maxProblems: MAX_REPORTED })).finish();
    summaries[split] = { records: summary.records, estimatedTokens: summary.estimatedTokens, duplicates: summary.duplicates };
    problemCount += summary.problemCount;
    problems.push(...summary.problems.map((p) => `${p.file}:${p.line}: ${p.message}`));
  }
  if (problemCount > 0) {
    const shown = problems.slice(0, MAX_REPORTED);
    throw new StepError('DatasetInvalid', `${problemCount} problem(s) in the ${event.format} dataset:\n${shown.join('\n')}${problemCount > shown.length ? `\n... and ${problemCount - shown.length} more (run npm run validate-dataset on the file)` : ''}`);
  }
  return { valid: true, summaries };
}

/** chat when the first record has `messages`, else prompt/completion. */
function testFormatOf(firstLine: string): DatasetFormat {
  try {
    const record = JSON.parse(firstLine) as unknown;
    return typeof record === 'object' && record !== null && 'messages' in record ? DatasetFormat.CHAT : DatasetFormat.SFT;
  } catch {
    return DatasetFormat.SFT; // the validator reports the broken line
  }
}

async function buildPreferences(event: Extract<WorkflowEvent, { action: 'build-preferences' }>) {
  const prefix = `${event.feedbackPrefix}ratings/`;
  const records: FeedbackRecord[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: event.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (!object.Key?.endsWith('.json')) continue;
      const text = await (await s3.send(new GetObjectCommand({ Bucket: event.bucket, Key: object.Key }))).Body!.transformToString();
      records.push(JSON.parse(text) as FeedbackRecord);
    }
    token = page.NextContinuationToken;
  } while (token);
  const { pairs, skipped } = buildPreferencePairs(records);
  if (pairs.length === 0) {
    throw new StepError('NoPreferenceData', `${records.length} feedback record(s) under s3://${event.bucket}/${prefix} gave no preference pair (a pair needs a correction, or an up- and a down-rated answer to the same prompt).`);
  }
  await s3.send(new PutObjectCommand({ Bucket: event.bucket, Key: event.outputKey, Body: toJsonl(pairs), ContentType: 'application/jsonl' }));
  return { trainKey: event.outputKey, pairs: pairs.length, feedbackRecords: records.length, skipped };
}

async function loadMetrics(event: Extract<WorkflowEvent, { action: 'load-metrics' }>) {
  const text = await (await body(event.bucket, event.key, 'MetricsMissing')).toArray().then((chunks) => Buffer.concat(chunks as Buffer[]).toString('utf8'));
  const metrics = JSON.parse(text) as Record<string, unknown>;
  // The gate is a Choice state: a metric it compares must be a number, or the execution would stop on a
  // runtime error instead of a clear cause.
  const absent = event.required.filter((pathExpr) => typeof pathExpr.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], metrics) !== 'number');
  if (absent.length > 0) throw new StepError('MetricsMissing', `s3://${event.bucket}/${event.key} has no number at ${absent.join(', ')}.`);
  return { ...metrics, s3Uri: `s3://${event.bucket}/${event.key}` };
}

async function bedrockMetrics(event: Extract<WorkflowEvent, { action: 'bedrock-metrics' }>) {
  // Bedrock writes model-customization-job-<id>/validation_artifacts/post_fine_tuning_validation/validation/
  // validation_metrics.csv under the job's output URI (Bedrock user guide, "Analyze the results").
  const jobId = event.jobArn.slice(event.jobArn.lastIndexOf('/') + 1);
  const prefix = event.outputUri.replace(`s3://${event.bucket}/`, '');
  const key = `${prefix}model-customization-job-${jobId}/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv`;
  const text = await (await body(event.bucket, key, 'MetricsMissing')).toArray().then((chunks) => Buffer.concat(chunks as Buffer[]).toString('utf8'));
  const [header, ...rows] = text.trim().split(/\r?\n/);
  const columns = header.split(',').map((c) => c.trim());
  const last = rows.at(-1)?.split(',') ?? [];
  const value = (name: string) => (columns.includes(name) ? Number(last[columns.indexOf(name)]) : undefined);
  const loss = value('validation_loss');
  if (loss === undefined || !Number.isFinite(loss)) throw new StepError('MetricsMissing', `s3://${event.bucket}/${key} has no validation_loss (columns: ${columns.join(', ')}).`);
  // The file's own columns (step_number, epoch_number, validation_loss and, for some models, perplexity): a
  // column it does not have is left out, never reported as NaN.
  const perplexity = value('perplexity');
  return { tuned: { validation_loss: loss, ...(perplexity !== undefined && Number.isFinite(perplexity) ? { perplexity } : {}) }, s3Uri: `s3://${event.bucket}/${key}` };
}
