// The public shapes of the stand-ins: what a test configures (GenerationBehaviour) and what it reads back
// (StandIn, RecordedRequest). Kept apart from the servers so that a test can import the types alone.

/** How a request is made to fail; see GenerationBehaviour.failures. */
export type FailureKind = 'throttle' | 'model-error' | 'unavailable' | 'validation' | 'timeout-hang' | 'stream-error';

/** Which requests fail, and how. */
export interface FailureRule {
  readonly kind: FailureKind;
  /** 1-based request numbers counted since start or the last setBehaviour(), or 'all'. */
  readonly requests: readonly number[] | 'all';
}

/** How the simulated model answers. */
export interface GenerationBehaviour {
  /**
   * Delay before the first token: before the first contentBlockDelta / PayloadPart of a stream, and before the
   * first byte of a non-streaming answer. A non-streaming answer waits, on top, for the generation of the other
   * tokens at tokensPerSecond (a real model answers only once it has generated the whole reply).
   * @default 0
   */
  readonly ttftMs?: number;
  /** Tokens per second after the first (0 = all at once). @default 0 */
  readonly tokensPerSecond?: number;
  /** The answer's tokens (each a string piece); or a function of the request's last user text. @default ['Hello', ' there', '.'] */
  readonly tokens?: readonly string[] | ((lastUserText: string) => readonly string[]);
  /**
   * Fail the Nth request(s) (1-based count since start/reset), or every request. The first matching rule wins.
   * 'timeout-hang' never answers until the client goes away or the stand-in closes; 'stream-error' starts the
   * stream and sends an exception event after the first token (non-streaming requests answer normally).
   * @default - no failures
   */
  readonly failures?: readonly FailureRule[];
}

/** One HTTP request as the stand-in received it (each SDK retry is its own entry). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** performance.now() when the request's headers arrived. */
  readonly receivedAt: number;
}

/** A running stand-in server. */
export interface StandIn {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The last 1000 requests, oldest first. */
  readonly requests: RecordedRequest[];
  /** Replaces the behaviour and resets the request counter that failures count with. */
  setBehaviour(b: GenerationBehaviour): void;
  /** Stops listening and destroys every open socket, hanging requests included. */
  close(): Promise<void>;
}

/** The container dialect of streamed chunks on SageMaker. */
export type StreamFraming = 'sse' | 'jsonlines';

/** SageMaker-specific options on top of the generation behaviour. */
export interface SageMakerBehaviour extends GenerationBehaviour {
  /**
   * 'sse' frames each chunk as `data: {json}\n\n` and ends with `data: [DONE]\n\n` (TGI, and vLLM's OpenAI server);
   * 'jsonlines' frames each chunk as `{json}\n` (LMI's chat completions schema, content-type application/jsonlines).
   * @default 'sse'
   */
  readonly streamFraming?: StreamFraming;
  /**
   * Split every framed chunk across two PayloadParts, so that a consumer's line reassembly is exercised; the cut
   * falls inside the line's first multi-byte UTF-8 character where it has one, else at its middle byte.
   * @default false
   */
  readonly splitChunks?: boolean;
}

/** The SageMaker stand-in: setBehaviour also takes the SageMaker options. */
export interface SageMakerStandIn extends StandIn {
  setBehaviour(b: SageMakerBehaviour): void;
}

/** One stored S3 object. */
export interface StoredObject {
  body: Buffer;
  contentType?: string;
}

/** The S3 stand-in; objects is keyed by `${bucket}/${key}` and may be filled or read directly by tests. */
export interface S3StandIn extends StandIn {
  readonly objects: Map<string, StoredObject>;
}
