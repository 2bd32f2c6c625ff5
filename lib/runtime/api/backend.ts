// What the handler needs of a model backend, whichever it is (bedrock-backend.ts, sagemaker-backend.ts). Types
// only: the handler loads the one backend its deployment uses, so the other's SDK client is never initialized.
import type { Tool, ToolResultContentBlock } from '@aws-sdk/client-bedrock-runtime';
import type { ChatMessage, Usage } from './contract';

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
