// Resources made elsewhere, imported by their attributes: each import grants what the construct itself grants,
// on the resource it names, and a GenerativeApi import reads the metrics that API publishes.
import { App, Resource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ApiBackend, BedrockModel, BedrockModelSource, DatasetStore, FineTuningBackend, FineTuningWorkflow, GenerativeApi, ModelApproval, InferenceEndpoint, KnowledgeBase, ModelSource } from '../../lib';

function setup() {
  const stack = new Stack(new App(), 'Consumer', { env: { account: '111122223333', region: 'us-west-2' } });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
  return { stack, role };
}

function statements(stack: Stack): { Action: unknown; Resource: unknown }[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
}

test('every import is a Resource of its stack', () => {
  const { stack } = setup();
  const imports = [
    DatasetStore.fromDatasetStoreAttributes(stack, 'Store', { bucketArn: 'arn:aws:s3:::data', encryptionKeyArn: 'arn:aws:kms:us-west-2:111122223333:key/k' }),
    InferenceEndpoint.fromEndpointAttributes(stack, 'Endpoint', { endpointName: 'chat' }),
    BedrockModel.fromBedrockModelAttributes(stack, 'Model', { invocationId: 'amazon.nova-lite-v1:0', resourceArns: ['arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-lite-v1:0'] }),
    KnowledgeBase.fromKnowledgeBaseAttributes(stack, 'Kb', { knowledgeBaseId: 'KB12345678' }),
    GenerativeApi.fromGenerativeApiAttributes(stack, 'Api', { restApiId: 'abc123', serviceName: 'Serving/Api' }),
    FineTuningWorkflow.fromFineTuningWorkflowAttributes(stack, 'Workflow', { stateMachineArn: 'arn:aws:states:us-west-2:111122223333:stateMachine:tune' }),
  ];
  for (const imported of imports) {
    expect(Resource.isResource(imported)).toBe(true);
    expect(imported.stack).toBe(stack);
    expect(imported.env.region).toBe('us-west-2');
  }
});

test('an imported knowledge base grants Retrieve and ingestion on its ARN', () => {
  const { stack, role } = setup();
  const kb = KnowledgeBase.fromKnowledgeBaseAttributes(stack, 'Kb', { knowledgeBaseId: 'KB12345678' });
  expect(kb.knowledgeBaseArn).toMatch(/knowledge-base\/KB12345678$/);
  kb.grantRetrieve(role);
  kb.grantIngest(role);
  const arn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':bedrock:us-west-2:111122223333:knowledge-base/KB12345678']] };
  expect(statements(stack)).toEqual([
    expect.objectContaining({ Action: 'bedrock:Retrieve', Resource: arn }),
    expect.objectContaining({ Action: ['bedrock:StartIngestionJob', 'bedrock:GetIngestionJob', 'bedrock:ListIngestionJobs'], Resource: arn }),
  ]);
});

test('an imported Bedrock model grants invocation on exactly the ARNs it names', () => {
  const { stack, role } = setup();
  const arns = ['arn:aws:bedrock:us-west-2:111122223333:inference-profile/us.amazon.nova-lite-v1:0', 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0'];
  const model = BedrockModel.fromBedrockModelAttributes(stack, 'Model', { invocationId: 'us.amazon.nova-lite-v1:0', resourceArns: arns });
  expect(model.invocationId).toBe('us.amazon.nova-lite-v1:0');
  model.grantInvoke(role);
  expect(statements(stack)).toEqual([expect.objectContaining({ Action: ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'], Resource: arns })]);
});

test('an imported API grants Invoke on its live stage\'s methods and reads its own metric series', () => {
  const { stack, role } = setup();
  const api = GenerativeApi.fromGenerativeApiAttributes(stack, 'Api', { restApiId: 'abc123', serviceName: 'Serving/Api' });
  expect(stack.resolve(api.url)).toEqual({ 'Fn::Join': ['', ['https://abc123.execute-api.us-west-2.', { Ref: 'AWS::URLSuffix' }, '/live/']] });
  api.grantInvoke(role);
  const [statement] = statements(stack);
  expect(statement.Action).toBe('execute-api:Invoke');
  expect(JSON.stringify(statement.Resource)).toMatch(/:execute-api:us-west-2:111122223333:abc123\/live\/POST\/v1\/generate".*abc123\/live\/POST\/v1\/generate\/stream".*abc123\/live\/POST\/v1\/feedback"/);
  const metric = api.metricTimeToFirstToken({ route: '/v1/generate/stream' });
  expect({ namespace: metric.namespace, name: metric.metricName, dimensions: metric.dimensions, statistic: metric.statistic })
    .toEqual({ namespace: 'GenAiLifecycle', name: 'TimeToFirstTokenMs', dimensions: { service: 'Serving/Api', route: '/v1/generate/stream' }, statistic: 'p90' });
});

test('an imported workflow grants starting and watching its state machine', () => {
  const { stack, role } = setup();
  const workflow = FineTuningWorkflow.fromFineTuningWorkflowAttributes(stack, 'Workflow', { stateMachineArn: 'arn:aws:states:us-west-2:111122223333:stateMachine:tune' });
  workflow.grantStartExecution(role);
  const actions = statements(stack).flatMap((s) => [s.Action].flat());
  expect(actions).toEqual(expect.arrayContaining(['states:StartExecution', 'states:DescribeExecution', 'sagemaker:DescribeTrainingJob', 'sagemaker:ListTrainingJobs']));
  expect(JSON.stringify(statements(stack)[0].Resource)).toContain('stateMachine:tune');
});

describe('a role of the caller\'s', () => {
  // Roles made in the same stack and passed in: each construct uses it instead of making one, and gives it what it needs.
  const stack = new Stack(new App(), 'Roles', { env: { account: '111122223333', region: 'us-west-2' } });
  const datasets = new DatasetStore(stack, 'Datasets');
  const role = (id: string, service: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal(service) });
  const kbRole = role('MyKbRole', 'bedrock.amazonaws.com');
  const endpointRole = role('MyEndpointRole', 'sagemaker.amazonaws.com');
  const jobRole = role('MyJobRole', 'bedrock.amazonaws.com');
  const handlerRole = role('MyHandlerRole', 'lambda.amazonaws.com');
  const kb = new KnowledgeBase(stack, 'Kb', { datasets, role: kbRole });
  const endpoint = new InferenceEndpoint(stack, 'Endpoint', { source: ModelSource.huggingFace('Qwen/Qwen2.5-7B-Instruct'), limits: { maxInputTokens: 2048, maxOutputTokens: 512, concurrency: 4 }, role: endpointRole });
  const workflow = new FineTuningWorkflow(stack, 'Tune', {
    datasets, jobRole, backend: FineTuningBackend.bedrock({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0' }),
    gate: { thresholds: { validation_loss: { max: 1.5 } } }, approval: ModelApproval.MANUAL, defaultKeys: { validationKey: 'validation/x.jsonl' },
  });
  const model = new BedrockModel(stack, 'Model', { source: BedrockModelSource.foundationModel('amazon.nova-lite-v1:0') });
  const api = new GenerativeApi(stack, 'Api', {
    backend: ApiBackend.bedrock(model, { displayName: 'nova-lite' }), datasets, role: handlerRole,
    limits: { maxInputTokens: 2048, maxOutputTokens: 512 }, throttling: { rateLimit: 5, burstLimit: 10 },
  });
  const t = Template.fromStack(stack);
  const actionsOn = (r: iam.IRole) => Object.values(t.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles).includes(stack.getLogicalId(r.node.defaultChild as iam.CfnRole)))
    .flatMap((p) => (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((s) => [s.Action].flat()));

  test('is the role each construct exposes and uses, and no other role is made for it', () => {
    expect([kb.role, endpoint.role, workflow.jobRole, api.handler.role]).toEqual([kbRole, endpointRole, jobRole, handlerRole]);
    const roles = Object.keys(t.findResources('AWS::IAM::Role'));
    expect(roles).toEqual(expect.arrayContaining(['MyKbRole', 'MyEndpointRole', 'MyJobRole', 'MyHandlerRole'].map((id) => expect.stringMatching(new RegExp(`^${id}`)))));
    expect(roles.filter((id) => /^(KbRole|EndpointRole|TuneCustomizationRole|ApiHandlerServiceRole)/.test(id))).toEqual([]);
  });

  test('receives the policies the construct would give its own role', () => {
    expect(actionsOn(kbRole)).toEqual(expect.arrayContaining(['bedrock:InvokeModel', 's3:GetObject', 'kms:Decrypt', 's3vectors:PutVectors']));
    expect(actionsOn(endpointRole)).toEqual(expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'cloudwatch:PutMetricData', 'logs:CreateLogGroup', 'logs:PutLogEvents']));
    expect(actionsOn(jobRole)).toEqual(expect.arrayContaining(['s3:GetObject', 's3:PutObject']));
    // Lambda attaches no managed policy to a given role: the API grants its own log group, and the rest as always.
    expect(actionsOn(handlerRole)).toEqual(expect.arrayContaining(['logs:CreateLogStream', 'logs:PutLogEvents', 'bedrock:InvokeModel', 's3:PutObject', 'sqs:SendMessage', 'xray:PutTraceSegments']));
  });
});
