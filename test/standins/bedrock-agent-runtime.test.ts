// The Bedrock Agent Runtime stand-in driven by the real @aws-sdk/client-bedrock-agent-runtime: knowledge base
// Retrieve with word-overlap ranking and numberOfResults, the SDK's exception classes for an unknown knowledge base,
// bad input and each failure, retries, and endpoint configuration.
import {
  BedrockAgentRuntimeClient,
  DependencyFailedException,
  InternalServerException,
  ResourceNotFoundException,
  RetrieveCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { performance } from 'node:perf_hooks';
import { type BedrockAgentRuntimeStandIn, DEFAULT_KNOWLEDGE_BASE_ID, type FailureKind, type KnowledgeBaseDocument, startBedrockAgentRuntime } from '../../scripts/lib/standins';
import { caught, clientConfig, CREDENTIALS, since, withEnv } from './sdk';

const KB = DEFAULT_KNOWLEDGE_BASE_ID;
const DOCUMENTS: KnowledgeBaseDocument[] = [
  { uri: 's3://docs/rivers.txt', text: 'The Seine flows through Paris.' },
  { uri: 's3://docs/capital.txt', text: 'Paris is the capital of France.', metadata: { lang: 'en' } },
  { uri: 'https://example.com/berlin', text: 'Berlin is the capital of Germany.' },
  { uri: 'doc-7', text: 'Bananas are yellow.' },
];

let standIn: BedrockAgentRuntimeStandIn;
let client: BedrockAgentRuntimeClient;

beforeAll(async () => {
  standIn = await startBedrockAgentRuntime();
  client = new BedrockAgentRuntimeClient(clientConfig(standIn.url));
});

afterAll(async () => {
  client.destroy();
  await standIn.close();
});

beforeEach(() => {
  standIn.setBehaviour({ documents: DOCUMENTS });
  standIn.requests.length = 0;
});

function retrieve(text: string, numberOfResults?: number, knowledgeBaseId = KB) {
  return client.send(
    new RetrieveCommand({
      knowledgeBaseId,
      retrievalQuery: { text },
      retrievalConfiguration: numberOfResults === undefined ? undefined : { vectorSearchConfiguration: { numberOfResults } },
    }),
  );
}

describe('Retrieve', () => {
  test('ranks the documents by the share of query words they contain and cuts to numberOfResults', async () => {
    // WHEN the query's words are paris, capital, of and france (case and punctuation ignored)
    const out = await retrieve('Paris, capital of FRANCE?', 3);

    // THEN capital.txt has all 4 of them, berlin 2 ("capital", "of"), rivers.txt 1 ("paris"), bananas none
    expect(out.retrievalResults).toEqual([
      {
        content: { text: 'Paris is the capital of France.', type: 'TEXT' },
        location: { type: 'S3', s3Location: { uri: 's3://docs/capital.txt' } },
        score: 1,
        metadata: {
          'x-amz-bedrock-kb-source-uri': 's3://docs/capital.txt',
          'x-amz-bedrock-kb-chunk-id': expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
          'x-amz-bedrock-kb-data-source-id': expect.any(String),
          lang: 'en',
        },
      },
      expect.objectContaining({ location: { type: 'WEB', webLocation: { url: 'https://example.com/berlin' } }, score: 0.5 }),
      expect.objectContaining({ content: { text: 'The Seine flows through Paris.', type: 'TEXT' }, score: 0.25 }),
    ]);
    const [req] = standIn.requests;
    expect(`${req.method} ${req.path}`).toBe(`POST /knowledgebases/${KB}/retrieve`);
    expect(req.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\//);
    expect(JSON.parse(req.body)).toEqual({
      retrievalQuery: { text: 'Paris, capital of FRANCE?' },
      retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 3 } },
    });
  });

  test('answers 5 results by default, ties and zero scores in document order, and the same chunk ids each time', async () => {
    // GIVEN 7 documents
    const docs = Array.from({ length: 7 }, (_, i) => ({ uri: `x${i}`, text: i === 4 ? 'apples and pears' : `item ${i}` }));
    standIn.setBehaviour({ documents: docs });

    // WHEN
    const first = await retrieve('pears please');
    const again = await retrieve('pears please');

    // THEN
    expect(first.retrievalResults?.map((r) => [r.location?.customDocumentLocation?.id, r.score])).toEqual([
      ['x4', 0.5],
      ['x0', 0],
      ['x1', 0],
      ['x2', 0],
      ['x3', 0],
    ]);
    expect(again.retrievalResults).toEqual(first.retrievalResults);
  });

  test('an empty knowledge base answers no results', async () => {
    standIn.setBehaviour({});

    expect((await retrieve('anything')).retrievalResults).toEqual([]);
  });

  test('an unknown knowledge base id is a ResourceNotFoundException (404)', async () => {
    standIn.setBehaviour({ knowledgeBaseIds: ['KBAAAAAAA1'], documents: DOCUMENTS });

    const err = await caught(retrieve('Paris', undefined, KB));
    const known = await retrieve('Paris', 1, 'KBAAAAAAA1');

    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 404 });
    expect(err.message).toContain(KB);
    expect(known.retrievalResults).toHaveLength(1);
  });

  test.each<[string, string | undefined, number | undefined, RegExp]>([
    ['an id that is not 1-10 letters or digits', 'kb-not-valid', 2, /at 'knowledgeBaseId' failed to satisfy constraint/],
    ['numberOfResults 0', KB, 0, /numberOfResults' failed to satisfy constraint: Member must have value between 1 and 100/],
    ['numberOfResults 101', KB, 101, /Value '101' at/],
    ['a blank query', KB, undefined, /retrievalQuery\.text/],
  ])('%s is a ValidationException (400)', async (_, id, n, message) => {
    const err = await caught(retrieve(n === undefined ? '  ' : 'Paris', n, id));

    expect(err).toBeInstanceOf(ValidationException);
    expect(err.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(err.message).toMatch(message);
  });
});

describe('errors', () => {
  test.each<[FailureKind, new (...args: never[]) => Error, number]>([
    ['throttle', ThrottlingException, 429],
    ['validation', ValidationException, 400],
    ['model-error', DependencyFailedException, 424],
    ['unavailable', InternalServerException, 500],
  ])('%s surfaces as the SDK class %p (HTTP %i)', async (kind, errorClass, status) => {
    standIn.setBehaviour({ documents: DOCUMENTS, failures: [{ kind, requests: 'all' }] });

    const err = await caught(retrieve('Paris'));

    expect(err).toBeInstanceOf(errorClass);
    expect(err.name).toBe(errorClass.name);
    expect(err.$metadata).toMatchObject({ httpStatusCode: status, attempts: 1 });
  });

  test('with maxAttempts 2 the SDK retries a throttle and the 2nd request answers', async () => {
    standIn.setBehaviour({ documents: DOCUMENTS, failures: [{ kind: 'throttle', requests: [1] }] });
    const retrying = new BedrockAgentRuntimeClient(clientConfig(standIn.url, 2));
    const random = jest.spyOn(Math, 'random').mockReturnValue(0.01);

    const out = await retrying
      .send(new RetrieveCommand({ knowledgeBaseId: KB, retrievalQuery: { text: 'Paris' } }))
      .finally(() => {
        random.mockRestore();
        retrying.destroy();
      });

    expect(out.$metadata.attempts).toBe(2);
    expect(out.retrievalResults?.[0].score).toBe(1);
    expect(standIn.requests).toHaveLength(2);
  });

  test('latencyMs delays the answer; timeout-hang never answers until the caller aborts', async () => {
    standIn.setBehaviour({ documents: DOCUMENTS, latencyMs: 60, failures: [{ kind: 'timeout-hang', requests: [2] }] });
    const abort = new AbortController();

    const start = performance.now();
    await retrieve('Paris');
    const slow = since(start);
    setTimeout(() => abort.abort(), 50);
    const err = await caught(client.send(new RetrieveCommand({ knowledgeBaseId: KB, retrievalQuery: { text: 'Paris' } }), { abortSignal: abort.signal }));

    expect(slow).toBeGreaterThanOrEqual(60);
    expect(slow).toBeLessThan(60 + 80);
    expect(err.name).toBe('AbortError');
  });

  test('fails when the behaviour is invalid, naming every problem', () => {
    expect(() =>
      standIn.setBehaviour({ knowledgeBaseIds: ['kb-1'], documents: [{ uri: '', text: 'x' }], latencyMs: -1, failures: [{ kind: 'throttle', requests: [0] }] }),
    ).toThrow(/knowledgeBaseIds must be 1-10 letters or digits each, got "kb-1"; documents\[0\] must .*; latencyMs must .*-1; failures 'throttle'/);
  });
});

test('a client built without endpoint reaches the stand-in through AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME', async () => {
  await withEnv({ AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME: standIn.url }, async () => {
    const viaEnv = new BedrockAgentRuntimeClient({ region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const out = await viaEnv.send(new RetrieveCommand({ knowledgeBaseId: KB, retrievalQuery: { text: 'bananas' } }));
      expect(out.retrievalResults?.[0].content?.text).toBe('Bananas are yellow.');
    } finally {
      viaEnv.destroy();
    }
  });
  expect(standIn.requests).toHaveLength(1);
});
