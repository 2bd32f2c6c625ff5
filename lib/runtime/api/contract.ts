// The HTTP contract of the generative API: request and response shapes, and the JSON schemas that both
// API Gateway (request validation) and the handler (the same schema, compiled ahead of time by Ajv into
// validators.generated.ts) enforce. Only the keywords JSON Schema draft-04 and draft-07 read alike are used,
// so one object serves both.

import type { PromptExample } from '../../config/environment';

/**
 * A conversation turn.
 *
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface ChatMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/**
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface GenerateRequest {
  readonly messages?: readonly ChatMessage[];
  readonly prompt?: string;
  readonly system?: string;
  readonly template?: { readonly id: string; readonly variables?: Readonly<Record<string, string>> };
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  readonly stream?: boolean;
  /** Ground the answer in the knowledge base's passages, with citations. @default - the API's setting */
  readonly retrieval?: boolean;
}

/**
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface FeedbackRequest {
  readonly requestId: string;
  readonly rating: 'up' | 'down';
  readonly correction?: string;
  readonly comment?: string;
}

/**
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface GenerateResponse {
  readonly requestId: string;
  readonly text: string;
  readonly usage: Usage;
  readonly model: string;
  readonly templateVersion?: string;
  /** Parts of the template the request replaced (only `system` can be), so the version alone does not describe the prompt. */
  readonly templateOverrides?: readonly 'system'[];
  readonly stopReason: string;
  readonly latencyMs: number;
  /** The passages the answer was grounded in, when retrieval ran. */
  readonly citations?: readonly { readonly index: number; readonly document: string; readonly score: number }[];
  /** Tool calls the model made before answering. */
  readonly toolCalls?: number;
}

/**
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface ErrorBody {
  readonly requestId: string;
  readonly error: { readonly code: string; readonly message: string; readonly field?: string };
}

/** The limits a deployment enforces, from the environment's scope. */
export interface ApiLimits {
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
}

/** Largest request body the handler reads, in bytes; larger ones get 413 before parsing. */
export const MAX_BODY_BYTES = 256 * 1024;
const MAX_TEXT = 100_000;
/** Characters per token of the API's length estimates (tokens.ts); repeated here so the schema needs no import. */
const CHARS_PER_TOKEN = 4;

/**
 * The limits the handler's validators are compiled with, ahead of time and for every deployment: bounds that
 * depend on a deployment's scope (maxTokens, the length of a correction) are then checked against its own
 * limits by `scopeProblem` in validation.ts. API Gateway's request models carry the deployment's own numbers.
 */
export const PRECOMPILED_LIMITS: ApiLimits = { maxInputTokens: 2 ** 31 - 1, maxOutputTokens: 2 ** 31 - 1 };

/**
 * Longest correction a feedback may carry, in characters: what the model could have answered (its output
 * token budget, at the API's estimate of 4 characters per token), never more than any text field takes.
 */
export function maxCorrectionChars(limits: ApiLimits): number {
  return Math.min(MAX_TEXT, limits.maxOutputTokens * CHARS_PER_TOKEN);
}

/** Request ids: the UTC day (so records are found by key) and a random UUID. */
export const REQUEST_ID_PATTERN = '^[0-9]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

export type JsonSchema = Record<string, unknown>;

/** The body of POST /v1/generate: exactly one of messages, prompt or template. */
export function generateSchema(limits: ApiLimits): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      messages: {
        type: 'array', minItems: 1, maxItems: 50,
        items: {
          type: 'object', additionalProperties: false, required: ['role', 'content'],
          properties: { role: { type: 'string', enum: ['user', 'assistant'] }, content: { type: 'string', minLength: 1, maxLength: MAX_TEXT } },
        },
      },
      prompt: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
      system: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
      template: {
        type: 'object', additionalProperties: false, required: ['id'],
        properties: {
          id: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,63}$' },
          variables: { type: 'object', maxProperties: 32, additionalProperties: { type: 'string', maxLength: MAX_TEXT } },
        },
      },
      maxTokens: { type: 'integer', minimum: 1, maximum: limits.maxOutputTokens },
      temperature: { type: 'number', minimum: 0, maximum: 1 },
      topP: { type: 'number', minimum: 0, maximum: 1 },
      stop: { type: 'array', maxItems: 4, items: { type: 'string', minLength: 1, maxLength: 100 } },
      stream: { type: 'boolean' },
      retrieval: { type: 'boolean' },
    },
    oneOf: [{ required: ['messages'] }, { required: ['prompt'] }, { required: ['template'] }],
  };
}

/**
 * The body of POST /v1/feedback. A correction is bounded by what the model may answer: a longer one is not a
 * better answer, and would enter preference data at whatever size a caller chose.
 * @param limits the deployment's limits @default - PRECOMPILED_LIMITS (the correction bounded by text fields alone)
 */
export function feedbackSchema(limits: ApiLimits = PRECOMPILED_LIMITS): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['requestId', 'rating'],
    properties: {
      requestId: { type: 'string', pattern: REQUEST_ID_PATTERN },
      rating: { type: 'string', enum: ['up', 'down'] },
      correction: { type: 'string', minLength: 1, maxLength: maxCorrectionChars(limits) },
      comment: { type: 'string', minLength: 1, maxLength: 10_000 },
    },
  };
}

/** A versioned prompt template, defined in the environment config. */
export interface PromptTemplate {
  /** Lowercase id the request names. */
  readonly id: string;
  /** Returned and logged with every answer, so evaluation can compare versions. */
  readonly version: string;
  /** @default - none */
  readonly system?: string;
  /** Example turns placed before the request. @default - none */
  readonly examples?: PromptExample[];
  /** The user message, with `{{variable}}` placeholders. */
  readonly user: string;
  /**
   * The model receives exactly this template's system prompt and turns: a request that names it may not set
   * `system` (400 template_locked). Unlocked, a request's `system` replaces the template's, and the answer and
   * its record say so (`templateOverrides: ['system']`).
   * @default false
   */
  readonly locked?: boolean;
}

/**
 * The records the API writes to the dataset store's feedback/ prefix, which the preference build reads.
 *
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface InteractionRecord {
  readonly requestId: string;
  readonly createdAt: string;
  readonly model: string;
  readonly templateId?: string;
  readonly templateVersion?: string;
  /** Parts of the template the request replaced: the version alone does not describe this prompt. */
  readonly templateOverrides?: readonly 'system'[];
  /** Who asked (Caller.id): only they, or a reviewer, may rate the answer. Absent for unauthenticated calls. */
  readonly caller?: string;
  /** What the model received: the rendered template, the retrieved sources, masked text where a guardrail masked it. */
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  /** Assistant turns the caller wrote into `messages`: words the model did not necessarily say. */
  readonly callerAssistantTurns?: number;
  readonly response: string;
  readonly stopReason: string;
  readonly usage: Usage;
  /**
   * false when the answer broke off (a stream cut short, a timeout or an error after the first token): the
   * text is what the caller received, not an answer. Absent on records written before this field existed.
   */
  readonly complete?: boolean;
  /** The error code the caller saw, for an incomplete answer. */
  readonly error?: string;
}

/**
 * A rating of one answer. Version 2 records (one per answer, under ratings/DAY/<requestId>.json) hold only what
 * the rating adds; the prompt and the response are read from the interaction. Version 1 records (one per post,
 * under ratings/DAY/<requestId>/<feedbackId>.json) carried copies of both, and are still read.
 *
 * TypeScript and JavaScript only. A wire format of the HTTP API (JSON on the wire), not a construct input: other languages use JSON.
 *
 * @jsii ignore
 */
export interface FeedbackRecord {
  readonly version?: 2;
  readonly feedbackId: string;
  readonly requestId: string;
  readonly createdAt: string;
  readonly rating: 'up' | 'down';
  readonly comment?: string;
  readonly correction?: string;
  readonly model: string;
  readonly templateVersion?: string;
  /** Who rated (Caller.id). */
  readonly caller?: string;
  /** The rating came from a reviewer, not from the caller who asked. */
  readonly reviewer?: boolean;
  /** Version 1 only: a copy of the prompt. */
  readonly prompt?: { readonly system?: string; readonly messages: readonly ChatMessage[] };
  /** Version 1 only: a copy of the response. */
  readonly response?: string;
  /** Version 1 only: chosen/rejected as far as the rating told. */
  readonly preference?: { readonly chosen?: string; readonly rejected?: string };
}
