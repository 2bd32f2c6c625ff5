// Resources made elsewhere, imported by their attributes: each import grants what the construct itself grants,
// on the resource it names, and a GenerativeApi import reads the metrics that API publishes.
import { App, Resource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BedrockModel, DatasetStore, FineTuningWorkflow, GenerativeApi, InferenceEndpoint, KnowledgeBase } from '../../lib';

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
