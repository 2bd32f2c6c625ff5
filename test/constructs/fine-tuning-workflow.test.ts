import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DatasetPrefix } from '../../lib/config/dataset-layout';
import { DatasetFormat } from '../../lib/datasets/formats';
import { DatasetStore } from '../../lib/constructs/dataset-store';
import { FineTuningBackend, type FineTuningBackendBindOptions, ModelApproval, type FineTuningBackendConfig } from '../../lib/constructs/fine-tuning-backend';
import { FineTuningMethod } from '../../lib/config/training-rules';
import { evaluationInstance } from '../../lib/constructs/fine-tuning-plan';
import { FineTuningWorkflow, type FineTuningWorkflowProps } from '../../lib/constructs/fine-tuning-workflow';
import { InstanceType } from '../../lib/sizing/instances';
import { newApp, synthesize, templateOf } from '../support/synth';

const env = { account: '111122223333', region: 'us-east-1' };
const QWEN = 'Qwen/Qwen2.5-7B-Instruct';
const GATE = { thresholds: { rouge_l: { min: 0.3 } }, minImprovement: { rouge_l: 0 } };

// One app: a SageMaker workflow (QLoRA + DPO, spot, manual approval, trigger) and a Bedrock one.
const app = newApp();
function workflow(id: string, props: Omit<FineTuningWorkflowProps, 'datasets'>, region = env.region) {
  const stack = new Stack(app, id, { env: { ...env, region } });
  const datasets = new DatasetStore(stack, 'Datasets');
  return { stack, wf: new FineTuningWorkflow(stack, 'FineTuning', { datasets, ...props }) };
}
const sm = workflow('SageMaker', {
  backend: FineTuningBackend.sagemaker({ baseModel: QWEN, methods: [FineTuningMethod.QLORA, FineTuningMethod.DPO], spot: true, maxRuntime: Duration.hours(6), maxWait: Duration.hours(12) }),
  gate: GATE, approval: ModelApproval.MANUAL, defaultKeys: { testKey: 'test/support.jsonl' },
  trigger: { method: FineTuningMethod.QLORA, format: DatasetFormat.SFT },
});
const br = workflow('Bedrock', {
  backend: FineTuningBackend.bedrock({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0', hyperParameters: { epochCount: '2' } }),
  gate: { thresholds: { validation_loss: { max: 1.5 } } }, approval: ModelApproval.AUTOMATIC, defaultKeys: { validationKey: 'validation/support.jsonl' },
}, 'us-west-2');
/** A backend of the user's own: one Pass state, a role of its own and a PassRole grant. */
class EchoBackend extends FineTuningBackend {
  readonly service = 'echo';
  problems(): string[] {
    return [];
  }
  bind(scope: Construct, options: FineTuningBackendBindOptions): FineTuningBackendConfig {
    const jobRole = new iam.Role(scope, 'EchoRole', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
    options.datasets.grantRead(jobRole, DatasetPrefix.TRAIN);
    return { jobRole, definition: new sfn.Pass(scope, 'Echo').next(new sfn.Succeed(scope, 'EchoDone')) };
  }
  grantStateMachine(_scope: Construct, role: iam.IRole, _options: FineTuningBackendBindOptions, config: FineTuningBackendConfig): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: [config.jobRole.roleArn] }));
  }
}
const custom = (() => {
  const stack = new Stack(app, 'Custom', { env });
  const datasets = new DatasetStore(stack, 'Datasets');
  return { stack, wf: new FineTuningWorkflow(stack, 'FineTuning', { datasets, backend: new EchoBackend(), gate: GATE, approval: ModelApproval.AUTOMATIC }) };
})();
const result = synthesize(app);

type States = Record<string, { Type: string; Next?: string; Parameters?: Record<string, unknown>; Retry?: { ErrorEquals: string[] }[]; Catch?: { ErrorEquals: string[]; Next: string }[]; Choices?: unknown[]; Default?: string; Resource?: string }>;

/** The state machine definition with tokens as placeholders, parsed. */
function definition(t: Template): { StartAt: string; States: States } {
  const machine = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
  const def = machine.Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  const text = typeof def === 'string' ? def : def['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
  return JSON.parse(text);
}

/** Follows Next from the start, through the first branch of each Choice: the happy path. */
function happyPath(d: { StartAt: string; States: States }, choose: Record<string, string>): string[] {
  const path: string[] = [];
  let name: string | undefined = d.StartAt;
  while (name && path.length < 40) {
    path.push(name);
    const state: States[string] = d.States[name];
    name = state.Type === 'Choice' ? choose[name] ?? state.Default : state.Next;
  }
  return path;
}

describe('FineTuningWorkflow (SageMaker)', () => {
  let t: Template;
  let d: ReturnType<typeof definition>;
  beforeAll(() => {
    t = templateOf(sm.stack);
    d = definition(t);
  });

  test('synthesizes under strict validation', () => {
    expect(result.error).toBeUndefined();
  });

  test('runs validate -> train -> evaluate -> gate -> register -> notify, in that order', () => {
    expect(happyPath(d, { FromFeedback: 'ValidateDataset', ChoosePlan: 'Plan-qlora', Gate: 'Register' })).toEqual([
      'Defaults', 'ApplyDefaults', 'FromFeedback', 'ValidateDataset', 'ChoosePlan', 'Plan-qlora', 'Planned',
      'Train', 'Evaluate', 'LoadMetrics', 'Gate', 'Register', 'NotifySuccess', 'Done',
    ]);
    // DPO from feedback builds its preference data before validating it.
    expect(happyPath(d, { FromFeedback: 'BuildPreferences', ChoosePlan: 'Plan-dpo', Gate: 'Register' }).slice(2, 7)).toEqual(['FromFeedback', 'BuildPreferences', 'UsePreferences', 'Merge', 'ValidateDataset']);
  });

  test('the gate is a Choice on the metrics and the improvement over the base model', () => {
    expect(d.States.Gate).toMatchObject({
      Type: 'Choice',
      Choices: [{ And: [{ Variable: '$.metrics.tuned.rouge_l', NumericGreaterThanEquals: 0.3 }, { Variable: '$.metrics.improvement.rouge_l', NumericGreaterThanEquals: 0 }], Next: 'Register' }],
      Default: 'DescribeGate',
    });
  });

  test('every task retries what is transient and sends any failure to the notifier, then Fail', () => {
    for (const name of ['ValidateDataset', 'Train', 'Evaluate', 'LoadMetrics', 'Register', 'BuildPreferences']) {
      expect(d.States[name].Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'NotifyFailure' })]);
    }
    expect(d.States.Train.Retry).toEqual([expect.objectContaining({ ErrorEquals: ['SageMaker.AmazonSageMakerException'] })]);
    expect(d.States.ValidateDataset.Retry![0].ErrorEquals).toContain('Lambda.TooManyRequestsException');
    expect(d.States.NotifyFailure.Next).toBe('Failed');
    expect(d.States.Failed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  test('training runs the kit\'s script on spot capacity with checkpoints, encrypted, sized by the estimate', () => {
    const p = d.States.Train.Parameters!;
    expect(d.States.Train.Resource).toBe('arn:aws:states:::sagemaker:createTrainingJob.sync');
    expect(p).toMatchObject({
      EnableManagedSpotTraining: true,
      EnableInterContainerTrafficEncryption: true,
      EnableNetworkIsolation: false,
      StoppingCondition: { MaxRuntimeInSeconds: 6 * 3600, MaxWaitTimeInSeconds: 12 * 3600 },
      CheckpointConfig: { LocalPath: '/opt/ml/checkpoints' },
      OutputDataConfig: { CompressionType: 'NONE' },
      'HyperParameters.$': '$.plan.hyperparameters',
      'ResourceConfig.$': '$.plan.resourceConfig',
    });
    expect((p.AlgorithmSpecification as { TrainingImage: string }).TrainingImage).toBe('763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-training:2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04');
    const plan = d.States['Plan-qlora'].Parameters as { hyperparameters: Record<string, string>; resourceConfig: Record<string, unknown> };
    expect(plan.hyperparameters).toMatchObject({ sagemaker_program: 'train.py', method: 'qlora', 'base-model-id': QWEN });
    expect(plan.resourceConfig.InstanceType).toBe(sm.wf.plans.qlora!.instanceType);
    expect((d.States['Plan-dpo'].Parameters as { hyperparameters: Record<string, string> }).hyperparameters.sagemaker_program).toBe('dpo.py');
  });

  test('each attempt names its job anew, so a retried create never reuses a name', () => {
    for (const state of ['Train', 'Evaluate']) {
      expect(d.States[state].Parameters!['TrainingJobName.$']).toMatch(/^States\.Format\('\{\}-(train|eval)-\{\}', \$\$\.Execution\.Name, States\.ArrayGetItem\(States\.StringSplit\(States\.UUID\(\), '-'\), 0\)\)$/);
    }
  });

  test('volumes are sized for the model (not a fixed 200 GB), and evaluation is sized for the batch it generates', () => {
    const plan = d.States['Plan-qlora'].Parameters as { resourceConfig: { VolumeSizeInGB: number } };
    // Qwen2.5-7B: 15.2 GB of 16-bit weights downloaded and 15.2 GB merged out, adapters' checkpoints, 20 GB allowance.
    expect(plan.resourceConfig.VolumeSizeInGB).toBeGreaterThan(50);
    expect(plan.resourceConfig.VolumeSizeInGB).toBeLessThan(60);
    const evaluate = d.States.Evaluate.Parameters as { HyperParameters: Record<string, string>; ResourceConfig: { InstanceType: string } };
    expect(evaluate.HyperParameters).toMatchObject({ 'batch-size': '8', 'max-input-length': '2048', 'max-new-tokens': '256' });
    expect(evaluate.ResourceConfig.InstanceType).toBe(evaluationInstance(QWEN));
  });

  test('preference pairs built from feedback go to preferences/, outside the train/ trigger', () => {
    expect(d.States.BuildPreferences.Parameters!['outputKey.$']).toBe("States.Format('preferences/{}.jsonl', $$.Execution.Name)");
    // One rater makes at most 1,000 pairs unless the workflow says otherwise.
    expect(d.States.BuildPreferences.Parameters!.maxPairsPerCaller).toBe(1000);
  });

  test('the state machine may pass exactly the training role, to SageMaker only', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'iam:PassRole',
        Resource: { 'Fn::GetAtt': [sm.stack.getLogicalId(sm.wf.jobRole.node.defaultChild as never), 'Arn'] },
        Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      })]) },
    });
  });

  test('the workflow may create, describe and stop only jobs tagged with its own path; roles trust this account only', () => {
    const statements = JSON.stringify(t.findResources('AWS::IAM::Policy'));
    expect(statements).toContain(`"Action":["sagemaker:AddTags","sagemaker:CreateTrainingJob"],"Condition":{"StringEquals":{"aws:RequestTag/workflow":"${sm.wf.node.path}"}}`);
    expect(statements).toContain(`"Action":["sagemaker:DescribeTrainingJob","sagemaker:StopTrainingJob"],"Condition":{"StringEquals":{"aws:ResourceTag/workflow":"${sm.wf.node.path}"}}`);
    expect(d.States.Evaluate.Parameters!.Tags).toEqual([{ Key: 'workflow', Value: sm.wf.node.path }]);
    for (const service of ['sagemaker.amazonaws.com', 'events.amazonaws.com']) {
      t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: service }, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } })] } });
    }
    // CloudWatch Logs may use the workflow's key for its own stack's log groups only.
    expect(JSON.stringify(t.findResources('AWS::KMS::Key'))).toContain(`log-group:${sm.stack.stackName}-*`);
  });

  test('passing models are registered pending manual approval, with their metrics', () => {
    expect(d.States.Register.Parameters).toMatchObject({ ModelApprovalStatus: 'PendingManualApproval', ModelMetrics: { ModelQuality: { Statistics: { 'S3Uri.$': '$.metrics.s3Uri' } } } });
    t.hasResource('AWS::SageMaker::ModelPackageGroup', { DeletionPolicy: 'Retain' });
  });

  test('a dataset uploaded under train/ starts a QLoRA run', () => {
    t.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.s3'], 'detail-type': ['Object Created'], 'detail': { object: { key: [{ prefix: 'train/' }] } } },
      Targets: [Match.objectLike({ InputTransformer: Match.objectLike({ InputTemplate: Match.stringLikeRegexp('"method":"qlora"') }) })],
    });
  });

  test('the state machine logs everything to an encrypted group and traces', () => {
    t.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true }, LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
  });
});

describe('FineTuningWorkflow (Bedrock)', () => {
  test('customizes the foundation model with validation data, then polls the job', () => {
    const d = definition(templateOf(br.stack));
    expect(d.States.Train.Parameters).toMatchObject({
      // The customization model id (Bedrock user guide, "Supported models and Regions for fine-tuning").
      BaseModelIdentifier: 'arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-1-8b-instruct-v1:0:128k',
      CustomizationType: 'FINE_TUNING',
      HyperParameters: { epochCount: '2' },
      ValidationDataConfig: { Validators: [{ 'S3Uri.$': expect.stringContaining('$.validationKey') }] },
    });
    expect(happyPath(d, { CheckFormat: 'ValidateDataset', JobDone: 'LoadMetrics', Gate: 'Register' })).toEqual([
      'Defaults', 'ApplyDefaults', 'CheckFormat', 'ValidateDataset', 'Train', 'WaitForJob', 'DescribeJob', 'JobDone', 'LoadMetrics', 'Gate', 'Register', 'NotifySuccess', 'Done',
    ]);
    expect(d.States.Gate).toMatchObject({ Choices: [{ Variable: '$.metrics.tuned.validation_loss', NumericLessThanEquals: 1.5 }] });
    expect(d.States.Register.Parameters).toMatchObject({ Tags: [{ Key: 'approval', Value: 'Approved' }, { Key: 'gate', Value: 'passed' }] });
  });

  test('the poll keeps the whole response: optional members are tested with IsPresent, never selected', () => {
    const d = definition(templateOf(br.stack));
    expect(d.States.DescribeJob).not.toHaveProperty('ResultSelector');
    expect(JSON.stringify(d.States.JobDone)).toContain('"IsPresent":true');
  });

  test('the creator of the job and the customization role may use the custom model key through Bedrock', () => {
    const t = templateOf(br.stack);
    for (const role of [br.wf.stateMachine.role, br.wf.jobRole]) {
      for (const statement of [
        { Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey'], Condition: { StringEquals: { 'kms:ViaService': 'bedrock.us-west-2.amazonaws.com' } } },
        { Action: 'kms:CreateGrant', Condition: { StringEquals: { 'kms:ViaService': 'bedrock.us-west-2.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
      ]) {
        t.hasResourceProperties('AWS::IAM::Policy', {
          Roles: [{ Ref: br.stack.getLogicalId(role.node.defaultChild as never) }],
          PolicyDocument: { Statement: Match.arrayWith([Match.objectLike(statement)]) },
        });
      }
    }
  });
});

describe('FineTuningWorkflow (network-isolated)', () => {
  test('reads the base model from the dataset store and blocks the containers\' network', () => {
    const stack = new Stack(newApp(), 'Isolated', { env });
    new FineTuningWorkflow(stack, 'W', {
      datasets: new DatasetStore(stack, 'D'),
      backend: FineTuningBackend.sagemaker({ baseModel: QWEN, networkIsolation: true, baseModelKeyPrefix: 'models/base/qwen/', loraRank: 32 }),
      gate: GATE, approval: ModelApproval.AUTOMATIC,
    });
    const d = definition(templateOf(stack));
    expect(d.States.Train.Parameters).toMatchObject({ EnableNetworkIsolation: true });
    expect(JSON.stringify(d.States.Train.Parameters!.InputDataConfig)).toContain('"ChannelName":"base_model"');
    expect(JSON.stringify(d.States.Evaluate.Parameters!.InputDataConfig)).toContain('"ChannelName":"base_model"');
    expect((d.States['Plan-lora'].Parameters as { hyperparameters: Record<string, string> }).hyperparameters).toMatchObject({ 'lora-r': '32', 'lora-alpha': '64' });
  });

  test('fails when isolated without the base model\'s weights in S3', () => {
    const stack = new Stack(newApp(), 'S', { env });
    expect(() => new FineTuningWorkflow(stack, 'W', { datasets: new DatasetStore(stack, 'D'), backend: FineTuningBackend.sagemaker({ baseModel: QWEN, networkIsolation: true }), gate: GATE, approval: ModelApproval.AUTOMATIC }))
      .toThrow(/networkIsolation is true but the base model comes from the Hub/);
  });
});

describe('FineTuningWorkflow validation', () => {
  const build = (props: Partial<FineTuningWorkflowProps>) => () => {
    const stack = new Stack(newApp(), 'S', { env });
    return new FineTuningWorkflow(stack, 'W', {
      datasets: new DatasetStore(stack, 'D'),
      backend: FineTuningBackend.sagemaker({ baseModel: QWEN }),
      gate: GATE, approval: ModelApproval.AUTOMATIC, ...props,
    });
  };

  test('fails when the spot wait is shorter than the runtime', () => {
    expect(build({ backend: FineTuningBackend.sagemaker({ baseModel: QWEN, spot: true, maxRuntime: Duration.hours(10), maxWait: Duration.hours(5) }) }))
      .toThrow(/backend\.maxWait is 5 hours, under the runtime \(10 hours\); managed spot needs MaxWaitTimeInSeconds >= MaxRuntimeInSeconds: raise the wait or lower the runtime\./);
  });

  test('fails when the trigger names a method the backend does not run, or files DPO cannot train on (the config\'s rule)', () => {
    const backend = FineTuningBackend.sagemaker({ baseModel: QWEN, methods: [FineTuningMethod.QLORA, FineTuningMethod.DPO] });
    expect(build({ backend, trigger: { method: FineTuningMethod.LORA, format: DatasetFormat.SFT } }))
      .toThrow(/trigger\.method "lora" is not one of the backend's methods \(qlora, dpo\): every run it starts would end in UnsupportedMethod: trigger one of those methods/);
    expect(build({ backend, trigger: { method: FineTuningMethod.DPO, format: DatasetFormat.CHAT } }))
      .toThrow(/trigger\.format "chat" is not a format the triggered run trains on; allowed: preference: use datasets\.DatasetFormat\.PREFERENCE/);
  });

  test('fails when the instance is too small for the method, naming one that can', () => {
    // Full fine-tuning of a 70B model needs ~1.2 TiB of states: more than 16 x 24 GiB A10Gs.
    expect(build({ backend: FineTuningBackend.sagemaker({ baseModel: 'meta-llama/Llama-3.1-70B-Instruct', methods: [FineTuningMethod.FULL], instanceType: InstanceType.G5_2XLARGE }) }))
      .toThrow(/backend\.instanceType ml\.g5\.2xlarge cannot train meta-llama\/Llama-3\.1-70B-Instruct with full: .*Cheapest that can: \d+ x ml\./);
  });

  test('fails when Bedrock cannot customize the base model in the stack\'s region, naming the regions that work', () => {
    expect(build({ backend: FineTuningBackend.bedrock({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0', hyperParameters: { epochCount: '20' } }), gate: { thresholds: { validation_loss: { max: 1 } } }, defaultKeys: { validationKey: 'validation/a.jsonl' } }))
      .toThrow(/backend\.baseModel: "meta\.llama3-1-8b-instruct-v1:0" cannot be customized in us-east-1: .*only in us-west-2[\s\S]*epochCount/);
  });

  test('fails when the training image is not in the region\'s registry', () => {
    const inRegion = () => {
      const stack = new Stack(newApp(), 'S', { env: { ...env, region: 'me-west-1' } });
      return new FineTuningWorkflow(stack, 'W', { datasets: new DatasetStore(stack, 'D'), backend: FineTuningBackend.sagemaker({ baseModel: QWEN }), gate: GATE, approval: ModelApproval.AUTOMATIC });
    };
    expect(inRegion).toThrow(/training image huggingface-pytorch-training:.* is not in the Deep Learning Containers registry of me-west-1/);
  });

  test('fails when the per-caller preference cap is not a whole number of pairs', () => {
    expect(build({ maxPreferencePairsPerCaller: 0 })).toThrow(/maxPreferencePairsPerCaller is 0: use a whole number of pairs, 1 or more \(default 1000\)/);
  });

  test('fails when the Bedrock backend has no validation data', () => {
    expect(build({ backend: FineTuningBackend.bedrock({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0' }), gate: { thresholds: { validation_loss: { max: 1 } } } }))
      .toThrow(/gates on validation loss, but defaultKeys\.validationKey is not set/);
  });

  test('fails when the gate has no threshold and the base model is not an open catalog model, reporting both', () => {
    expect(build({ gate: { thresholds: {} }, backend: FineTuningBackend.sagemaker({ baseModel: 'amazon.nova-lite-v1:0' }) }))
      .toThrow(/2 problems[\s\S]*gate\.thresholds is empty[\s\S]*"amazon\.nova-lite-v1:0" is not an open model of the catalog/);
  });
});

test('a backend of your own binds to the workflow: its role, its states, its state machine grants', () => {
  const { wf, stack } = custom;
  expect(wf.registry).toBeUndefined();
  expect(wf.plans).toEqual({});
  const t = templateOf(stack);
  const d = definition(t);
  expect(d.StartAt).toBe('Echo');
  expect(Object.keys(d.States).sort()).toEqual(['Echo', 'EchoDone']);
  expect((d as { Comment?: string }).Comment).toBe('Fine-tune, evaluate, gate and register (echo)');
  t.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FineTuningEchoRole'), 'Arn'] } })]) },
  });
});

test('the workflow reports its own problems and the backend\'s together', () => {
  const stack = new Stack(newApp(), 'Both', { env: { ...env, region: 'us-west-2' } });
  const datasets = new DatasetStore(stack, 'Datasets');
  expect(() => new FineTuningWorkflow(stack, 'FineTuning', {
    datasets, backend: FineTuningBackend.bedrock({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0' }), gate: { thresholds: {} }, approval: ModelApproval.AUTOMATIC,
  })).toThrow(/2 problems:\n {2}- gate\.thresholds is empty[^\n]*\n {2}- The Bedrock backend gates on validation loss/);
});
