// Stand-in for Agents for Amazon Bedrock Runtime's Retrieve (querying a knowledge base), speaking the service's
// restJson1 wire protocol so that the real @aws-sdk/client-bedrock-agent-runtime serializes, signs and retries
// against it. Only Retrieve is served; the "vector search" is a deterministic word-overlap ranking.
//
// Wire details (sources: the Bedrock API Reference pages API_agent-runtime_Retrieve,
// API_agent-runtime_KnowledgeBaseRetrievalResult, API_agent-runtime_KnowledgeBaseVectorSearchConfiguration, and the
// schemas in @aws-sdk/client-bedrock-agent-runtime 3.1164 dist-cjs/index.js: Retrieve$, RetrieveRequest$,
// RetrieveResponse$, KnowledgeBaseRetrievalResult$, RetrievalResultContent$, RetrievalResultLocation$ and the
// error shapes):
// - POST /knowledgebases/{knowledgeBaseId}/retrieve, the id URL-encoded in the path (1-10 characters [0-9a-zA-Z]),
//   body {retrievalQuery:{text}, retrievalConfiguration?:{vectorSearchConfiguration:{numberOfResults (1-100),
//   filter?, overrideSearchType?, ...}}, nextToken?, guardrailConfiguration?}.
// - 200 JSON {retrievalResults:[{content:{type:"TEXT",text}, location:{type:"S3",s3Location:{uri}} (or
//   {type:"WEB",webLocation:{url}} / {type:"CUSTOM",customDocumentLocation:{id}}), score, metadata}]}, best first;
//   no nextToken (every answer is one page). metadata holds the attributes the service adds to every chunk
//   (x-amz-bedrock-kb-source-uri, x-amz-bedrock-kb-chunk-id, x-amz-bedrock-kb-data-source-id) and the document's own.
// - Errors are restJson1: status + x-amzn-ErrorType + JSON members; the SDK's schemas give ThrottlingException 429
//   {message}, ValidationException 400 {message}, ResourceNotFoundException 404 {message},
//   DependencyFailedException 424 {message, resourceName}, InternalServerException 500 {message, reason}.
// Signatures are not checked; filters, search type, reranking, guardrails and nextToken are ignored.
import { createHash, randomUUID } from 'node:crypto';
import { after, failureFor, failureProblems, invalidBehaviour } from './generation';
import { type Exchange, listen, type Reply, sendJson, sendRestJsonError } from './server';
import type { BedrockAgentRuntimeBehaviour, BedrockAgentRuntimeStandIn, FailureKind, FailureRule, KnowledgeBaseDocument } from './types';

/** The knowledge base that exists when the behaviour names none. */
export const DEFAULT_KNOWLEDGE_BASE_ID = 'KBSTANDIN1';

/** The data source every stand-in chunk claims to come from (x-amz-bedrock-kb-data-source-id). */
const DATA_SOURCE_ID = 'DSSTANDIN1';
const DEFAULT_NUMBER_OF_RESULTS = 5;
const MAX_NUMBER_OF_RESULTS = 100;
const KNOWLEDGE_BASE_ID = /^[0-9a-zA-Z]{1,10}$/;
const ROUTE = /^\/knowledgebases\/([^/]*)\/retrieve$/;

interface IndexedDocument {
  readonly doc: KnowledgeBaseDocument;
  readonly words: ReadonlySet<string>;
  /** The result's JSON without its score, prepared once. */
  readonly content: string;
  readonly location: string;
  readonly metadata: string;
}

/** The validated behaviour. */
interface State {
  readonly knowledgeBaseIds: ReadonlySet<string>;
  readonly documents: readonly IndexedDocument[];
  readonly latencyMs: number;
  readonly failures: readonly FailureRule[];
}

/** Starts a Bedrock Agent Runtime (knowledge base Retrieve) stand-in on 127.0.0.1 and a free port. */
export async function startBedrockAgentRuntime(b?: BedrockAgentRuntimeBehaviour): Promise<BedrockAgentRuntimeStandIn> {
  let state = resolveState(b);
  const harness = await listen((x) => handle(x, state));
  return {
    url: harness.url,
    requests: harness.requests,
    setBehaviour(next: BedrockAgentRuntimeBehaviour) {
      state = resolveState(next);
      harness.resetCounter();
    },
    close: () => harness.close(),
  };
}

/** Distinct lower-case runs of letters and digits: the ranking's notion of a word. */
export function wordsOf(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/**
 * The stand-in's relevance of a document to a query, in [0, 1]: the share of the query's distinct words that the
 * document contains (0 for a query without words).
 */
export function relevance(queryWords: ReadonlySet<string>, documentWords: ReadonlySet<string>): number {
  if (queryWords.size === 0) return 0;
  let shared = 0;
  for (const w of queryWords) if (documentWords.has(w)) shared++;
  return shared / queryWords.size;
}

function resolveState(b: BedrockAgentRuntimeBehaviour = {}): State {
  const problems: string[] = [];
  const ids = b.knowledgeBaseIds ?? [DEFAULT_KNOWLEDGE_BASE_ID];
  for (const id of ids) {
    if (typeof id !== 'string' || !KNOWLEDGE_BASE_ID.test(id)) problems.push(`knowledgeBaseIds must be 1-10 letters or digits each, got ${JSON.stringify(id)}`);
  }
  const docs = b.documents ?? [];
  docs.forEach((d, i) => {
    if (typeof d?.uri !== 'string' || d.uri === '' || typeof d.text !== 'string') problems.push(`documents[${i}] must have a non-empty string uri and a string text`);
  });
  const latencyMs = b.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) problems.push(`latencyMs must be a finite number >= 0, got ${latencyMs}`);
  problems.push(...failureProblems(b.failures));
  if (problems.length > 0) throw invalidBehaviour(problems);
  return { knowledgeBaseIds: new Set(ids), documents: docs.map(indexDocument), latencyMs, failures: b.failures ?? [] };
}

function indexDocument(doc: KnowledgeBaseDocument, i: number): IndexedDocument {
  // A stable chunk id per document, shaped like a UUID.
  const h = createHash('sha256').update(`${i}\n${doc.uri}\n${doc.text}`).digest('hex');
  const chunkId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  const metadata = {
    'x-amz-bedrock-kb-source-uri': doc.uri,
    'x-amz-bedrock-kb-chunk-id': chunkId,
    'x-amz-bedrock-kb-data-source-id': DATA_SOURCE_ID,
    ...doc.metadata,
  };
  return {
    doc,
    words: wordsOf(doc.text),
    content: JSON.stringify({ text: doc.text, type: 'TEXT' }),
    location: JSON.stringify(locationOf(doc.uri)),
    metadata: JSON.stringify(metadata),
  };
}

function locationOf(uri: string): object {
  if (/^s3:\/\//i.test(uri)) return { type: 'S3', s3Location: { uri } };
  if (/^https?:\/\//i.test(uri)) return { type: 'WEB', webLocation: { url: uri } };
  return { type: 'CUSTOM', customDocumentLocation: { id: uri } };
}

function handle(x: Exchange, state: State): void {
  const { method, res, path } = x;
  const headers = { 'x-amzn-RequestId': randomUUID() };
  const route = method === 'POST' ? ROUTE.exec(path) : null;
  if (route === null) {
    sendRestJsonError(res, 404, 'UnknownOperationException', { message: `No operation at ${method} ${path}` }, headers);
    return;
  }
  const knowledgeBaseId = decodeURIComponent(route[1]);

  const failure = failureFor(state, x.seq);
  if (failure === 'timeout-hang') return; // Never answered; the socket is destroyed by the client or close().
  if (failure !== undefined && failure !== 'stream-error') {
    sendFailure(res, failure, headers);
    return;
  }

  const request = parseRetrieve(x.body, knowledgeBaseId);
  if (typeof request === 'string') {
    sendRestJsonError(res, 400, 'ValidationException', { message: request }, headers);
    return;
  }
  if (!state.knowledgeBaseIds.has(knowledgeBaseId)) {
    sendRestJsonError(res, 404, 'ResourceNotFoundException', { message: `Knowledge base ${knowledgeBaseId} does not exist.` }, headers);
    return;
  }

  const query = wordsOf(request.text);
  const ranked = state.documents
    .map((d, i) => ({ d, i, score: relevance(query, d.words) }))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, request.numberOfResults);
  const json = `{"retrievalResults":[${ranked
    .map(({ d, score }) => `{"content":${d.content},"location":${d.location},"score":${score},"metadata":${d.metadata}}`)
    .join(',')}]}`;
  after(res, state.latencyMs, () => sendJson(res, 200, headers, json));
}

function sendFailure(res: Reply, kind: Exclude<FailureKind, 'timeout-hang' | 'stream-error'>, headers: Record<string, string>): void {
  switch (kind) {
    case 'throttle':
      return sendRestJsonError(res, 429, 'ThrottlingException', { message: 'Rate exceeded.' }, headers);
    case 'validation':
      return sendRestJsonError(res, 400, 'ValidationException', { message: 'Malformed input request, please reformat your input and try again.' }, headers);
    case 'model-error':
      return sendRestJsonError(
        res,
        424,
        'DependencyFailedException',
        { message: 'A dependency of the knowledge base failed (stand-in model-error).', resourceName: 'Amazon Bedrock' },
        headers,
      );
    case 'unavailable':
      return sendRestJsonError(res, 500, 'InternalServerException', { message: 'Internal server error (stand-in unavailable).' }, headers);
  }
}

/** The query text and result count of a Retrieve request, or the ValidationException message for a bad one. */
function parseRetrieve(body: Buffer, knowledgeBaseId: string): { text: string; numberOfResults: number } | string {
  if (!KNOWLEDGE_BASE_ID.test(knowledgeBaseId)) {
    return `1 validation error detected: Value '${knowledgeBaseId}' at 'knowledgeBaseId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[0-9a-zA-Z]+$`;
  }
  let input: { retrievalQuery?: { text?: unknown } | null; retrievalConfiguration?: { vectorSearchConfiguration?: { numberOfResults?: unknown } | null } | null };
  try {
    input = JSON.parse(body.toString('utf8')) as typeof input;
  } catch {
    return 'Malformed input request: the body is not JSON.';
  }
  const text = input?.retrievalQuery?.text;
  if (typeof text !== 'string' || text.trim() === '') {
    return "1 validation error detected: Value at 'retrievalQuery.text' failed to satisfy constraint: Member must not be null or blank";
  }
  const n = input.retrievalConfiguration?.vectorSearchConfiguration?.numberOfResults;
  if (n === undefined || n === null) return { text, numberOfResults: DEFAULT_NUMBER_OF_RESULTS };
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_NUMBER_OF_RESULTS) {
    return (
      `1 validation error detected: Value '${String(n)}' at 'retrievalConfiguration.vectorSearchConfiguration.numberOfResults' failed to ` +
      `satisfy constraint: Member must have value between 1 and ${MAX_NUMBER_OF_RESULTS}`
    );
  }
  return { text, numberOfResults: n };
}
