// LifecycleDashboard on its own: sections only for what it is given, imported resources included.
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BedrockModel } from '../../lib/constructs/bedrock-model';
import { InferenceEndpoint } from '../../lib/constructs/inference-endpoint';
import { FineTuningWorkflow } from '../../lib/constructs/fine-tuning-workflow';
import { LifecycleDashboard } from '../../lib/constructs/lifecycle-dashboard';
import { dashboardOf } from '../support/dashboard';

const env = { account: '111122223333', region: 'us-east-1' };

test('an endpoint made elsewhere: its invocations per variant, GPU sums as SageMaker publishes them unless told the GPUs', () => {
  const stack = new Stack(undefined, 'Imported', { env });
  const endpoint = InferenceEndpoint.fromEndpointAttributes(stack, 'Endpoint', { endpointName: 'chat', variantName: 'Blue' });
  const sums = new LifecycleDashboard(stack, 'Sums', { endpoint });
  const perGpu = new LifecycleDashboard(stack, 'PerGpu', { endpoint: InferenceEndpoint.fromEndpointAttributes(stack, 'Other', { endpointName: 'other' }), gpusPerInstance: 4 });
  expect(sums.sections).toEqual(['endpoint']);
  expect(perGpu.sections).toEqual(['endpoint']);
  const bodies = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard')).map((r) => JSON.stringify(r.Properties.DashboardBody));
  expect(bodies[0]).toContain('GPU utilization (sum over GPUs)');
  expect(bodies[0]).toContain('\\"EndpointName\\",\\"chat\\",\\"VariantName\\",\\"Blue\\"');
  expect(bodies[1]).toContain('gpu / 4');
});

test('a Bedrock model and a workflow made elsewhere: searches over the ids the model is called by, runs of the state machine', () => {
  const stack = new Stack(undefined, 'Elsewhere', { env });
  const bedrockModel = BedrockModel.fromBedrockModelAttributes(stack, 'Model', { invocationId: 'amazon.nova-lite-v1:0', resourceArns: ['*'] });
  const fineTuning = FineTuningWorkflow.fromFineTuningWorkflowAttributes(stack, 'Workflow', { stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:tune' });
  const dashboard = new LifecycleDashboard(stack, 'Dashboard', { bedrockModel, fineTuning });
  expect(dashboard.sections).toEqual(['bedrock', 'fine-tuning']);
  const d = dashboardOf(Template.fromStack(stack));
  expect(d.searches.map((s) => [s.metricName, s.modelIds])).toEqual(expect.arrayContaining([['InputTokenCount', ['amazon.nova-lite-v1:0']], ['InvocationThrottles', ['amazon.nova-lite-v1:0']]]));
  // An imported workflow does not say where it trains: no training-job widget.
  expect(d.searches.filter((s) => s.namespace === 'AWS/States')).toEqual([]);
  expect(d.metrics.filter((m) => m.namespace === 'AWS/States').map((m) => m.dimensions)).toEqual(expect.arrayContaining([{ StateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:tune' }]));
});

test('nothing given, nothing shown', () => {
  const stack = new Stack(undefined, 'Empty', { env });
  expect(new LifecycleDashboard(stack, 'Dashboard', {}).sections).toEqual([]);
});
