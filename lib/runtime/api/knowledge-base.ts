// Passages from a Bedrock knowledge base for the request's last user turn (Retrieve). Loaded only by
// deployments with a knowledge base, so others never initialize the Agents for Bedrock Runtime client.
import { BedrockAgentRuntimeClient, RetrieveCommand } from './sdk/bedrock-agent-runtime';
import type { ChatMessage } from './contract';
import type { Passage } from './retrieval';

/** A client with the handler's settings (see handler.ts). */
export function knowledgeBaseClient(config: { maxAttempts: number }): BedrockAgentRuntimeClient {
  return new BedrockAgentRuntimeClient(config);
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
