// The API handler's settings: what GenerativeApi writes into the function's environment is what the handler reads.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type ApiHandlerSettings, fromEnvironment, SETTING_DEFAULTS, SETTING_VARIABLES, toEnvironment } from '../../lib/runtime/api/settings';

const FULL: ApiHandlerSettings = {
  serviceName: 'Prod-Serving/Api', backend: 'sagemaker', modelName: 'Qwen/Qwen2.5-7B-Instruct', endpointName: 'chat', inferenceComponentName: 'chat-ic',
  limits: { maxInputTokens: 4096, maxOutputTokens: 512 }, datasetBucket: 'datasets', feedbackPrefix: 'feedback/',
  promptTemplates: [{ id: 'answer', version: '3', system: 'Be brief.', user: 'Q: {{question}}', locked: true }],
  modelTimeoutMs: 30_000, recordTimeoutMs: 5000, deadLetterTimeoutMs: 1500, deadLetterQueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/dl',
  knowledgeBase: { id: 'KB12345678', results: 4, byDefault: true }, tools: { names: ['calculator'], maxRounds: 3, streamsToolUse: false },
  acceptsAssistantTurns: false, reviewers: { principals: ['arn:aws:iam::111122223333:role/reviewer'], groups: ['reviewers'], apiKeyIds: ['k1'] },
  guardrail: { id: 'gr-1', version: '2' },
};
const MINIMAL: ApiHandlerSettings = {
  serviceName: 'Dev-Serving/Api', backend: 'bedrock', modelName: 'meta.llama3-1-8b-instruct-v1:0', modelId: 'us.meta.llama3-1-8b-instruct-v1:0',
  limits: { maxInputTokens: 2048, maxOutputTokens: 256 }, datasetBucket: 'datasets', feedbackPrefix: 'feedback/', promptTemplates: [],
  modelTimeoutMs: 120_000, recordTimeoutMs: 3000, deadLetterTimeoutMs: SETTING_DEFAULTS.deadLetterTimeoutMs,
  acceptsAssistantTurns: true, reviewers: { principals: [], groups: [], apiKeyIds: [] },
};
/** undefined members dropped, as the settings read back have none. */
const defined = (s: ApiHandlerSettings) => JSON.parse(JSON.stringify(s)) as ApiHandlerSettings;

test.each([['every setting', FULL], ['the fewest', MINIMAL]])('%s: read back as written', (_name, settings) => {
  expect(defined(fromEnvironment(toEnvironment(settings)))).toEqual(defined(settings));
});

test('the environment holds strings of known variables only', () => {
  for (const settings of [FULL, MINIMAL]) {
    const env = toEnvironment(settings);
    expect(Object.keys(env).filter((k) => !(SETTING_VARIABLES as readonly string[]).includes(k))).toEqual([]);
    for (const value of Object.values(env)) expect(typeof value).toBe('string');
  }
});

test('the handler reads its settings only through the contract (and Lambda\'s and Powertools\' own variables)', () => {
  const source = fs.readFileSync(path.join(__dirname, '..', '..', 'lib', 'runtime', 'api', 'handler.ts'), 'utf8');
  const read = [...source.matchAll(/\benv\.([A-Z_]+)/g)].map((m) => m[1]);
  expect([...new Set(read)].sort()).toEqual(['AWS_EXECUTION_ENV', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_SAM_LOCAL', 'POWERTOOLS_TRACE_ENABLED']);
  expect(source).toContain('fromEnvironment(env)');
});
