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
  /**
   * The endpoint hosts these inference components: a request must name one of them in the
   * X-Amzn-SageMaker-Inference-Component header (the SDK's InferenceComponentName), else SageMaker answers a
   * ValidationError (InvokeEndpoint: "If the endpoint hosts one or more inference components, this parameter
   * specifies the name of inference component to invoke").
   * @default - a plain endpoint: no component is required
   */
  readonly inferenceComponents?: readonly string[];
  /**
   * A streamed answer stops after this many tokens, cleanly: no chunk with finish_reason, no usage, no [DONE], as
   * when the container dies or the connection is cut mid-answer. Unstreamed answers are not affected.
   * @default - streams end normally
   */
  readonly truncateAfterTokens?: number;
  /**
   * A streamed answer fails after `afterTokens` tokens with this ResponseStream exception frame (a failure later in
   * the stream than failures' 'stream-error', which fails after the first).
   * @default - no mid-stream failure
   */
  readonly streamFailure?: { readonly afterTokens: number; readonly error: 'ModelStreamError' | 'InternalStreamFailure' };
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

/** The S3 operations the stand-in serves. */
export type S3Operation = 'PutObject' | 'GetObject' | 'HeadObject' | 'ListObjectsV2' | 'CreateMultipartUpload' | 'UploadPart' | 'CompleteMultipartUpload' | 'AbortMultipartUpload';

/**
 * How an S3 request fails: 'hang' is accepted and never answered (until the client goes away or the stand-in
 * closes); 'slow-down' is 503 SlowDown, 'unavailable' 503 ServiceUnavailable, 'internal-error' 500 InternalError,
 * each of which the SDK retries (S3 API reference, "Error responses").
 */
export type S3FailureKind = 'hang' | 'slow-down' | 'unavailable' | 'internal-error';

/** Which requests of one operation fail, and how. */
export interface S3FailureRule {
  readonly kind: S3FailureKind;
  readonly operation: S3Operation;
  /** 1-based numbers of the operation's requests, counted since start or the last setBehaviour(), or 'all'. */
  readonly requests: readonly number[] | 'all';
}

/** How the S3 stand-in answers. */
export interface S3Behaviour {
  /** Milliseconds before an operation's answer (a failure's too). @default - none */
  readonly delays?: Partial<Record<S3Operation, number>>;
  /** The first matching rule wins. @default - no failures */
  readonly failures?: readonly S3FailureRule[];
}

/** The S3 stand-in; objects is keyed by `${bucket}/${key}` and may be filled or read directly by tests. */
export interface S3StandIn extends Omit<StandIn, 'setBehaviour'> {
  readonly objects: Map<string, StoredObject>;
  /** Replaces the behaviour and resets the per-operation counters that failures count with. */
  setBehaviour(b?: S3Behaviour): void;
}

/**
 * Converse tool use: while the request offers a tool named toolName (toolConfig.tools[].toolSpec.name), the
 * simulated model asks for it (stopReason 'tool_use', one toolUse block) until the current turn holds `rounds` tool
 * results, then answers with text built from the last result. The current turn is everything after the last user
 * message that carries no toolResult block; in a one-question conversation that is the whole conversation.
 * A tool request is paced like tokens (ttftMs, tokensPerSecond; each piece of the input's JSON counts as a token) and
 * is not cut by inferenceConfig.maxTokens; the final text answer is paced and cut like any answer.
 */
export interface ToolUseBehaviour {
  /** The tool the model asks for; a request that does not offer it gets an ordinary answer. */
  readonly toolName: string;
  /**
   * The toolUse input for round `round` (1-based: 1 for the first request of the turn, 2 after one tool result...),
   * given the text of the turn's user question; undefined means the model answers without (more of) the tool: with
   * the last tool result if the turn has one, else with the ordinary tokens.
   */
  readonly input: (lastUserText: string, round: number) => Record<string, unknown> | undefined;
  /** Tool results after which the model answers with text; 'forever' keeps asking (for testing round limits). @default 1 */
  readonly rounds?: number | 'forever';
  /**
   * Text the model says before each tool request, as its own text block at contentBlockIndex 0, the toolUse block
   * then being at index 1 (as Claude models do).
   * @default - no text block: the toolUse block is at index 0
   */
  readonly preamble?: string;
  /**
   * The final answer's tokens, from the last tool result: its text blocks and JSON-serialized json blocks joined by
   * ' ', its status ('success' | 'error' | undefined), and the turn's question.
   * @default - `The result is ${text}.`, or `The tool failed: ${text}.` for status 'error'
   */
  readonly answer?: (result: { readonly text: string; readonly status?: string }, lastUserText: string) => readonly string[];
}

/** Bedrock Runtime options on top of the generation behaviour. */
export interface BedrockRuntimeBehaviour extends GenerationBehaviour {
  /** @default - the model never asks for a tool */
  readonly toolUse?: ToolUseBehaviour;
  /**
   * The model takes toolConfig in ConverseStream. false answers such a request as Meta Llama 3.1 does:
   * ValidationException "This model doesn't support tool use in streaming mode." (Bedrock user guide, "Supported
   * models and model features": tool use yes, streaming tool use no).
   * @default true
   */
  readonly streamingToolUse?: boolean;
  /**
   * A streamed answer fails after `afterTokens` tokens with an exception frame of this ConverseStreamOutput member
   * (a throttle or an outage mid-answer, later in the stream than failures' 'stream-error', which fails after the
   * first). Unstreamed answers are not affected.
   * @default - no mid-stream failure
   */
  readonly streamFailure?: { readonly afterTokens: number; readonly error: BedrockStreamException };
}

/** ConverseStreamOutput's exception members (Bedrock API Reference, ConverseStreamOutput). */
export type BedrockStreamException = 'throttlingException' | 'serviceUnavailableException' | 'internalServerException' | 'modelStreamErrorException' | 'validationException';

/** The Bedrock Runtime stand-in: setBehaviour also takes the Converse tool-use options. */
export interface BedrockRuntimeStandIn extends StandIn {
  setBehaviour(b: BedrockRuntimeBehaviour): void;
}

/** One document (one chunk) of a stand-in knowledge base. */
export interface KnowledgeBaseDocument {
  /**
   * Where it came from: an `s3://` URI is answered as location type S3 (s3Location.uri), an `http(s)://` one as
   * WEB (webLocation.url), anything else as CUSTOM (customDocumentLocation.id).
   */
  readonly uri: string;
  readonly text: string;
  /** Extra metadata attributes, merged over the x-amz-bedrock-kb-* ones the stand-in adds. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** How the Bedrock Agent Runtime stand-in's knowledge bases answer Retrieve. */
export interface BedrockAgentRuntimeBehaviour {
  /**
   * The knowledge bases that exist (10 letters or digits each, as the service's ids); any other id answers
   * ResourceNotFoundException. All of them hold the same documents.
   * @default [DEFAULT_KNOWLEDGE_BASE_ID]
   */
  readonly knowledgeBaseIds?: readonly string[];
  /** The chunks a query is ranked against. @default [] */
  readonly documents?: readonly KnowledgeBaseDocument[];
  /** Delay before each answer. @default 0 */
  readonly latencyMs?: number;
  /**
   * Fail the Nth request(s) (1-based count since start/reset), or every request; the first matching rule wins.
   * throttle -> ThrottlingException 429, validation -> ValidationException 400, model-error ->
   * DependencyFailedException 424, unavailable -> InternalServerException 500, timeout-hang never answers;
   * stream-error does nothing (Retrieve does not stream).
   * @default - no failures
   */
  readonly failures?: readonly FailureRule[];
}

/** The Bedrock Agent Runtime stand-in (knowledge base Retrieve). */
export interface BedrockAgentRuntimeStandIn extends Omit<StandIn, 'setBehaviour'> {
  /** Replaces the behaviour and resets the request counter that failures count with. */
  setBehaviour(b: BedrockAgentRuntimeBehaviour): void;
}
