// Durable records in the dataset store's feedback/ prefix: one interaction per answered request, and one
// feedback record per rating, carrying the preference pair (prompt, chosen, rejected) that alignment uses.
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ChatMessage, FeedbackRequest, Usage } from './contract';

export interface InteractionRecord {
  readonly requestId: string;
  readonly createdAt: string;
  readonly model: string;
  readonly templateId?: string;
  readonly templateVersion?: string;
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly response: string;
  readonly stopReason: string;
  readonly usage: Usage;
}

export interface FeedbackRecord {
  readonly feedbackId: string;
  readonly requestId: string;
  readonly createdAt: string;
  readonly rating: 'up' | 'down';
  readonly comment?: string;
  readonly correction?: string;
  readonly model: string;
  readonly templateVersion?: string;
  readonly prompt: { readonly system?: string; readonly messages: readonly ChatMessage[] };
  readonly response: string;
  /** chosen/rejected as far as this rating tells: a thumbs-up only chooses, a correction makes a full pair. */
  readonly preference: { readonly chosen?: string; readonly rejected?: string };
}

/** `20261129-<uuid>`: the UTC day makes the record's key derivable from the id alone. */
export function newRequestId(now = new Date()): string {
  return `${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomUUID()}`;
}

function dayPath(requestId: string): string {
  return `${requestId.slice(0, 4)}/${requestId.slice(4, 6)}/${requestId.slice(6, 8)}`;
}

export const interactionKey = (prefix: string, requestId: string) => `${prefix}interactions/${dayPath(requestId)}/${requestId}.json`;
export const feedbackKey = (prefix: string, requestId: string, feedbackId: string) => `${prefix}ratings/${dayPath(requestId)}/${requestId}/${feedbackId}.json`;

export class RecordStore {
  constructor(private readonly s3: S3Client, private readonly bucket: string, private readonly prefix: string) {}

  async putInteraction(record: InteractionRecord): Promise<void> {
    await this.s3.send(new PutObjectCommand({
      Bucket: this.bucket, Key: interactionKey(this.prefix, record.requestId), Body: JSON.stringify(record), ContentType: 'application/json',
    }));
  }

  /** The interaction, or undefined when no answer was given under that id. */
  async getInteraction(requestId: string): Promise<InteractionRecord | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: interactionKey(this.prefix, requestId) }));
      return JSON.parse(await out.Body!.transformToString()) as InteractionRecord;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async putFeedback(feedback: FeedbackRequest, interaction: InteractionRecord): Promise<FeedbackRecord> {
    const record: FeedbackRecord = {
      feedbackId: randomUUID(),
      requestId: feedback.requestId,
      createdAt: new Date().toISOString(),
      rating: feedback.rating,
      comment: feedback.comment,
      correction: feedback.correction,
      model: interaction.model,
      templateVersion: interaction.templateVersion,
      prompt: { system: interaction.system, messages: interaction.messages },
      response: interaction.response,
      preference: feedback.correction !== undefined
        ? { chosen: feedback.correction, rejected: interaction.response }
        : feedback.rating === 'up' ? { chosen: interaction.response } : { rejected: interaction.response },
    };
    await this.s3.send(new PutObjectCommand({
      Bucket: this.bucket, Key: feedbackKey(this.prefix, record.requestId, record.feedbackId), Body: JSON.stringify(record), ContentType: 'application/json',
    }));
    return record;
  }
}
