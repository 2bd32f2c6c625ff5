// Bedrock through Converse / ConverseStream: one request shape for every Bedrock model, with tool-use rounds and
// the deployment's guardrail.
import type { BedrockRuntimeClientConfig, ContentBlock, ConverseCommandInput, Message } from '@aws-sdk/client-bedrock-runtime';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from './sdk/bedrock-runtime';
import type { Backend, ModelRequest, ModelResult, TokenSink, ToolBox } from './backend';
import type { Usage } from './contract';
import { ApiError } from './errors';

/** A client with the handler's settings; created here so that only a module the handler loads imports the client. */
export function bedrockRuntimeClient(config: BedrockRuntimeClientConfig): BedrockRuntimeClient {
  return new BedrockRuntimeClient(config);
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
