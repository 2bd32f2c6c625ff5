// A tokenizer-free estimate of prompt length, used to enforce the scope's input budget before a model is
// called. ~4 characters per token is OpenAI's published rule of thumb for English text (and close for the
// Llama 3 and Qwen 2.5 tokenizers); it is conservative for code and numbers, which tokenize shorter.
import type { ChatMessage } from './contract';

export const CHARS_PER_TOKEN = 4;
/** Chat templates add role markers and separators per message. */
const TOKENS_PER_MESSAGE = 4;

export function estimateTokens(system: string | undefined, messages: readonly ChatMessage[]): number {
  let chars = system?.length ?? 0;
  for (const m of messages) chars += m.content.length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * (messages.length + (system ? 1 : 0));
}
