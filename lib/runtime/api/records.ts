// Durable records in the dataset store's feedback/ prefix: one interaction per answer (what the model received
// and said, and who asked), and at most one feedback per answer (a later one replaces it), which references the
// interaction instead of copying it. Writes never decide the caller's answer: each has a deadline, S3's own retries,
// then a dead-letter queue, so a record is stored, queued for replay, or counted as lost (RecordStore.write).
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import type * as S3Module from './sdk/s3';
import type { InteractionRecord } from './contract';

export type { FeedbackRecord, InteractionRecord } from './contract';

/** `20261129-<uuid>`: the UTC day makes the record's key derivable from the id alone. */
export function newRequestId(now = new Date()): string {
  return `${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomUUID()}`;
}

function dayPath(requestId: string): string {
  return `${requestId.slice(0, 4)}/${requestId.slice(4, 6)}/${requestId.slice(6, 8)}`;
}

export const interactionKey = (prefix: string, requestId: string) => `${prefix}interactions/${dayPath(requestId)}/${requestId}.json`;
/** One key per answer, so a later rating replaces an earlier one instead of adding to it. */
export const feedbackKey = (prefix: string, requestId: string) => `${prefix}ratings/${dayPath(requestId)}/${requestId}.json`;

/** What a record write came to. */
export type WriteOutcome = 'stored' | 'dead-lettered' | 'lost';

/** A record that could not be written to S3, as the dead-letter queue carries it (README: replaying records). */
export interface DeadLetter {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: 'application/json';
  /** How `body` is encoded: base64 of the gzipped JSON record. */
  readonly contentEncoding: 'gzip+base64';
  readonly body: string;
  /** The S3 error that sent it here. */
  readonly reason: string;
}

/** Largest SQS message (the queue's MaximumMessageSize, which SQS allows up to 1 MiB). */
export const MAX_DEAD_LETTER_BYTES = 1_048_576;

export interface RecordStoreOptions {
  readonly bucket: string;
  readonly prefix: string;
  /** The S3 client, created on first use: the first record is written after the first answer has been sent. */
  readonly s3: () => Promise<S3Client>;
  /** Sends a dead letter, or undefined when the deployment has no queue. */
  readonly deadLetter?: (letter: DeadLetter, signal: AbortSignal) => Promise<void>;
  /** Called once per write that did not reach S3, with the outcome and why. */
  readonly onFallback?: (outcome: Exclude<WriteOutcome, 'stored'>, key: string, error: unknown) => void;
}

export class RecordStore {
  constructor(private readonly options: RecordStoreOptions) {}

  /**
   * Writes one record, never throwing: to S3 within `s3Ms` (the client's timeouts and retries inside it), else to
   * the dead-letter queue within `deadLetterMs` from then; a record neither took is reported as lost.
   */
  async write(key: string, record: object, budgets: { readonly s3Ms: number; readonly deadLetterMs: number }): Promise<WriteOutcome> {
    const body = JSON.stringify(record);
    let reason: unknown;
    try {
      await this.put(key, body, AbortSignal.timeout(Math.max(1, budgets.s3Ms)));
      return 'stored';
    } catch (error) {
      reason = error;
    }
    const deadLetter = this.options.deadLetter;
    let outcome: Exclude<WriteOutcome, 'stored'> = 'lost';
    if (deadLetter) {
      try {
        const letter: DeadLetter = {
          bucket: this.options.bucket, key, contentType: 'application/json', contentEncoding: 'gzip+base64',
          body: gzipSync(body).toString('base64'), reason: errorName(reason),
        };
        const size = Buffer.byteLength(JSON.stringify(letter));
        if (size > MAX_DEAD_LETTER_BYTES) throw new Error(`the record takes ${size} bytes as a dead letter, over the queue's ${MAX_DEAD_LETTER_BYTES}`);
        const deadline = AbortSignal.timeout(Math.max(1, budgets.deadLetterMs));
        await withDeadline(deadLetter(letter, deadline), deadline);
        outcome = 'dead-lettered';
      } catch (error) {
        reason = error;
      }
    }
    this.options.onFallback?.(outcome, key, reason);
    return outcome;
  }

  /** The interaction, or undefined when no answer was given under that id. */
  async getInteraction(requestId: string, signal: AbortSignal): Promise<InteractionRecord | undefined> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { GetObjectCommand } = require('./sdk/s3') as typeof S3Module;
    const s3 = await this.options.s3();
    try {
      const out = await withDeadline(s3.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: interactionKey(this.options.prefix, requestId) }), { abortSignal: signal }), signal);
      return JSON.parse(await out.Body!.transformToString()) as InteractionRecord;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  private async put(key: string, body: string, signal: AbortSignal): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PutObjectCommand } = require('./sdk/s3') as typeof S3Module;
    const s3 = await this.options.s3();
    await withDeadline(s3.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: key, Body: body, ContentType: 'application/json' }), { abortSignal: signal }), signal);
  }
}

/**
 * The promise, or a TimeoutError once the signal aborts, whichever comes first: a request that ignores its abort
 * signal (a socket that never answers, a retry waiting out its back-off) cannot outlive the deadline.
 */
export function withDeadline<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason ?? new DOMException('deadline', 'TimeoutError'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new DOMException('deadline', 'TimeoutError'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function errorName(error: unknown): string {
  const e = error as { name?: string; message?: string } | undefined;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`.slice(0, 500);
}
