// A SageMaker endpoint whose container speaks the OpenAI-style messages API (LMI, TGI, Hugging Face vLLM),
// buffered (InvokeEndpoint) or streamed (InvokeEndpointWithResponseStream, chunks reassembled across payload parts).
import type { SageMakerRuntimeClientConfig } from '@aws-sdk/client-sagemaker-runtime';
import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand, SageMakerRuntimeClient } from './sdk/sagemaker-runtime';
import type { Backend, ModelRequest, ModelResult, TokenSink } from './backend';
import type { Usage } from './contract';
import { ApiError } from './errors';

/** A client with the handler's settings; created here so that only a module the handler loads imports the client. */
export function sageMakerRuntimeClient(config: SageMakerRuntimeClientConfig): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient(config);
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
    // A stream is complete once a chunk carries finish_reason (TGI, vLLM and LMI all send one) or the SSE
    // stream ends with [DONE]; one that just stops was cut off, however well-formed its chunks were.
    let stopReason: string | undefined;
    let done = false;
    let usage: Usage = { inputTokens: 0, outputTokens: 0 };
    const consume = (line: string) => {
      const data = line.startsWith('data:') ? line.slice(5).trim() : line.trim();
      if (data === '[DONE]') done = true;
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
    // An aborted connection ends the body like a finished one: a deadline is a timeout, not a cut stream.
    if (signal.aborted) throw signal.reason ?? new DOMException('deadline', 'TimeoutError');
    if (stopReason === undefined && !done) throw new ApiError(502, 'model_error', 'The model stream ended before the answer was complete.');
    return { text, usage, stopReason: stopReason ?? 'stop' };
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
