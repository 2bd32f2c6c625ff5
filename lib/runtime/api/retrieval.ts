// Retrieval augmentation: passages from a Bedrock knowledge base for the request's last user turn, placed
// in the system prompt with numbered sources, and returned to the caller as citations.
import { type BedrockAgentRuntimeClient, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import type { ChatMessage } from './contract';

export interface Passage {
  readonly text: string;
  /** Where the passage comes from (the document's S3 URI). */
  readonly document: string;
  readonly score: number;
}

export interface Citation {
  /** The passage's number in the prompt ([1], [2], ...). */
  readonly index: number;
  readonly document: string;
  readonly score: number;
}

export async function retrievePassages(client: BedrockAgentRuntimeClient, knowledgeBaseId: string, messages: readonly ChatMessage[], results: number, signal: AbortSignal): Promise<Passage[]> {
  const query = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const out = await client.send(new RetrieveCommand({
    knowledgeBaseId,
    // The Retrieve API takes at most 1,000 characters of query text (API reference, RetrievalQuery).
    retrievalQuery: { text: query.slice(0, 1000) },
    retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: results } },
  }), { abortSignal: signal });
  return (out.retrievalResults ?? []).map((r) => ({
    text: r.content?.text ?? '',
    document: r.location?.s3Location?.uri ?? r.location?.webLocation?.url ?? 'unknown',
    score: r.score ?? 0,
  })).filter((p) => p.text !== '');
}

/** The system prompt with the passages appended as numbered sources the model is asked to cite. */
export function augmentSystem(system: string | undefined, passages: readonly Passage[]): string | undefined {
  if (passages.length === 0) return system;
  const sources = passages.map((p, i) => `[${i + 1}] (${p.document})\n${p.text}`).join('\n\n');
  const instruction = 'Answer from the sources below when they are relevant, citing them as [n]. If they do not contain the answer, say so rather than guess.';
  return `${system ? `${system}\n\n` : ''}${instruction}\n\nSources:\n${sources}`;
}

export function citationsOf(passages: readonly Passage[]): Citation[] {
  return passages.map((p, i) => ({ index: i + 1, document: p.document, score: p.score }));
}
