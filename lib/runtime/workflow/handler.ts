// The fine-tuning workflow's Lambda steps: validate the datasets (the same validator as
// `npm run validate-dataset`, streamed from S3), build preference data from the API's feedback records,
// and load the evaluation metrics the gate compares. Failures throw named errors that the state machine
// reports as the execution's cause.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand,
  S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { DatasetValidator } from '../../datasets/validate';
import { readDatasetLines } from '../../datasets/lines';
import { DatasetFormat } from '../../datasets/formats';
import {
  type AnswerTexts, answerTexts, DEFAULT_MAX_PAIRS_PER_CALLER, planPreferencePairs, type RatedAnswer, ratedAnswer, resolvePair, toJsonlLine,
} from '../../datasets/preferences';
import { type FeedbackRecord, type InteractionRecord, interactionKey } from '../api/records';

const s3 = new S3Client({});

export type WorkflowEvent =
  | { action: 'validate'; bucket: string; format: DatasetFormat; keys: Record<string, string | undefined>; required: string[] }
  | { action: 'build-preferences'; bucket: string; feedbackPrefix: string; outputKey: string; maxPairsPerCaller?: number }
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
    // Bytes, each line bounded and checked for UTF-8: one huge line cannot exhaust the function's memory.
    const lines = readDatasetLines(await body(event.bucket, key, 'DatasetMissing'));
    let validator: DatasetValidator | undefined;
    for await (const line of lines) {
      // evaluate.py scores the test split by generating answers: prompt/completion or chat records, whatever
      // the training format; DPO trains on preference pairs but is tested on such records.
      validator ??= new DatasetValidator(split === 'test' && event.format === DatasetFormat.PREFERENCE ? testFormatOf(line.text ?? '') : event.format, { file: key, maxProblems: MAX_REPORTED });
      validator.push(line);
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

/** A rating as the build plans with it: hashes of its texts, and where to read them again. */
interface StoredAnswer extends RatedAnswer {
  readonly feedbackKey: string;
}

/** Objects read at once while building preferences: enough to hide S3's latency, few enough to bound memory. */
const READ_CONCURRENCY = 8;
/** Parts of the output's multipart upload (S3 takes 5 MiB to 5 GiB per part but the last). */
const PART_BYTES = 8 * 1024 * 1024;

/**
 * Preference pairs from the feedback records, streamed: a first pass reads each record (and its interaction) once
 * and keeps only hashes of the texts, the rules run on those (lib/datasets/preferences.ts), and a second pass reads
 * the texts of one pair at a time into a multipart upload. Memory grows with the number of records (a few hundred
 * bytes each), not with their size.
 */
async function buildPreferences(event: Extract<WorkflowEvent, { action: 'build-preferences' }>) {
  const prefix = `${event.feedbackPrefix}ratings/`;
  const digest = (text: string) => createHash('sha256').update(text).digest('base64');
  const answers: StoredAnswer[] = [];
  let records = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: event.bucket, Prefix: prefix, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => o.Key!).filter((k) => k?.endsWith('.json'));
    await forEachLimited(keys, READ_CONCURRENCY, async (key) => {
      const { record, texts } = await readRating(event.bucket, event.feedbackPrefix, key);
      records += 1;
      if (record) answers.push({ ...ratedAnswer(record, texts, digest), feedbackKey: key });
    });
    token = page.NextContinuationToken;
  } while (token);

  const plan = planPreferencePairs(answers, { maxPairsPerCaller: event.maxPairsPerCaller ?? DEFAULT_MAX_PAIRS_PER_CALLER });
  if (plan.pairs.length === 0) {
    throw new StepError('NoPreferenceData', `${records} feedback record(s) under s3://${event.bucket}/${prefix} gave no preference pair (a pair needs a correction, or an up- and a down-rated answer to the same prompt).`);
  }
  const output = new MultipartWriter(event.bucket, event.outputKey);
  try {
    // Texts of the next few pairs are read ahead, in order; each pair is written as soon as its texts are in.
    const texts = (answer: StoredAnswer) => readRating(event.bucket, event.feedbackPrefix, answer.feedbackKey).then((r) => r.texts);
    const ahead: Promise<string>[] = [];
    const line = (i: number) => {
      const pair = plan.pairs[i];
      const chosen = texts(pair.chosen);
      const rejected = pair.rejected === pair.chosen ? chosen : texts(pair.rejected);
      const done = Promise.all([chosen, rejected]).then(([c, r]) => toJsonlLine(resolvePair(pair, c, r)));
      // Awaited in turn below; one that fails after an earlier failure must not count as unhandled.
      done.catch(() => undefined);
      return done;
    };
    for (let i = 0; i < plan.pairs.length; i++) {
      while (ahead.length < READ_CONCURRENCY && i + ahead.length < plan.pairs.length) ahead.push(line(i + ahead.length));
      await output.write(await ahead.shift()!);
    }
    await output.close();
  } catch (error) {
    await output.abort();
    throw error;
  }
  return { trainKey: event.outputKey, pairs: plan.pairs.length, feedbackRecords: records, skipped: plan.skipped };
}

/** A rating record and its texts: its own copies (version 1), or its interaction's (version 2). */
async function readRating(bucket: string, feedbackPrefix: string, key: string): Promise<{ record?: FeedbackRecord; texts: AnswerTexts }> {
  const record = await readJson<FeedbackRecord>(bucket, key);
  if (record === undefined || typeof record !== 'object') return { texts: {} };
  const copied = record.prompt !== undefined || record.response !== undefined;
  const interaction = copied || typeof record.requestId !== 'string' ? undefined : await readJson<InteractionRecord>(bucket, interactionKey(feedbackPrefix, record.requestId));
  return { record, texts: answerTexts(record, interaction) };
}

/** A JSON object from S3, or undefined when the key does not exist or does not hold JSON. */
async function readJson<T>(bucket: string, key: string): Promise<T | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await out.Body!.transformToString()) as T;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey' || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** An object written as it is produced: one PutObject when it stays under a part, else a multipart upload. */
class MultipartWriter {
  private chunks: Buffer[] = [];
  private size = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];

  constructor(private readonly bucket: string, private readonly key: string) {}

  async write(text: string): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    this.chunks.push(bytes);
    this.size += bytes.length;
    if (this.size >= PART_BYTES) await this.flushPart();
  }

  async close(): Promise<void> {
    if (this.uploadId === undefined) {
      await s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: Buffer.concat(this.chunks), ContentType: 'application/jsonl' }));
      return;
    }
    if (this.size > 0) await this.flushPart();
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
  }

  /** Drops a started upload, whose parts S3 would otherwise keep (and bill). */
  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    await s3.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId })).catch(() => undefined);
  }

  private async flushPart(): Promise<void> {
    this.uploadId ??= (await s3.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, ContentType: 'application/jsonl' }))).UploadId!;
    const body = Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    const partNumber = this.parts.length + 1;
    const out = await s3.send(new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: body }));
    this.parts.push({ ETag: out.ETag!, PartNumber: partNumber });
  }
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
