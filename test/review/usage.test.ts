/** What an environment bills per use, read from its templates: traffic facts, then the arithmetic of the sourced prices. */
import { PEAK_HOURS_PER_MONTH, trafficOf, usageOf, type UsageLine } from '../../scripts/lib/review';
import { apiStack, stackOf } from './fixtures';

// lib/sizing/usage-prices.ts, USD.
const LLAMA_8B = 0.22;
const TITAN_EMBED = 0.02;
const LAMBDA_REQUESTS = 0.2;
const ARM_GB_SECOND = 0.0000133334;
const X86_GB_SECOND = 0.0000166667;
const REST = 3.5;
const OCU_HOUR = 0.24;

// The handler of the fixture: 6,144 input and 1,024 output tokens, 1,024 MiB; 1,024 / 50 tokens per second.
const SECONDS = 1024 / 50;
const LAMBDA = LAMBDA_REQUESTS + SECONDS * 1 * ARM_GB_SECOND * 1e6;
const TOKENS = 6144 * LLAMA_8B + 1024 * LLAMA_8B;

function byItem(lines: readonly UsageLine[]): Record<string, number | undefined> {
  return Object.fromEntries(lines.map((l) => [l.item, l.usdPerMillionRequests]));
}

describe('traffic facts', () => {
  test('the handler, its token limits and memory, the stage\'s rate, and the model of the inference profile MODEL_ID references', () => {
    const facts = trafficOf([apiStack('Dev-Serving', { knowledgeBase: 's3-vectors', variables: { TOOLS: 'calculator', MAX_TOOL_ROUNDS: '4', GUARDRAIL_ID: { Ref: 'Guardrail' } } })]);
    expect(facts.api).toEqual({
      stackName: 'Dev-Serving', handler: 'Dev/Serving/Api/Handler', backend: 'bedrock', modelId: 'us.meta.llama3-1-8b-instruct-v1:0', peakRequestsPerSecond: 1,
      maxInputTokens: 6144, maxOutputTokens: 1024, memoryMiB: 1024, architecture: 'arm64', api: 'rest',
      knowledgeBase: { results: 5, byDefault: false, vectorStore: 's3-vectors', embeddingModel: 'amazon.titan-embed-text-v2:0' },
      maxModelCalls: 5, guardrail: true, unread: [],
    });
  });

  test('a literal MODEL_ID, a foundation-model ARN, and an intrinsic the review cannot read', () => {
    expect(trafficOf([apiStack('S', { modelId: 'amazon.nova-lite-v1:0' })]).api?.modelId).toBe('amazon.nova-lite-v1:0');
    expect(trafficOf([apiStack('S', { modelId: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0' })]).api?.modelId).toBe('amazon.nova-pro-v1:0');
    const unread = trafficOf([apiStack('S', { modelId: { 'Fn::ImportValue': 'Shared-Model' } })]).api!;
    expect([unread.modelId, unread.unread]).toEqual([undefined, ['MODEL_ID (<import Shared-Model>)']]);
  });

  test('a rate limit that is not literal, or a stage without one, leaves the peak unread', () => {
    expect(trafficOf([apiStack('S', { rate: { Ref: 'Rate' } })]).api?.unread).toEqual(['the API stage\'s throttling rate (ThrottlingRateLimit <Rate> is not a literal number)']);
    const stack = apiStack('S');
    const noStage = stackOf('S', Object.fromEntries(Object.entries(stack.template.Resources!).filter(([id]) => id !== 'Stage')));
    expect(trafficOf([noStage]).api?.peakRequestsPerSecond).toBeUndefined();
  });

  test('the handler is the function with BACKEND and MAX_INPUT_TOKENS; without one there is no API', () => {
    expect(trafficOf([stackOf('S', { Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { BACKEND: 'bedrock' } } } } })]).api).toBeUndefined();
  });
});

describe('usage', () => {
  test('Bedrock: tokens, Lambda requests and duration, API Gateway and the query embedding per request; S3 Vectors queries unpriced', () => {
    const usage = usageOf([apiStack('Dev-Serving', { knowledgeBase: 's3-vectors' })]);
    expect(byItem(usage.perRequest)).toEqual({
      'Bedrock input tokens (us.meta.llama3-1-8b-instruct-v1:0)': 6144 * LLAMA_8B,
      'Bedrock output tokens (us.meta.llama3-1-8b-instruct-v1:0)': 1024 * LLAMA_8B,
      'Lambda requests': LAMBDA_REQUESTS,
      'Lambda duration': expect.closeTo(SECONDS * ARM_GB_SECOND * 1e6, 9),
      'API Gateway (REST API)': REST,
      'Query embedding (amazon.titan-embed-text-v2:0)': 6144 * TITAN_EMBED,
      'S3 Vectors queries': undefined,
    });
    const perMillion = TOKENS + LAMBDA + REST + 6144 * TITAN_EMBED;
    expect(usage.usdPerMillionRequests).toBeCloseTo(perMillion, 9);
    expect(usage.usdPerHourAtPeak).toBeCloseTo((perMillion / 1e6) * 1 * 3600, 9);
    expect(usage.traffic).toEqual({ requestsPerMonth: 3600 * PEAK_HOURS_PER_MONTH, from: 'peak', words: '633,600 requests a month: the peak rate for 8 h on 22 working days (176 h)' });
    expect(usage.monthlyUsd).toBeCloseTo((perMillion / 1e6) * 633_600, 9);
    expect(usage.partlyUnpriced).toBe(true);
    expect(usage.perRequest.find((l) => l.item === 'S3 Vectors queries')?.note).toBe('unpriced: no S3 Vectors query price was sourced');
    expect(usage.caveats).toEqual([expect.stringMatching(/^us\.meta\.llama3-1-8b-instruct-v1:0: priced as the base model/)]);
    expect(usage.assumption).toBe('peak 1 request/s (the stage\'s throttling rate), each up to 6,144 input and 1,024 output tokens (the scope\'s maximum, so an upper bound); '
      + 'Lambda runs MAX_OUTPUT_TOKENS / 50 tokens per second = 20.48 s a request; monthly at 633,600 requests a month: the peak rate for 8 h on 22 working days (176 h).');
  });

  test('requests a month replace the peak-hours assumption', () => {
    const usage = usageOf([apiStack('Dev-Serving')], { requestsPerMonth: 100_000 });
    expect(usage.traffic).toEqual({ requestsPerMonth: 100_000, from: 'option', words: '100,000 requests a month (--traffic)' });
    expect(usage.monthlyUsd).toBeCloseTo(((TOKENS + LAMBDA + REST) / 1e6) * 100_000, 9);
    expect(usage.partlyUnpriced).toBe(false);
  });

  test('SageMaker: no tokens (the instances are billed), Lambda and API Gateway are; x86 duration at its price', () => {
    const usage = usageOf([apiStack('Prod-Serving', { backend: 'sagemaker', rate: 20, architectures: ['x86_64'], memorySize: 512 })]);
    expect(byItem(usage.perRequest)).toEqual({ 'Lambda requests': LAMBDA_REQUESTS, 'Lambda duration': expect.closeTo(SECONDS * 0.5 * X86_GB_SECOND * 1e6, 9), 'API Gateway (REST API)': REST });
    expect(usage.usdPerHourAtPeak).toBeCloseTo((usage.usdPerMillionRequests / 1e6) * 20 * 3600, 9);
    expect(usage.notEstimated[0]).toBe('model tokens: the SageMaker endpoint bills its instances (see the capacity above), not tokens');
  });

  test('a model without a sourced price, or a MODEL_ID that is not literal, is unpriced and said so', () => {
    const unknown = usageOf([apiStack('S', { modelId: 'cohere.command-r-v1:0' })]);
    expect(unknown.perRequest[0]).toEqual({ item: 'Bedrock input tokens (cohere.command-r-v1:0)', basis: '6,144 tokens', note: 'unpriced: no sourced price for cohere.command-r-v1:0' });
    expect(unknown.partlyUnpriced).toBe(true);
    const unread = usageOf([apiStack('S', { modelId: { 'Fn::ImportValue': 'Model' } })]);
    expect(unread.perRequest[0].note).toBe('unpriced: MODEL_ID is not literal');
    expect(unread.notEstimated[0]).toBe('unread (not literal in the template): MODEL_ID (<import Model>)');
  });

  test('without a peak rate there is no hourly or default monthly figure', () => {
    const usage = usageOf([apiStack('S', { rate: { Ref: 'Rate' } })]);
    expect([usage.usdPerHourAtPeak, usage.traffic, usage.monthlyUsd, usage.partlyUnpriced]).toEqual([undefined, undefined, 0, true]);
    expect(usage.assumption).toContain('no monthly figure without a peak rate or --traffic');
  });

  test('an OpenSearch Serverless collection bills its minimum OCUs every hour; a dashboard $3 a month', () => {
    const resources = { Board: { Type: 'AWS::CloudWatch::Dashboard', Properties: {} }, Dev: { Type: 'AWS::OpenSearchServerless::Collection', Properties: { Name: 'dev', StandbyReplicas: 'DISABLED' } } };
    const usage = usageOf([apiStack('S', { knowledgeBase: 'opensearch-serverless', resources })], { requestsPerMonth: 1 });
    expect(usage.fixed.map((f) => [f.item, f.monthlyUsd])).toEqual([
      ['CloudWatch dashboards', 3], ['OpenSearch Serverless collection kb', 2 * OCU_HOUR * 730], ['OpenSearch Serverless collection dev', 1 * OCU_HOUR * 730],
    ]);
    expect(usage.perRequest.map((l) => l.item)).not.toContain('S3 Vectors queries');
    expect(usage.monthlyUsd).toBeCloseTo(3 + 3 * OCU_HOUR * 730 + usage.usdPerMillionRequests / 1e6, 9);
    expect(usage.sources.map((s) => s.split(':')[0])).toEqual(['CloudWatch dashboards', 'OpenSearch Serverless OCU-hour', 'OpenSearch Serverless minimum OCUs', 'Bedrock tokens', 'Lambda', 'API Gateway', 'query embedding']);
  });

  test('what is billed per use and not estimated is named: tool rounds, guardrails, WAF, state machines', () => {
    const usage = usageOf([apiStack('S', {
      variables: { TOOLS: 'calculator', GUARDRAIL_ID: 'g' },
      resources: { Acl: { Type: 'AWS::WAFv2::WebACL', Properties: {} }, Sm: { Type: 'AWS::StepFunctions::StateMachine', Properties: {} } },
    })]);
    expect(usage.notEstimated.map((n) => n.split(':')[0])).toEqual(['tool rounds', 'Bedrock Guardrails', 'WAF', 'Step Functions', 'free tiers are not subtracted; prices are us-east-1 list prices, first tier']);
    expect(usage.notEstimated[0]).toContain('up to 5 times');
  });

  test('an environment without an API handler bills nothing per request', () => {
    expect(usageOf([stackOf('S', {})])).toMatchObject({ perRequest: [], usdPerMillionRequests: 0, monthlyUsd: 0, partlyUnpriced: false, fixed: [] });
  });
});
