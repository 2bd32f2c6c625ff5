/**
 * The vocabulary of `npm run invoke`: what it runs with, the calls it makes, and what it prints with --json.
 */
import type { Io as Writers } from '../cli';

/**
 * Each writer writes text exactly as given. Unlike the other scripts' writers these add no newline: streamed tokens must
 * reach the terminal as they arrive, not one per line.
 */
export type Io = Writers;

/** What SigV4 needs; structurally what `fromNodeProviderChain()` resolves to. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What tests replace: the network, the credentials, the clock and the file system. */
export interface Deps {
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Credentials for `--auth iam`, resolved only in that mode. @default fromNodeProviderChain() */
  readonly credentials?: () => Promise<AwsCredentials>;
  /** Milliseconds since the epoch: the signing date and the latencies. @default Date.now */
  readonly now?: () => number;
  /** Reads `--messages`. @default fs.readFileSync as UTF-8 */
  readonly readFile?: (path: string) => string;
}

/** The exit code of an API error, an API that could not be reached in time, or a model that failed mid-stream. */
export const EXIT_API_ERROR = 1;

/** Long enough for a long non-streamed answer; API Gateway's own integration timeout usually ends a request first. */
export const DEFAULT_TIMEOUT_SECONDS = 120;

export const AUTH_MODES = ['iam', 'api-key', 'token'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const ROLES = ['user', 'assistant'] as const;

/** One turn of a `--messages` conversation. */
export interface Message { readonly role: (typeof ROLES)[number]; readonly content: string }
/** The tokens an answer took, as the API reports them. */
export interface Usage { readonly inputTokens: number; readonly outputTokens: number }
/** How a call authenticates: the mode, and what it sends or signs with. */
export interface Auth { readonly mode: AuthMode; readonly apiKey?: string; readonly token?: string; readonly region?: string }

/** The API's error, or what stood for one (an unreachable host, a timeout, a broken stream). */
export interface ApiErrorReport {
  /** HTTP status; null when no response came, or the stream broke after a 200. */
  readonly status: number | null;
  readonly code: string;
  readonly message: string;
  readonly field: string | null;
  readonly requestId: string | null;
  /** The Retry-After header of a 429, as sent (seconds or an HTTP date). */
  readonly retryAfter: string | null;
}

/** What `generate --json` prints: the same fields whatever the outcome. */
export interface GenerateReport {
  readonly requestId: string | null;
  /** The answer; with a mid-stream error, the tokens that came before it. */
  readonly text: string;
  readonly usage: Usage | null;
  readonly model: string | null;
  readonly templateVersion: string | null;
  /** Why generation stopped, as the API reports it (e.g. end_turn, max_tokens). */
  readonly stopReason: string | null;
  /** The API's own latency. */
  readonly latencyMs: number | null;
  /** Request sent to the first token, measured here; streaming only. */
  readonly ttftMs: number | null;
  /** Request sent to the end of the answer, measured here. */
  readonly elapsedMs: number;
  readonly stream: boolean;
  readonly error: ApiErrorReport | null;
}

/** One request to the API: the command it is for, what is sent, and how it authenticates. */
export interface Call {
  readonly command: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly accept: string;
  /** Null for unauthenticated paths. */
  readonly auth: Auth | null;
}

/** What a command runs with once its options are checked. */
export interface Context {
  readonly io: Io;
  readonly deps: Deps;
  readonly now: () => number;
  readonly stage: URL;
  readonly timeoutSeconds: number;
  readonly asJson: boolean;
}
