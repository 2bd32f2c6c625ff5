// Retrieval and tools in the API handler as deployed: the bundle with the real SDK clients against the
// Bedrock Runtime (with tool-use turns), Bedrock Agent Runtime (Retrieve), SageMaker Runtime and S3 stand-ins.
import { runtimeBundleDir } from '../../lib/constructs/private/runtime-bundle';
import { apiEvent, invoke, loadHandler } from '../support/lambda-runtime';
import {
  type BedrockAgentRuntimeStandIn, type BedrockRuntimeStandIn, DEFAULT_KNOWLEDGE_BASE_ID, type S3StandIn, type SageMakerStandIn,
  startBedrockAgentRuntime, startBedrockRuntime, startS3, startSageMakerRuntime,
} from '../../scripts/lib/standins';

let bedrock: BedrockRuntimeStandIn;
let agent: BedrockAgentRuntimeStandIn;
let sagemaker: SageMakerStandIn;
let s3: S3StandIn;
let bedrockApi: ReturnType<typeof loadHandler>;
let endpointApi: ReturnType<typeof loadHandler>;
let plainApi: ReturnType<typeof loadHandler>;

const DOCUMENTS = [
  { uri: 's3://datasets/documents/returns.md', text: 'Returns are accepted within 30 days of delivery for unworn items.' },
  { uri: 's3://datasets/documents/shipping.md', text: 'Standard shipping takes three to five business days.' },
  { uri: 's3://datasets/documents/warranty.md', text: 'Electronics carry a two year warranty.' },
];

let env: Record<string, string>;

beforeAll(async () => {
  [bedrock, agent, sagemaker, s3] = await Promise.all([startBedrockRuntime(), startBedrockAgentRuntime({ documents: DOCUMENTS }), startSageMakerRuntime(), startS3()]);
  env = {
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: bedrock.url, AWS_ENDPOINT_URL_BEDROCK_AGENT_RUNTIME: agent.url, AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sagemaker.url, AWS_ENDPOINT_URL_S3: s3.url,
    MAX_INPUT_TOKENS: '2000', MAX_OUTPUT_TOKENS: '200', DATASET_BUCKET: 'datasets', FEEDBACK_PREFIX: 'feedback/', PROMPT_TEMPLATES: '[]', MODEL_TIMEOUT_MS: '3000',
    POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_TRACE_ENABLED: 'false',
  };
  const dir = runtimeBundleDir('api');
  bedrockApi = loadHandler(dir, { ...env, BACKEND: 'bedrock', MODEL_ID: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', MODEL_NAME: 'us.anthropic.claude-3-5-haiku-20241022-v1:0', KNOWLEDGE_BASE_ID: DEFAULT_KNOWLEDGE_BASE_ID, RETRIEVAL_RESULTS: '2', RETRIEVAL_BY_DEFAULT: 'false', TOOLS: 'calculator', MAX_TOOL_ROUNDS: '3' });
  endpointApi = loadHandler(dir, { ...env, BACKEND: 'sagemaker', ENDPOINT_NAME: 'chat', MODEL_NAME: 'Qwen/Qwen2.5-7B-Instruct', KNOWLEDGE_BASE_ID: DEFAULT_KNOWLEDGE_BASE_ID, RETRIEVAL_RESULTS: '2', RETRIEVAL_BY_DEFAULT: 'true', TOOLS: '', KNOWLEDGE_BASE_UNUSED: '' });
  plainApi = loadHandler(dir, { ...env, BACKEND: 'bedrock', MODEL_ID: 'm.x-v1:0', MODEL_NAME: 'm', KNOWLEDGE_BASE_ID: '', TOOLS: '' });
});

afterAll(async () => {
  await Promise.all([bedrock?.close(), agent?.close(), sagemaker?.close(), s3?.close()]);
});

beforeEach(() => {
  bedrock.setBehaviour({ tokens: ['Within', ' 30', ' days', ' [1].'] });
  sagemaker.setBehaviour({ tokens: ['Within', ' 30', ' days', ' [1].'] });
});

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;

describe('retrieval', () => {
  test('grounds a Bedrock answer in the knowledge base and returns citations', async () => {
    const res = await invoke(bedrockApi, apiEvent('POST', '/v1/generate', { prompt: 'How many days do I have to return unworn items?', retrieval: true }));
    expect(res.statusCode).toBe(200);
    const body = json(res.body);
    expect(body.citations).toEqual([
      { index: 1, document: 's3://datasets/documents/returns.md', score: expect.any(Number) },
      { index: 2, document: expect.any(String), score: expect.any(Number) },
    ]);
    expect(JSON.parse(agent.requests.at(-1)!.body)).toEqual({ retrievalQuery: { text: 'How many days do I have to return unworn items?' }, retrievalConfiguration: { vectorSearchConfiguration: { numberOfResults: 2 } } });
    const system = JSON.parse(bedrock.requests.at(-1)!.body).system[0].text as string;
    expect(system).toContain('[1] (s3://datasets/documents/returns.md)\nReturns are accepted within 30 days');
  });

  test('works the same with a SageMaker endpoint, where retrieval is on by default', async () => {
    const res = await invoke(endpointApi, apiEvent('POST', '/v1/generate', { prompt: 'How long does standard shipping take?' }));
    expect(json(res.body).citations).toEqual(expect.arrayContaining([expect.objectContaining({ document: 's3://datasets/documents/shipping.md' })]));
    expect(JSON.parse(sagemaker.requests.at(-1)!.body).messages[0]).toEqual({ role: 'system', content: expect.stringContaining('Standard shipping takes three to five business days.') });
  });

  test('a request can turn default retrieval off', async () => {
    const before = agent.requests.length;
    const res = await invoke(endpointApi, apiEvent('POST', '/v1/generate', { prompt: 'Hello', retrieval: false }));
    expect(json(res.body).citations).toBeUndefined();
    expect(agent.requests.length).toBe(before);
  });

  test('fails with 400 when retrieval is asked of an API without a knowledge base', async () => {
    const res = await invoke(plainApi, apiEvent('POST', '/v1/generate', { prompt: 'x', retrieval: true }));
    expect(res.statusCode).toBe(400);
    expect(json(res.body).error).toMatchObject({ field: 'retrieval' });
  });

  test('a throttled knowledge base answers 429 with Retry-After', async () => {
    agent.setBehaviour({ documents: DOCUMENTS, failures: [{ kind: 'throttle', requests: 'all' }] });
    const res = await invoke(bedrockApi, apiEvent('POST', '/v1/generate', { prompt: 'x', retrieval: true }));
    agent.setBehaviour({ documents: DOCUMENTS });
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('2');
  });
});

describe('tools', () => {
  test('a calculator round trip computes 1234.5 * 6789 exactly', async () => {
    bedrock.setBehaviour({ toolUse: { toolName: 'calculator', input: () => ({ expression: '1234.5 * 6789' }) } });
    const res = await invoke(bedrockApi, apiEvent('POST', '/v1/generate', { prompt: 'What is 1234.5 times 6789?' }));
    expect(res.statusCode).toBe(200);
    const body = json(res.body);
    expect(body.text).toContain('8381020.5');
    expect(body.toolCalls).toBe(1);
    // The tool's result went back to the model exactly: 1234.5 x 6789 = 8,381,020.5.
    const second = JSON.parse(bedrock.requests.at(-1)!.body);
    expect(second.messages.at(-1).content[0].toolResult).toMatchObject({ content: [{ json: { value: '8381020.5' } }], status: 'success' });
    expect(second.toolConfig.tools[0].toolSpec.name).toBe('calculator');
  });

  test('streams the final answer after a tool round', async () => {
    bedrock.setBehaviour({ toolUse: { toolName: 'calculator', input: () => ({ expression: '2^64' }) } });
    const res = await invoke(bedrockApi, apiEvent('POST', '/v1/generate', { prompt: 'What is 2 to the 64?', stream: true }));
    expect(res.body).toContain('18446744073709551616');
    expect(res.body).toMatch(/event: done\ndata: .*"toolCalls":1/);
  });

  test('a model that refuses tools while streaming (Llama 3.1) still streams: each turn runs with Converse, its text sent as it ends', async () => {
    const llama = loadHandler(runtimeBundleDir('api'), { ...env, BACKEND: 'bedrock', MODEL_ID: 'us.meta.llama3-1-8b-instruct-v1:0', MODEL_NAME: 'meta.llama3-1-8b-instruct-v1:0', KNOWLEDGE_BASE_ID: '', TOOLS: 'calculator', MAX_TOOL_ROUNDS: '3', STREAMING_TOOL_USE: 'false' });
    delete process.env.STREAMING_TOOL_USE;
    bedrock.setBehaviour({ toolUse: { toolName: 'calculator', input: () => ({ expression: '2^64' }) }, streamingToolUse: false });
    // The stand-in refuses ConverseStream with toolConfig as Bedrock does for this model...
    const refused = await invoke(bedrockApi, apiEvent('POST', '/v1/generate', { prompt: 'What is 2 to the 64?', stream: true }));
    expect(refused.body).not.toContain('18446744073709551616');
    // ...so the deployment for it sends Converse turns and streams their text.
    const res = await invoke(llama, apiEvent('POST', '/v1/generate', { prompt: 'What is 2 to the 64?', stream: true }));
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('18446744073709551616');
    expect(res.body).toMatch(/event: done\ndata: .*"toolCalls":1/);
    expect(bedrock.requests.slice(-2).map((r) => r.path)).toEqual([expect.stringMatching(/\/converse$/), expect.stringMatching(/\/converse$/)]);
  });

  test('a runaway tool loop stops at the bound with a clear error', async () => {
    bedrock.setBehaviour({ toolUse: { toolName: 'calculator', input: () => ({ expression: '1 + 1' }), rounds: 'forever' } });
    const before = bedrock.requests.length;
    const res = await invoke(bedrockApi, apiEvent('POST', '/v1/generate', { prompt: 'Loop forever' }));
    expect(res.statusCode).toBe(502);
    expect(json(res.body).error).toEqual({ code: 'tool_round_limit', message: 'The model was still calling tools after 3 rounds; ask a narrower question.' });
    // The first turn plus three rounds of results: four model calls, no more.
    expect(bedrock.requests.length - before).toBe(4);
  });

  test('a bad expression goes back to the model as a tool error, not a failed request', async () => {
    bedrock.setBehaviour({ toolUse: { toolName: 'calculator', input: () => ({ expression: '1 / 0' }) } });
    const res = await invoke(bedrockApi, apiEvent('POST', '/v1/generate', { prompt: 'Divide one by zero' }));
    expect(res.statusCode).toBe(200);
    expect(json(res.body).text).toMatch(/The tool failed: error: .*zero/i);
  });
});
