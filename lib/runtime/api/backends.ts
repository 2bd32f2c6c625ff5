// The two ways the API reaches a model: Bedrock (Converse / ConverseStream) and a SageMaker endpoint
// whose container speaks the OpenAI-style messages API (LMI, TGI, Hugging Face vLLM), buffered or streamed.
import {
  type BedrockRuntimeClient, type ContentBlock, ConverseCommand, ConverseStreamCommand, type ConverseCommandInput, type Message, type Tool,
  type ToolResultContentBlock,
} from '@aws-sdk/client-bedrock-runtime';
import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { ChatMessage, Usage } from './contract';
import { ApiError } from './errors';

export interface ModelRequest {
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
}

export interface ModelResult {
  readonly text: string;
  readonly usage: Usage;
  readonly stopReason: string;
  /** Tool calls the model made before answering. */
  readonly toolCalls?: number;
}

/** Tools offered through Converse tool use, and how to run them. */
export interface ToolBox {
  readonly specs: Tool[];
  run(name: string, input: unknown): { content: ToolResultContentBlock[]; status: 'success' | 'error' };
  /** Rounds of tool calls before the request fails. */
  readonly maxRounds: number;
}

export type TokenSink = (text: string) => void;

export interface Backend {
  /** What the API reports as the model (an id or endpoint name, never an ARN). */
  readonly model: string;
  generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult>;
  stream(request: ModelRequest, signal: AbortSignal, onToken: TokenSink): Promise<ModelResult>;
}

export interface BedrockBackendOptions {
  readonly modelId: string;
  readonly displayName: string;
  readonly guardrail?: { readonly id: string; readonly version: string };
  readonly tools?: ToolBox;
  /**
   * The model accepts toolConfig in ConverseStream. Meta Llama 3.1, for one, supports tool use but not while
   * streaming ("This model doesn't support tool use in streaming mode"; Bedrock user guide, "Supported models and
   * model features"): a streamed request with tools then runs each turn with Converse and streams each turn's
   * text as one piece.
   * @default true
   */
  readonly streamsToolUse?: boolean;
}

/** One model turn: its text, its content blocks as the conversation must repeat them, and its tool calls. */
interface Turn {
  readonly text: string;
  readonly content: ContentBlock[];
  readonly toolUses: { toolUseId: string; name: string; input: unknown }[];
  readonly stopReason: string;
  readonly usage: Usage;
}

/** Converse API: one request shape for every Bedrock model. */
export class BedrockBackend implements Backend {
  readonly model: string;
  constructor(private readonly client: BedrockRuntimeClient, private readonly options: BedrockBackendOptions) {
    this.model = options.displayName;
  }

  /**
   * ToolResultBlock.status is documented for Amazon Nova and Anthropic Claude models only (Bedrock API reference,
   * ToolResultBlock); other models read a failure from the result's `error:` text alone.
   */
  private get acceptsToolStatus(): boolean {
    return /(^|[.:/])(anthropic\.claude|amazon\.nova)/.test(`${this.options.modelId} ${this.options.displayName}`);
  }

  private input(request: ModelRequest, streaming: boolean): ConverseCommandInput {
    const messages: Message[] = request.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] }));
    const guardrail = this.options.guardrail;
    return {
      modelId: this.options.modelId,
      messages,
      system: request.system ? [{ text: request.system }] : undefined,
      inferenceConfig: { maxTokens: request.maxTokens, temperature: request.temperature, topP: request.topP, stopSequences: request.stop ? [...request.stop] : undefined },
      guardrailConfig: guardrail ? { guardrailIdentifier: guardrail.id, guardrailVersion: guardrail.version, ...(streaming ? { streamProcessingMode: 'sync' } : {}) } : undefined,
    };
  }

  generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    return this.converse(request, signal);
  }

  stream(request: ModelRequest, signal: AbortSignal, onToken: TokenSink): Promise<ModelResult> {
    return this.converse(request, signal, onToken);
  }

  /**
   * Turns until the model answers: each tool_use turn runs the tools and sends their results back, up to
   * the tool box's round limit (Bedrock user guide, "Call a tool with the Converse API").
   */
  private async converse(request: ModelRequest, signal: AbortSignal, onToken?: TokenSink): Promise<ModelResult> {
    const tools = this.options.tools;
    const messages: Message[] = request.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] }));
    let text = '';
    let toolCalls = 0;
    const usage = { inputTokens: 0, outputTokens: 0 };
    const streamTurns = onToken !== undefined && (!tools || this.options.streamsToolUse !== false);
    for (let round = 0; ; round++) {
      const input = { ...this.input(request, streamTurns), messages, toolConfig: tools ? { tools: tools.specs } : undefined };
      const turn = streamTurns ? await this.streamTurn(input, signal, onToken!) : await this.bufferedTurn(input, signal);
      if (!streamTurns && onToken && turn.text !== '') onToken(turn.text);
      text += turn.text;
      usage.inputTokens += turn.usage.inputTokens;
      usage.outputTokens += turn.usage.outputTokens;
      if (MALFORMED_STOPS.has(turn.stopReason)) {
        throw new ApiError(502, 'model_error', `The model's turn ended ${turn.stopReason}: it produced output Bedrock could not read. Retry the request.`);
      }
      if (turn.stopReason !== 'tool_use' || !tools || turn.toolUses.length === 0) return { text, usage, stopReason: turn.stopReason, toolCalls };
      if (round >= tools.maxRounds) {
        throw new ApiError(502, 'tool_round_limit', `The model was still calling tools after ${tools.maxRounds} rounds; ask a narrower question.`);
      }
      toolCalls += turn.toolUses.length;
      messages.push({ role: 'assistant', content: turn.content });
      messages.push({
        role: 'user',
        content: turn.toolUses.map((u) => {
          const { content, status } = tools.run(u.name, u.input);
          return { toolResult: { toolUseId: u.toolUseId, content, ...(this.acceptsToolStatus ? { status } : {}) } };
        }),
      });
    }
  }

  private async bufferedTurn(input: ConverseCommandInput, signal: AbortSignal): Promise<Turn> {
    const out = await this.client.send(new ConverseCommand(input), { abortSignal: signal });
    const content = out.output?.message?.content ?? [];
    return {
      text: content.map((c) => c.text ?? '').join(''),
      content,
      toolUses: content.filter((c) => c.toolUse).map((c) => ({ toolUseId: c.toolUse!.toolUseId!, name: c.toolUse!.name!, input: c.toolUse!.input })),
      stopReason: out.stopReason ?? 'end_turn',
      usage: { inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 },
    };
  }

  private async streamTurn(input: ConverseCommandInput, signal: AbortSignal, onToken: TokenSink): Promise<Turn> {
    const out = await this.client.send(new ConverseStreamCommand(input as never), { abortSignal: signal });
    let text = '';
    let stopReason: string | undefined;
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    // The assistant message goes back as the model produced it, block by block in index order: text blocks
    // from their deltas, tool calls from a contentBlockStart (id, name) and their input as JSON text over deltas.
    const blocks = new Map<number, { text: string } | { toolUseId: string; name: string; json: string }>();
    for await (const event of out.stream ?? []) {
      const delta = event.contentBlockDelta?.delta;
      const index = event.contentBlockDelta?.contentBlockIndex ?? 0;
      if (delta?.text) {
        text += delta.text;
        const block = blocks.get(index);
        if (block && 'text' in block) block.text += delta.text;
        else blocks.set(index, { text: delta.text });
        onToken(delta.text);
      } else if (delta?.toolUse) {
        const tool = blocks.get(index);
        if (tool && 'json' in tool) tool.json += delta.toolUse.input ?? '';
      } else if (event.contentBlockStart?.start?.toolUse) {
        const start = event.contentBlockStart.start.toolUse;
        blocks.set(event.contentBlockStart.contentBlockIndex ?? 0, { toolUseId: start.toolUseId ?? '', name: start.name ?? '', json: '' });
      } else if (event.messageStop) {
        stopReason = event.messageStop.stopReason ?? 'end_turn';
      } else if (event.metadata?.usage) {
        usage = { inputTokens: event.metadata.usage.inputTokens ?? 0, outputTokens: event.metadata.usage.outputTokens ?? 0 };
      } else {
        const failure = event.throttlingException ?? event.modelStreamErrorException ?? event.internalServerException
          ?? event.serviceUnavailableException ?? event.validationException;
        if (failure) throw failure;
      }
    }
    // An aborted HTTP/2 event stream ends the loop without an error: tell a deadline from a cut stream.
    if (signal.aborted) throw signal.reason ?? new DOMException('deadline', 'TimeoutError');
    if (stopReason === undefined) throw new ApiError(502, 'model_error', 'The model stream ended before the answer was complete.');
    const ordered = [...blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => block);
    const content: ContentBlock[] = ordered.map((b) => ('text' in b ? { text: b.text } : { toolUse: { toolUseId: b.toolUseId, name: b.name, input: parseToolInput(b.json) } }) as ContentBlock);
    const toolUses = content.filter((c) => c.toolUse).map((c) => ({ toolUseId: c.toolUse!.toolUseId!, name: c.toolUse!.name!, input: c.toolUse!.input }));
    return { text, content, toolUses, stopReason, usage };
  }
}

/** Stop reasons for output Bedrock could not parse (MessageStopEvent): an error, never an answer. */
const MALFORMED_STOPS = new Set(['malformed_model_output', 'malformed_tool_use']);

function parseToolInput(json: string): unknown {
  try {
    return json === '' ? {} : JSON.parse(json);
  } catch {
    return {};
  }
}

/** SageMaker endpoints served by LMI, TGI or Hugging Face vLLM: the OpenAI-style chat completions payload. */
export class SageMakerBackend implements Backend {
  readonly model: string;
  /**
   * @param inferenceComponentName the component serving the model, when the endpoint hosts inference components:
   * InvokeEndpoint requires it there (SageMaker API reference, InvokeEndpoint InferenceComponentName).
   */
  constructor(private readonly client: SageMakerRuntimeClient, private readonly endpointName: string, displayName: string, private readonly inferenceComponentName?: string) {
    this.model = displayName;
  }

  private target() {
    return { EndpointName: this.endpointName, ...(this.inferenceComponentName ? { InferenceComponentName: this.inferenceComponentName } : {}) };
  }

  private body(request: ModelRequest, stream: boolean): string {
    const messages = request.system ? [{ role: 'system', content: request.system }, ...request.messages] : request.messages;
    return JSON.stringify({
      messages, max_tokens: request.maxTokens, temperature: request.temperature, top_p: request.topP,
      stop: request.stop, stream, ...(stream ? { stream_options: { include_usage: true } } : {}),
    });
  }

  async generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    const out = await this.client.send(new InvokeEndpointCommand({
      ...this.target(), ContentType: 'application/json', Accept: 'application/json', Body: this.body(request, false),
    }), { abortSignal: signal });
    const answer = parseJson(new TextDecoder().decode(out.Body)) as ChatCompletion;
    const choice = answer.choices?.[0];
    if (typeof choice?.message?.content !== 'string') throw new ApiError(502, 'model_error', 'The model answered in an unexpected format.');
    return {
      text: choice.message.content,
      usage: { inputTokens: answer.usage?.prompt_tokens ?? 0, outputTokens: answer.usage?.completion_tokens ?? 0 },
      stopReason: choice.finish_reason ?? 'stop',
    };
  }

  async stream(request: ModelRequest, signal: AbortSignal, onToken: TokenSink): Promise<ModelResult> {
    const out = await this.client.send(new InvokeEndpointWithResponseStreamCommand({
      ...this.target(), ContentType: 'application/json', Accept: 'application/json', Body: this.body(request, true),
    }), { abortSignal: signal });
    const decoder = new TextDecoder();
    let pending = '';
    let text = '';
    let stopReason = 'stop';
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    const consume = (line: string) => {
      const data = line.startsWith('data:') ? line.slice(5).trim() : line.trim();
      if (data === '' || data === '[DONE]' || data.startsWith(':') || data.startsWith('event:')) return;
      const chunk = parseJson(data) as ChatCompletionChunk;
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content;
      if (delta) {
        text += delta;
        onToken(delta);
      }
      if (choice?.finish_reason) stopReason = choice.finish_reason;
      if (chunk.usage) usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
    };
    for await (const event of out.Body ?? []) {
      if (event.PayloadPart?.Bytes) {
        // A payload part may end mid-line: keep the tail until its newline arrives.
        pending += decoder.decode(event.PayloadPart.Bytes, { stream: true });
        let newline: number;
        while ((newline = pending.indexOf('\n')) >= 0) {
          consume(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
        }
      } else if (event.ModelStreamError || event.InternalStreamFailure) {
        throw event.ModelStreamError ?? event.InternalStreamFailure;
      }
    }
    if (pending.trim() !== '') consume(pending);
    return { text, usage, stopReason };
  }
}

interface ChatCompletion {
  choices?: { message?: { content?: string }; finish_reason?: string }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}
interface ChatCompletionChunk {
  choices?: { delta?: { content?: string }; finish_reason?: string | null }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(502, 'model_error', 'The model answered in an unexpected format.');
  }
}
