import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiTool } from '../../lib/config/environment';
import { BedrockModel, BedrockModelSource } from '../../lib/constructs/bedrock-model';
import { DatasetStore } from '../../lib/constructs/dataset-store';
import { ApiAuthorization, FeedbackReviewers } from '../../lib/constructs/api-authorization';
import { ApiBackend } from '../../lib/constructs/api-backend';
import { GenerativeApi, type GenerativeApiProps } from '../../lib/constructs/generative-api';
import { InferenceEndpoint } from '../../lib/constructs/inference-endpoint';
import { feedbackSchema, generateSchema } from '../../lib/runtime/api/contract';
import { API_METRICS_NAMESPACE, API_ROUTE_METRICS, SETTING_VARIABLES } from '../../lib/runtime/api/settings';
import { newApp, synthesize, templateOf } from '../support/synth';

const LIMITS = { maxInputTokens: 2048, maxOutputTokens: 512 };
const TEMPLATE = { id: 'answer', version: '3', system: 'Be brief.', user: 'Q: {{question}}' };

// One app for the file: a Bedrock-backed API with IAM, WAF and a guardrail; an endpoint-backed API with
// API keys; a Cognito-authorized one.
const app = newApp();
const env = { account: '111122223333', region: 'us-east-1' };
function apiStack(id: string, props: (stack: Stack, datasets: DatasetStore) => Partial<GenerativeApiProps> & Pick<GenerativeApiProps, 'backend'>) {
  const stack = new Stack(app, id, { env });
  const datasets = new DatasetStore(stack, 'Datasets');
  const api = new GenerativeApi(stack, 'Api', { datasets, limits: LIMITS, throttling: { rateLimit: 5, burstLimit: 8 }, promptTemplates: [TEMPLATE], ...props(stack, datasets) });
  return { stack, api, t: undefined as unknown as Template };
}
const bedrockApi = apiStack('BedrockApi', (stack) => ({
  backend: ApiBackend.bedrock(new BedrockModel(stack, 'Model', { source: BedrockModelSource.foundationModel('amazon.nova-lite-v1:0') }), { displayName: 'amazon.nova-lite-v1:0' }),
  guardrail: {},
  waf: {},
}));
const caller = new iam.Role(bedrockApi.stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
bedrockApi.api.grantInvoke(caller);
const endpointApi = apiStack('EndpointApi', (stack) => ({
  backend: ApiBackend.endpoint(InferenceEndpoint.fromEndpointAttributes(stack, 'Endpoint', { endpointName: 'chat' }), { displayName: 'Qwen/Qwen2.5-7B-Instruct' }),
  authorization: ApiAuthorization.apiKeys({ quotaPerDay: 500 }),
  // PII masking for a model that is not on Bedrock: ApplyGuardrail on its prompts and answers.
  guardrail: {},
  acceptAssistantTurns: false,
}));
const reviewer = iam.Role.fromRoleArn(bedrockApi.stack, 'Reviewer', 'arn:aws:iam::111122223333:role/feedback-reviewer');
const cognitoApi = apiStack('CognitoApi', (stack) => ({
  backend: ApiBackend.endpoint(InferenceEndpoint.fromEndpointAttributes(stack, 'Endpoint', { endpointName: 'chat' }), { displayName: 'Qwen/Qwen2.5-7B-Instruct' }),
  authorization: ApiAuthorization.cognito(cognito.UserPool.fromUserPoolArn(stack, 'Pool', 'arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_abc')),
}));
const reviewedApi = apiStack('ReviewedApi', (stack) => ({
  backend: ApiBackend.endpoint(InferenceEndpoint.fromEndpointAttributes(stack, 'Endpoint', { endpointName: 'chat' }), { displayName: 'Qwen/Qwen2.5-7B-Instruct' }),
  feedbackReviewers: FeedbackReviewers.iamRoles(iam.Role.fromRoleArn(stack, 'Reviewer', 'arn:aws:iam::111122223333:role/feedback-reviewer')),
  recordTimeout: Duration.seconds(5),
}));
const result = synthesize(app);
const bedrockT = templateOf(bedrockApi.stack);
const endpointT = templateOf(endpointApi.stack);

function methods(t: Template): Record<string, { Properties: Record<string, unknown> }> {
  return t.findResources('AWS::ApiGateway::Method') as Record<string, { Properties: Record<string, unknown> }>;
}

describe('GenerativeApi', () => {
  test('synthesizes under strict validation with zero unacknowledged policy findings', () => {
    expect(result.error).toBeUndefined();
    expect(result.findings).toEqual([]);
  });

  test('every method but GET /v1/health requires IAM authorization', () => {
    const all = Object.values(methods(bedrockT)).map((m) => m.Properties);
    expect(all).toHaveLength(4);
    for (const m of all) {
      expect(m.AuthorizationType).toBe(m.HttpMethod === 'GET' ? 'NONE' : 'AWS_IAM');
    }
  });

  test('every Lambda integration streams its response', () => {
    for (const m of Object.values(methods(bedrockT))) {
      expect(m.Properties.Integration).toMatchObject({
        Type: 'AWS_PROXY',
        ResponseTransferMode: 'STREAM',
        Uri: { 'Fn::Join': ['', expect.arrayContaining([expect.stringContaining('/response-streaming-invocations')])] },
      });
    }
  });

  test('POST bodies are validated at the gateway with the same schema the handler uses', () => {
    const validatorId = Object.keys(bedrockT.findResources('AWS::ApiGateway::RequestValidator', { Properties: { ValidateRequestBody: true } }))[0];
    const posts = Object.values(methods(bedrockT)).filter((m) => m.Properties.HttpMethod === 'POST');
    expect(posts).toHaveLength(3);
    for (const m of posts) expect(m.Properties).toMatchObject({ RequestValidatorId: { Ref: validatorId }, RequestModels: { 'application/json': { Ref: expect.any(String) } } });
    bedrockT.hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: { $schema: 'http://json-schema.org/draft-04/schema#', ...generateSchema(LIMITS) },
    });
  });

  test('the stage throttles to the scope, logs access as JSON to an encrypted group, and traces', () => {
    bedrockT.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'live',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 8, LoggingLevel: 'ERROR', DataTraceEnabled: false })],
    });
    bedrockT.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
  });

  test('a web ACL with a per-IP rate limit and AWS managed rules guards the stage', () => {
    bedrockT.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: [
        Match.objectLike({ Name: 'RateLimitPerIp', Statement: { RateBasedStatement: { Limit: 1000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } } }),
        Match.objectLike({ Statement: { ManagedRuleGroupStatement: Match.objectLike({ Name: 'AWSManagedRulesCommonRuleSet', RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }] }) } }),
        Match.objectLike({ Statement: { ManagedRuleGroupStatement: Match.objectLike({ Name: 'AWSManagedRulesKnownBadInputsRuleSet' }) } }),
      ],
    });
    bedrockT.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  test('the handler runs Node.js 24 on arm64 with tracing, its templates and limits in the environment', () => {
    bedrockT.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({
        BACKEND: 'bedrock', MAX_INPUT_TOKENS: '2048', MAX_OUTPUT_TOKENS: '512', PROMPT_TEMPLATES: JSON.stringify([TEMPLATE]),
        FEEDBACK_PREFIX: 'feedback/', GUARDRAIL_ID: Match.anyValue(), GUARDRAIL_VERSION: Match.anyValue(),
      }) },
    });
  });

  test('the handler may invoke exactly its model, apply its guardrail, and read/write feedback/ only', () => {
    const roleRef = { Ref: Match.stringLikeRegexp('^ApiHandlerServiceRole') };
    const policies = Object.values(bedrockT.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleRef] } }));
    const statements = policies.flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const invoke = statements.find((s) => ([] as string[]).concat(s.Action).includes('bedrock:InvokeModel'))!;
    expect(invoke.Action).toEqual(['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream']);
    expect(JSON.stringify(invoke.Resource)).toContain('foundation-model/amazon.nova-lite-v1:0');
    expect(statements.find((s) => s.Action === 'bedrock:ApplyGuardrail')!.Resource).toEqual({ 'Fn::GetAtt': [bedrockApi.stack.getLogicalId(bedrockApi.api.guardrail!), 'GuardrailArn'] });
    const s3 = statements.filter((s) => JSON.stringify(s.Action).includes('s3:'));
    for (const s of s3) expect(JSON.stringify(s.Resource)).toMatch(/feedback\/\*|"Fn::GetAtt":\["Datasets/);
    expect(JSON.stringify(statements)).not.toMatch(/sagemaker:|s3:Delete/);
  });

  test('grantInvoke gives execute-api:Invoke on the three protected methods of the live stage', () => {
    bedrockT.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'execute-api:Invoke', Resource: ['feedback', 'generate', 'generate/stream'].map((p) => Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`/POST/v1/${p}`])] })) })] },
    });
  });

  test('the guardrail filters content, masks or blocks PII, and is encrypted with a customer key', () => {
    bedrockT.hasResourceProperties('AWS::Bedrock::Guardrail', {
      ContentPolicyConfig: { FiltersConfig: Match.arrayWith([{ Type: 'HATE', InputStrength: 'HIGH', OutputStrength: 'HIGH' }, { Type: 'PROMPT_ATTACK', InputStrength: 'HIGH', OutputStrength: 'NONE' }]) },
      SensitiveInformationPolicyConfig: { PiiEntitiesConfig: Match.arrayWith([{ Type: 'EMAIL', Action: 'ANONYMIZE' }, { Type: 'CREDIT_DEBIT_CARD_NUMBER', Action: 'BLOCK' }]) },
      KmsKeyArn: Match.anyValue(),
    });
    bedrockT.resourceCountIs('AWS::Bedrock::GuardrailVersion', 1);
  });

  test('no key policy lets a service principal use its key without aws:SourceAccount or aws:SourceArn; Bedrock gets none on the guardrail key', () => {
    for (const t of [bedrockT, endpointT]) {
      for (const key of Object.values(t.findResources('AWS::KMS::Key'))) {
        for (const statement of key.Properties.KeyPolicy.Statement as { Principal?: { Service?: unknown }; Condition?: Record<string, Record<string, unknown>> }[]) {
          if (statement.Principal?.Service === undefined) continue;
          expect(statement.Principal.Service).not.toBe('bedrock.amazonaws.com');
          const keys = Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c));
          expect(keys.some((k) => k === 'aws:SourceAccount' || k === 'aws:SourceArn' || k === 'kms:EncryptionContext:aws:logs:arn')).toBe(true);
        }
      }
    }
  });

  test('an endpoint backend is invoked on its endpoint only; API keys come with a usage plan and quota', () => {
    endpointT.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Action: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'], Effect: 'Allow', Resource: 'arn:aws:sagemaker:us-east-1:111122223333:endpoint/chat' }]) },
    });
    for (const m of Object.values(methods(endpointT))) {
      if (m.Properties.HttpMethod === 'POST') expect(m.Properties.ApiKeyRequired).toBe(true);
    }
    endpointT.hasResourceProperties('AWS::ApiGateway::UsagePlan', { Quota: { Limit: 500, Period: 'DAY' }, Throttle: { RateLimit: 5, BurstLimit: 8 } });
    endpointT.resourceCountIs('AWS::ApiGateway::ApiKey', 1);
    endpointT.resourceCountIs('AWS::WAFv2::WebACL', 0);
  });

  test('Cognito authorization puts a user pool authorizer on every protected method', () => {
    const t = templateOf(cognitoApi.stack);
    t.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS', ProviderARNs: ['arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_abc'] });
    for (const m of Object.values(methods(t))) expect(m.Properties.AuthorizationType).toBe(m.Properties.HttpMethod === 'GET' ? 'NONE' : 'COGNITO_USER_POOLS');
  });
});

describe('GenerativeApi records, feedback and guardrails', () => {
  test('records S3 does not take go to a KMS-encrypted queue, kept 14 days, that the handler may only send to', () => {
    bedrockT.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiRecordDeadLettersKey'), 'Arn'] }, MessageRetentionPeriod: 1_209_600, MaximumMessageSize: 1_048_576 });
    bedrockT.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
    bedrockT.hasResourceProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] } });
    const roleRef = { Ref: Match.stringLikeRegexp('^ApiHandlerServiceRole') };
    const statements = Object.values(bedrockT.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleRef] } }))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    const sqsActions = statements.flatMap((s) => ([] as string[]).concat(s.Action)).filter((a) => a.startsWith('sqs:'));
    expect(sqsActions).toEqual(['sqs:SendMessage']);
    expect(statements.find((s) => s.Action === 'sqs:SendMessage')!.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ApiRecordDeadLetters/), 'Arn'] });
    const kms = statements.find((s) => JSON.stringify(s.Resource).includes('RecordDeadLettersKey'))!;
    expect(kms.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    bedrockT.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('^ApiRecordDeadLetters') }, RECORD_TIMEOUT_MS: '3000' }) } });
    // Every variable is one the handler reads (lib/runtime/api/settings.ts), or Lambda's and Powertools' own.
    for (const t of [bedrockT, endpointT, templateOf(reviewedApi.stack)]) {
      for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) {
        const names = Object.keys((fn.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables ?? {});
        expect(names.filter((n) => !(SETTING_VARIABLES as readonly string[]).includes(n) && !['POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_LOG_LEVEL', 'NODE_OPTIONS'].includes(n))).toEqual([]);
      }
    }
  });

  test('an alarm goes off as soon as the dead-letter queue holds a record', () => {
    bedrockT.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Statistic: 'Maximum', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiRecordDeadLetters'), 'QueueName'] } }], TreatMissingData: 'notBreaching',
      AlarmDescription: Match.stringLikeRegexp('replay them'),
    });
  });

  test('the fallback metrics are named as the handler publishes them, one series per function', () => {
    const metric = bedrockApi.api.metricRecordsDeadLettered();
    expect(metric).toMatchObject({ namespace: 'GenAiLifecycle', metricName: 'RecordsDeadLettered', statistic: 'Sum' });
    expect(Object.keys(metric.dimensions!)).toEqual(['service', 'function']);
    expect(bedrockApi.api.metricRecordsLost().metricName).toBe('RecordsLost');
  });

  test('route metrics name the service the handler publishes under: this API\'s own, distinct from another API\'s', () => {
    const api = bedrockApi.api;
    expect(api.serviceName).toBe('BedrockApi/Api');
    expect(endpointApi.api.serviceName).not.toBe(api.serviceName);
    const fn = Object.values(templateOf(bedrockApi.stack).findResources('AWS::Lambda::Function')).find((r) => (r.Properties as { Handler?: string }).Handler === 'index.handler')!;
    expect((fn.Properties as { Environment: { Variables: Record<string, string> } }).Environment.Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: api.serviceName, POWERTOOLS_METRICS_NAMESPACE: API_METRICS_NAMESPACE });
    const metrics = [api.metricSuccesses(), api.metricClientErrors(), api.metricServerErrors(), api.metricLatency(), api.metricTimeToFirstToken(), api.metricInputTokens(), api.metricOutputTokens()];
    expect(metrics.map((m) => m.metricName)).toEqual([...API_ROUTE_METRICS]);
    for (const m of metrics) expect(m).toMatchObject({ namespace: API_METRICS_NAMESPACE, dimensions: { service: api.serviceName, route: '/v1/generate' } });
    expect(api.metricLatency({ route: '/v1/feedback' }).dimensions).toEqual({ service: api.serviceName, route: '/v1/feedback' });
    expect(api.metricLatency().statistic).toBe('p90');
  });

  test('the handler has the model\'s time, then the record\'s, before Lambda stops it', () => {
    // modelTimeout 2 min + recordTimeout (default 3 s, here 5 s) + 15 s
    bedrockT.hasResourceProperties('AWS::Lambda::Function', { Timeout: 138, Environment: { Variables: Match.objectLike({ BACKEND: 'bedrock' }) } });
    templateOf(reviewedApi.stack).hasResourceProperties('AWS::Lambda::Function', { Timeout: 140, Environment: { Variables: Match.objectLike({ RECORD_TIMEOUT_MS: '5000' }) } });
  });

  test('the feedback model bounds a correction by what an answer may be: the output token limit at 4 characters a token', () => {
    expect(feedbackSchema(LIMITS)).toMatchObject({ properties: { correction: { maxLength: 512 * 4 } } });
    bedrockT.hasResourceProperties('AWS::ApiGateway::Model', { Name: Match.absent(), Schema: { $schema: 'http://json-schema.org/draft-04/schema#', ...feedbackSchema(LIMITS) } });
  });

  test('reviewers reach the handler by ARN; a deployment may refuse caller-written assistant turns', () => {
    templateOf(reviewedApi.stack).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ FEEDBACK_REVIEWER_PRINCIPALS: 'arn:aws:iam::111122223333:role/feedback-reviewer' }) } });
    endpointT.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ASSISTANT_TURNS: 'false' }) } });
    expect(reviewer.roleArn).toBe('arn:aws:iam::111122223333:role/feedback-reviewer');
  });

  test('an endpoint backend gets its guardrail through ApplyGuardrail: the same guardrail, and the permission to apply it', () => {
    endpointT.resourceCountIs('AWS::Bedrock::Guardrail', 1);
    endpointT.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ BACKEND: 'sagemaker', GUARDRAIL_ID: Match.anyValue(), GUARDRAIL_VERSION: Match.anyValue() }) } });
    endpointT.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'bedrock:ApplyGuardrail' })]) } });
  });
});

describe('GenerativeApi validation', () => {
  const build = (props: Partial<GenerativeApiProps>) => () => {
    const stack = new Stack(newApp(), 'S', { env });
    const datasets = new DatasetStore(stack, 'D');
    return new GenerativeApi(stack, 'Api', {
      backend: ApiBackend.endpoint(InferenceEndpoint.fromEndpointAttributes(stack, 'E', { endpointName: 'x' }), { displayName: 'x' }),
      datasets, limits: LIMITS, throttling: { rateLimit: 1, burstLimit: 1 }, ...props,
    });
  };

  test('fails when template ids repeat and a placeholder is broken, reporting both', () => {
    expect(build({ promptTemplates: [TEMPLATE, { ...TEMPLATE, user: 'Q: {{question}' }] }))
      .toThrow(/2 problems[\s\S]*promptTemplates\[1\]\.id "answer" is used twice[\s\S]*promptTemplates\[1\]\.user has an unmatched "\{\{"/);
  });

  test('fails when the templates outgrow the handler environment', () => {
    expect(build({ promptTemplates: [{ ...TEMPLATE, system: 'x'.repeat(4000) }] })).toThrow(/promptTemplates take \d+ bytes; they travel in the handler's environment, which Lambda limits to 4 KB/);
  });

  test('fails when tools are asked of a Bedrock model without tool use, naming the feature table', () => {
    const withTitan = () => {
      const stack = new Stack(newApp(), 'S', { env });
      const model = new BedrockModel(stack, 'M', { source: BedrockModelSource.foundationModel('amazon.titan-text-express-v1') });
      return new GenerativeApi(stack, 'Api', {
        backend: ApiBackend.bedrock(model, { displayName: 'amazon.titan-text-express-v1' }),
        datasets: new DatasetStore(stack, 'D'), limits: LIMITS, throttling: { rateLimit: 1, burstLimit: 1 }, tools: [ApiTool.CALCULATOR],
      });
    };
    expect(withTitan).toThrow(/amazon\.titan-text-express-v1 does not support tool use \(Bedrock user guide, .*Supported models and model features.*row Amazon Titan models\)/);
  });

  test('fails when feedback reviewers are named another way than callers authenticate', () => {
    expect(build({ authorization: ApiAuthorization.apiKeys(), feedbackReviewers: FeedbackReviewers.cognitoGroups('reviewers') }))
      .toThrow(/feedbackReviewers are Cognito groups, but the API is authorized by API keys; name reviewers the way callers authenticate \(FeedbackReviewers\.apiKeys\)/);
  });

  test('fails when feedback reviewers name nobody, or a group name would not survive the list', () => {
    expect(build({ authorization: ApiAuthorization.cognito(cognito.UserPool.fromUserPoolArn(new Stack(newApp(), 'P', { env }), 'Pool', 'arn:aws:cognito-idp:us-east-1:111122223333:userpool/us-east-1_abc')), feedbackReviewers: FeedbackReviewers.cognitoGroups('a,b') }))
      .toThrow(/group "a,b" has a comma/);
    expect(build({ feedbackReviewers: FeedbackReviewers.iamRoles() })).toThrow(/feedbackReviewers names nobody/);
  });

  test('fails when the record timeout is out of range', () => {
    expect(build({ recordTimeout: Duration.seconds(30) })).toThrow(/recordTimeout is 30000 ms; use 100 ms to 10 s/);
  });

  test('fails when throttling is not positive', () => {
    expect(build({ throttling: { rateLimit: 0, burstLimit: 0.5 } })).toThrow(/throttling\.rateLimit is 0[\s\S]*throttling\.burstLimit is 0\.5/);
  });
});
