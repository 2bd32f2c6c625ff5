// The two ways the API reaches a model: Bedrock (Converse / ConverseStream) and a SageMaker endpoint
// whose container speaks the OpenAI-style messages API (LMI, TGI, Hugging Face vLLM), buffered or streamed.
import {
  type BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, type ConverseCommandInput, type Message,
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
}

/** Converse API: one request shape for every Bedrock model. */
export class BedrockBackend implements Backend {
  readonly model: string;
  constructor(private readonly client: BedrockRuntimeClient, private readonly options: BedrockBackendOptions) {
    this.model = options.displayName;
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

  async generate(request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
    const out = await this.client.send(new ConverseCommand(this.input(request, false)), { abortSignal: signal });
    const text = (out.output?.message?.content ?? []).map((c) => c.text ?? '').join('');
    return { text, usage: { inputTokens: out.usage?.inputTokens ?? 0, outputTokens: out.usage?.outputTokens ?? 0 }, stopReason: out.stopReason ?? 'end_turn' };
  }

  async stream(request: ModelRequest, signal: AbortSignal, onToken: TokenSink): Promise<ModelResult> {
    const out = await this.client.send(new ConverseStreamCommand(this.input(request, true) as never), { abortSignal: signal });
    let text = '';
    let stopReason: string | undefined;
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    for await (const event of out.stream ?? []) {
      const delta = event.contentBlockDelta?.delta?.text;
      if (delta) {
        text += delta;
        onToken(delta);
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
    return { text, usage, stopReason };
  }
}

/** SageMaker endpoints served by LMI, TGI or Hugging Face vLLM: the OpenAI-style chat completions payload. */
export class SageMakerBackend implements Backend {
  readonly model: string;
  constructor(private readonly client: SageMakerRuntimeClient, private readonly endpointName: string, displayName: string) {
    this.model = displayName;
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
      EndpointName: this.endpointName, ContentType: 'application/json', Accept: 'application/json', Body: this.body(request, false),
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
      EndpointName: this.endpointName, ContentType: 'application/json', Accept: 'application/json', Body: this.body(request, true),
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
