import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, Stack, Stage, Validations } from 'aws-cdk-lib';
import { DEPLOY_RULES, DeployRulesPlugin } from '../../lib/validation/deploy-rules';
import { DLC_ACCOUNT_MATCHES_REGION, ENDPOINT_INSTANCE_EXISTS, KMS_KEY_ON_NVME, PRODUCTION_ENDPOINT_OBSERVED, STARTUP_TIMEOUT, TENSOR_PARALLEL_OVER_DEVICES } from '../../lib/validation/rules/endpoint-rules';
import type { CfnTemplate, IDeployRule } from '../../lib/validation/rules/template';
import { GUARDRAIL_CUSTOMER_KEY, SPOT_WAIT_COVERS_RUNTIME, TRAINING_IMAGE_REGION, TRAINING_INSTANCE_EXISTS } from '../../lib/validation/rules/workflow-rules';
import { CDK_CONTEXT, synthesize } from '../support/synth';

const IMAGE = '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.36.0-lmi28.0.0-cu130';
const model = (env: Record<string, string>, image = IMAGE) => ({ Type: 'AWS::SageMaker::Model', Properties: { PrimaryContainer: { Image: image, Environment: env } } });
const config = (variant: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::SageMaker::EndpointConfig',
  Properties: { ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: { 'Fn::GetAtt': ['Model', 'ModelName'] }, InitialInstanceCount: 1, ...variant }], ...extra },
});
const machine = (train: Record<string, unknown>, plan?: Record<string, unknown>) => ({
  Type: 'AWS::StepFunctions::StateMachine',
  Properties: { DefinitionString: { 'Fn::Join': ['', [JSON.stringify({ StartAt: 'Train', States: {
    ...(plan ? { 'Plan-lora': { Type: 'Pass', Parameters: { resourceConfig: plan } } } : {}),
    Train: { Type: 'Task', Resource: 'arn:aws:states:::sagemaker:createTrainingJob.sync', Parameters: train, End: true },
  } })]] } },
});
const GOOD_TRAIN = { EnableManagedSpotTraining: true, StoppingCondition: { MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 }, AlgorithmSpecification: { TrainingImage: '763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04' } };
const QWEN = { HF_MODEL_ID: 'Qwen/Qwen2.5-7B-Instruct', TENSOR_PARALLEL_DEGREE: '1' };

/** Runs one rule on the resource `id` of a template. */
function run(rule: IDeployRule, resources: CfnTemplate['Resources'], id: string, options: { region?: string; production?: boolean } = {}) {
  const template = { Resources: resources };
  return rule.check({ template, logicalId: id, resource: resources![id], region: options.region ?? 'us-east-1', production: options.production ?? false });
}

// GIVEN a compliant and a non-compliant resource per rule, WHEN checked, THEN only the second is reported.
const cases: [IDeployRule, CfnTemplate['Resources'], CfnTemplate['Resources'], string, RegExp, { region?: string; production?: boolean }?][] = [
  [KMS_KEY_ON_NVME, { Model: model(QWEN), Config: config({ InstanceType: 'ml.inf2.xlarge' }, { KmsKeyId: 'key' }) }, { Model: model(QWEN), Config: config({ InstanceType: 'ml.g5.2xlarge' }, { KmsKeyId: 'key' }) }, 'Config', /ml\.g5\.2xlarge has local NVMe storage/],
  [STARTUP_TIMEOUT, { Model: model(QWEN), Config: config({ InstanceType: 'ml.g6.xlarge', ContainerStartupHealthCheckTimeoutInSeconds: 1200 }) }, { Model: model(QWEN), Config: config({ InstanceType: 'ml.g6.xlarge', ContainerStartupHealthCheckTimeoutInSeconds: 600 }) }, 'Config', /loading Qwen\/Qwen2\.5-7B-Instruct at bf16 needs at least 1026 s, but the timeout is 600 s/],
  [TENSOR_PARALLEL_OVER_DEVICES, { Model: model(QWEN), Config: config({ InstanceType: 'ml.g5.12xlarge' }) }, { Model: model({ ...QWEN, TENSOR_PARALLEL_DEGREE: '8' }), Config: config({ InstanceType: 'ml.g5.12xlarge' }) }, 'Config', /TENSOR_PARALLEL_DEGREE=8, but ml\.g5\.12xlarge has 4 GPUs/],
  [DLC_ACCOUNT_MATCHES_REGION, { Model: model(QWEN, IMAGE.replace(/763104351884(.*)us-east-1/, '626614931356$1af-south-1')) }, { Model: model(QWEN) }, 'Model', /the image is in us-east-1, but the stack deploys to af-south-1/, { region: 'af-south-1' }],
  [ENDPOINT_INSTANCE_EXISTS, { Model: model(QWEN), Config: config({ InstanceType: 'ml.g6e.xlarge' }) }, { Model: model(QWEN), Config: config({ InstanceType: 'ml.g9.huge' }) }, 'Config', /ml\.g9\.huge is not a SageMaker hosting instance type/],
  [PRODUCTION_ENDPOINT_OBSERVED,
    { Config: config({ InstanceType: 'ml.g6.xlarge' }, { DataCaptureConfig: { EnableCapture: true } }), Endpoint: { Type: 'AWS::SageMaker::Endpoint', Properties: { EndpointName: 'chat', EndpointConfigName: { 'Fn::GetAtt': ['Config', 'EndpointConfigName'] } } }, Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Dimensions: [{ Name: 'EndpointName', Value: 'chat' }] } } },
    { Config: config({ InstanceType: 'ml.g6.xlarge' }), Endpoint: { Type: 'AWS::SageMaker::Endpoint', Properties: { EndpointName: 'chat', EndpointConfigName: { 'Fn::GetAtt': ['Config', 'EndpointConfigName'] } } } },
    'Endpoint', /its endpoint config captures no traffic/, { production: true }],
  [SPOT_WAIT_COVERS_RUNTIME, { M: machine(GOOD_TRAIN) }, { M: machine({ ...GOOD_TRAIN, StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 3600 } }) }, 'M', /MaxWaitTimeInSeconds 3600 but MaxRuntimeInSeconds is 7200/],
  [TRAINING_INSTANCE_EXISTS, { M: machine(GOOD_TRAIN, { InstanceType: 'ml.g5.2xlarge', InstanceCount: 1 }) }, { M: machine(GOOD_TRAIN, { InstanceType: 'ml.g5.huge', InstanceCount: 1 }) }, 'M', /state Plan-lora: ml\.g5\.huge is not a SageMaker training instance type/],
  [TRAINING_IMAGE_REGION, { M: machine(GOOD_TRAIN) }, { M: machine(GOOD_TRAIN) }, 'M', /the image is in us-east-1, but the stack deploys to eu-west-1/, { region: 'eu-west-1' }],
  [GUARDRAIL_CUSTOMER_KEY, { G: { Type: 'AWS::Bedrock::Guardrail', Properties: { KmsKeyArn: 'arn' } } }, { G: { Type: 'AWS::Bedrock::Guardrail', Properties: {} } }, 'G', /encrypted with an AWS owned key/],
];

describe('deploy-failure rules', () => {
  test('every rule has a case here', () => {
    expect(cases.map((c) => c[0].id).sort()).toEqual(DEPLOY_RULES.map((r) => r.id).sort());
  });

  // One object per row: with positional arguments jest takes a missing last one for a done callback.
  const rows = cases.map(([rule, good, bad, id, message, options]) => ({ name: rule.id, rule, good, bad, id, message, options }));
  test.each(rows)('$name passes a compliant resource and fails when misconfigured', ({ rule, good, bad, id, message, options }) => {
    // The compliant case for region rules uses the default region (us-east-1) where the image matches.
    const goodOptions = rule === DLC_ACCOUNT_MATCHES_REGION ? { region: 'af-south-1' } : rule === TRAINING_IMAGE_REGION ? {} : options;
    expect(run(rule, good, id, goodOptions)).toEqual([]);
    const findings = run(rule, bad, id, options);
    expect(findings.map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });

  test('the production rule is off outside production', () => {
    const [, , bad, id] = cases.find((c) => c[0] === PRODUCTION_ENDPOINT_OBSERVED)!;
    expect(run(PRODUCTION_ENDPOINT_OBSERVED, bad, id, { production: false })).toEqual([]);
  });
});

describe('DeployRulesPlugin fails synthesis', () => {
  // GIVEN one stack with every deploy-failure case planted, in a stage that runs the kit's rules
  const app = new App({ context: CDK_CONTEXT, postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true }, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'rules-')) });
  const stage = new Stage(app, 'Planted');
  Validations.of(stage).addPlugins(new DeployRulesPlugin({ production: true }));
  const stack = new Stack(stage, 'Bad', { env: { account: '111122223333', region: 'eu-west-1' } });
  const plant = (id: string, r: { Type: string; Properties?: Record<string, unknown> }) => new CfnResource(stack, id, { type: r.Type, properties: r.Properties });
  plant('Model', model({ ...QWEN, TENSOR_PARALLEL_DEGREE: '8' }));
  plant('Config', config({ InstanceType: 'ml.g5.2xlarge', ContainerStartupHealthCheckTimeoutInSeconds: 600 }, { KmsKeyId: 'key' }));
  plant('ConfigUnknown', { Type: 'AWS::SageMaker::EndpointConfig', Properties: { ProductionVariants: [{ VariantName: 'A', InstanceType: 'ml.g9.huge', ModelName: { 'Fn::GetAtt': ['Model', 'ModelName'] } }] } });
  plant('Endpoint', { Type: 'AWS::SageMaker::Endpoint', Properties: { EndpointName: 'chat', EndpointConfigName: { 'Fn::GetAtt': ['Config', 'EndpointConfigName'] } } });
  plant('Machine', machine({ ...GOOD_TRAIN, StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 3600 } }, { InstanceType: 'ml.g5.huge', InstanceCount: 1 }));
  plant('Guardrail', { Type: 'AWS::Bedrock::Guardrail', Properties: { Name: 'g', BlockedInputMessaging: 'x', BlockedOutputsMessaging: 'y' } });
  const outcome = synthesize(app);

  test('synthesis fails', () => {
    expect(outcome.error?.name).toBe('ValidationFailed');
  });

  test.each(DEPLOY_RULES.map((r) => r.id))('the report names %s', (id) => {
    expect(outcome.findings.filter((f) => f.plugin === DeployRulesPlugin.NAME).map((f) => f.rule)).toContain(id);
  });
});
