// Every shipped environment's fine-tuning workflow, executed from its synthesized template by an ASL
// interpreter the kit did not write (aws-local-stepfunctions), with the kit's Lambda steps running as their
// deployed bundles against the S3 stand-in and the SageMaker, Bedrock and SNS integrations answered as their
// API references describe; and the stages' EventBridge rules matched against the events S3 really sends. One
// synthesis of the three shipped stages (and one with every SageMaker method) serves the whole file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import * as sns from 'aws-cdk-lib/aws-sns';
import { resolveLocalPaths, stageIdOf } from '../../bin/app';
import { environments, staging } from '../../bin/environments';
import { type EnvironmentConfig, FineTuningMethod } from '../../lib/config';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { GenAiLifecycleStage } from '../../lib/stage';
import { DeployedStage } from '../../scripts/lib/simulation/assembly';
import { execute } from '../../scripts/lib/simulation/execute';
import { fineTuningWorkflow, gateMetrics, SCENARIOS, scenario, simulateFineTuning, type SimulationResult } from '../../scripts/lib/simulation/fine-tuning';
import { deliver } from '../../scripts/lib/simulation/events';
import { validateEventPattern } from '../../scripts/lib/simulation/event-pattern';
import { s3ObjectEvent } from '../../scripts/lib/simulation/s3-events';
import { SimulatedServices } from '../../scripts/lib/simulation/services';
import { SIMULATION_CONTEXT, seedStore } from '../../scripts/lib/simulation/stage';
import { type S3StandIn, startS3 } from '../../scripts/lib/standins';
import { outcomeOf, summary } from '../../scripts/fine-tune';

/** Every SageMaker method, full fine-tuning included (no shipped environment offers it), on a small model. */
const ALL_METHODS: EnvironmentConfig = {
  ...staging, name: 'all-methods', serving: undefined,
  scope: { ...staging.scope, model: undefined },
  adaptation: { ...staging.adaptation!, baseModel: 'meta-llama/Llama-3.2-1B-Instruct', methods: Object.values(FineTuningMethod), trigger: undefined },
};

let assembly: CloudAssembly;
let s3: S3StandIn;
const stages: Record<string, DeployedStage> = {};

beforeAll(async () => {
  const app = new App({ context: SIMULATION_CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'genai-sim-')) });
  const { envs } = resolveLocalPaths([...environments, ALL_METHODS], path.join(__dirname, '..', '..'));
  for (const config of envs) new GenAiLifecycleStage(app, stageIdOf(config.name), { config, policyChecks: false });
  assembly = app.synth();
  for (const id of ['Dev', 'Staging', 'Prod', 'AllMethods']) stages[id] = DeployedStage.fromAssembly(assembly, id);
  s3 = await startS3();
});

afterAll(() => s3?.close());

/** Every scenario for every environment, with each SageMaker method. */
const runs: [string, string, string | undefined][] = [];
for (const [stage, backend, methods] of [['Dev', 'bedrock', [undefined]], ['Staging', 'sagemaker', ['qlora', 'dpo']], ['Prod', 'sagemaker', ['lora', 'qlora', 'dpo']], ['AllMethods', 'sagemaker', ['full', 'lora', 'qlora', 'dpo']]] as const) {
  for (const s of SCENARIOS.filter((x) => x.backends.includes(backend) && (x.requires !== 'spot' || stage === 'Prod'))) {
    const methodsFor = s.name === 'pass' ? methods : s.name === 'from-feedback' ? ['dpo'] : [methods[0]];
    for (const method of methodsFor) runs.push([stage, s.name, method]);
  }
}

const results: SimulationResult[] = [];

describe.each(runs)('%s: %s (%s)', (stage, name, method) => {
  test('ends as the scenario expects, never in States.Runtime, and notifies', async () => {
    s3.objects.clear();
    const result = await simulateFineTuning(stages[stage], { scenario: scenario(name), method, s3 });
    results.push(result);
    expect({ status: result.status, error: result.error }).toEqual({ status: result.expected.status, error: result.expected.status === 'FAILED' ? result.expected.error : undefined });
    expect(result.error).not.toBe('States.Runtime');
    // Success and failure both reach a notification: one message, on the workflow's topic.
    expect(result.notifications).toHaveLength(1);
    expect(result.notifications[0].subject).toBe(result.status === 'SUCCEEDED' ? 'Fine-tuning run passed the gate' : 'Fine-tuning run failed');
    if (result.status === 'FAILED') expect(result.path.slice(-2)).toEqual(['NotifyFailure', 'Failed']);
  });
});

describe('what the runs did', () => {
  const find = (stage: string, name: string, method?: string) => results.find((r) => r.stage === stage && r.scenario === name && (method === undefined || r.input.method === method))!;

  test('each SageMaker method trains with its script and instance, and registers an approved model outside production', () => {
    for (const method of ['qlora', 'dpo']) {
      const r = find('Staging', 'pass', method);
      const job = r.trainingJobs.find((j) => j.name.includes('-train-'))!;
      expect((job.request.HyperParameters as Record<string, string>).sagemaker_program).toBe(method === 'dpo' ? 'dpo.py' : 'train.py');
      expect(r.modelPackages).toEqual([expect.objectContaining({ ModelApprovalStatus: 'Approved' })]);
    }
  });

  test('full fine-tuning trains every weight with train.py and registers the model', () => {
    const r = find('AllMethods', 'pass', 'full');
    const job = r.trainingJobs.find((j) => j.name.includes('-train-'))!;
    expect(job.request.HyperParameters).toMatchObject({ sagemaker_program: 'train.py', method: 'full' });
    expect(r.modelPackages).toHaveLength(1);
  });

  test('production registers the model for manual approval', () => {
    for (const method of ['lora', 'qlora', 'dpo']) expect(find('Prod', 'pass', method).modelPackages).toEqual([expect.objectContaining({ ModelApprovalStatus: 'PendingManualApproval' })]);
    // `fine-tune watch` reads the execution's output as the workflow writes it: what it trained, scored and registered.
    const prod = find('Prod', 'pass', 'lora');
    const lines = summary(prod.output as Record<string, unknown>, undefined);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/^Training job: .*-train-[0-9a-f]{8}$/), expect.stringMatching(/^Model artifacts: s3:\/\/.*\/models\//),
      expect.stringMatching(/^Metrics: tuned /), expect.stringMatching(/^Model package: arn:aws:sagemaker:/),
      expect.stringMatching(/^Approval status: PendingManualApproval\. Approve it with/),
    ]));
    expect(outcomeOf(find('Staging', 'pass', 'qlora').output as Record<string, unknown>).approvalStatus).toBe('Approved');
    const bedrock = outcomeOf(find('Dev', 'pass').output as Record<string, unknown>);
    expect(bedrock).toMatchObject({ customizationJob: expect.any(String), customModelArn: expect.stringMatching(/^arn:aws:bedrock:.*:custom-model\//) });
  });

  test('DPO from feedback trains on the pairs built from feedback, written outside train/', () => {
    const r = find('Staging', 'from-feedback');
    const built = r.calls.find((c) => c.state === 'BuildPreferences')!;
    expect(built.parameters.outputKey).toMatch(/^preferences\//);
    const train = r.trainingJobs.find((j) => j.name.includes('-train-'))!;
    expect(JSON.stringify(train.request.InputDataConfig)).toContain(`/${String(built.parameters.outputKey)}`);
  });

  test('a spot job interrupted twice resumes from its newest checkpoint and bills less than it trained', () => {
    const job = find('Prod', 'spot-interruption').trainingJobs.find((j) => j.name.includes('-train-'))!;
    expect(job.resumedFrom).toMatch(/models\/checkpoints\/sim-spot-interruption-lora\/checkpoint-400\/trainer_state\.json$/);
    const last = job.describes.at(-1)!;
    expect(last.BillableTimeInSeconds as number).toBeLessThan(last.TrainingTimeInSeconds as number);
    expect((last.SecondaryStatusTransitions as { Status: string }[]).map((t) => t.Status)).toEqual(
      ['Starting', 'Downloading', 'Training', 'Interrupted', 'Restarting', 'Training', 'Interrupted', 'Restarting', 'Training', 'Uploading', 'Completed']);
  });

  test('a throttled CreateTrainingJob is retried under a new job name', () => {
    const r = find('Staging', 'throttled');
    const creates = r.calls.filter((c) => c.action === 'CreateTrainingJob' && c.state === 'Train');
    expect(creates.map((c) => c.error)).toEqual(['SageMaker.AmazonSageMakerException', undefined]);
    expect(new Set(creates.map((c) => c.parameters.TrainingJobName)).size).toBe(2);
    for (const c of creates) expect(String(c.parameters.TrainingJobName)).toMatch(/^sim-throttled-qlora-train-[0-9a-f]{8}$/);
  });

  test('a failed training job reaches the notification with SageMaker\'s FailureReason', () => {
    const r = find('Prod', 'training-failure');
    expect(JSON.stringify(r.notifications[0].message)).toContain('CUDA out of memory');
  });

  test('Bedrock: polled while in progress (no outputModelArn yet), then completed, gated on validation loss and tagged', () => {
    const r = find('Dev', 'pass');
    const polls = r.calls.filter((c) => c.action === 'GetModelCustomizationJob');
    expect(polls).toHaveLength(3);
    const create = r.calls.find((c) => c.action === 'CreateModelCustomizationJob')!;
    // The customization model id of the catalog, in the region that has it.
    expect(create.parameters.BaseModelIdentifier).toBe('arn:aws:bedrock:us-west-2::foundation-model/meta.llama3-1-8b-instruct-v1:0:128k');
    expect(Object.values(r.tags)).toEqual([expect.arrayContaining([{ Key: 'approval', Value: 'Approved' }])]);
  });

  test('Bedrock: a failed job reports its failureMessage; a stopped one, which has none, still fails cleanly', () => {
    expect(find('Dev', 'training-failure').cause).toContain('record 3 has no completion');
    expect(find('Dev', 'stopped').cause).toMatch(/ended Stopped without a custom model/);
  });
});

describe('seeded data alone', () => {
  test('dev runs on what its stage seeds: train/starter.jsonl and the default validation split', async () => {
    s3.objects.clear();
    const stage = stages.Dev;
    const seeded = seedStore(stage, s3);
    expect(seeded).toEqual(expect.arrayContaining(['train/starter.jsonl', 'validation/starter.jsonl']));
    const workflow = fineTuningWorkflow(stage)!;
    const behaviour = { customization: { statuses: ['Completed' as const], validationLoss: [1.5, 1.2] } };
    const services = new SimulatedServices({ region: workflow.machine.stack.region, account: workflow.machine.stack.account, s3, functions: stage.functions, behaviour });
    const outcome = await execute(workflow.machine.definition, {
      input: { format: 'sft', trainKey: 'train/starter.jsonl' }, executionName: 'seeded', stateMachineArn: workflow.machine.arn,
      handlerFor: (resource) => services.handlerFor(resource),
    });
    expect(outcome.status).toBe('SUCCEEDED');
  });
});

describe('the interpreter keeps Step Functions\' semantics', () => {
  test('a path that matches nothing fails the execution with States.Runtime, which a States.ALL catch does not take', async () => {
    // A machine shaped like the old Bedrock poll: a ResultSelector naming an optional member.
    const app = new App({ context: SIMULATION_CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'genai-sim-')) });
    const stack = new Stack(new Stage(app, 'Probe'), 'Machine');
    const topic = new sns.Topic(stack, 'Topic');
    const notify = new tasks.SnsPublish(stack, 'Notify', { topic, message: sfn.TaskInput.fromText('failed') });
    const poll = new tasks.CallAwsService(stack, 'DescribeJob', {
      service: 'bedrock', action: 'getModelCustomizationJob', parameters: { JobIdentifier: 'job' }, iamResources: ['*'],
      resultSelector: { 'Status.$': '$.Status', 'OutputModelArn.$': '$.OutputModelArn' }, resultPath: '$.job',
    });
    poll.addCatch(notify, { errors: ['States.ALL'] });
    new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(poll) });
    const probe = DeployedStage.fromAssembly(app.synth(), 'Probe');
    const machine = probe.stateMachines[0];
    const notified: unknown[] = [];
    const outcome = await execute(machine.definition, {
      input: {}, executionName: 'probe', stateMachineArn: machine.arn,
      handlerFor: (resource) => (resource.endsWith('getModelCustomizationJob') ? async () => ({ Status: 'InProgress' }) : async (call) => notified.push(call)),
    });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(outcome.cause).toMatch(/\$\.OutputModelArn/);
    expect(notified).toEqual([]);
  });

  test('States.JsonMerge returns a new object (the interpreter copy is loaded with that fix)', async () => {
    const definition = { StartAt: 'Merge', States: { Merge: { Type: 'Pass', Parameters: { 'input.$': 'States.JsonMerge($.defaults, $, false)' }, OutputPath: '$.input', End: true } } };
    const outcome = await execute(definition, { input: { defaults: { a: 1 }, b: 2 }, executionName: 'merge', stateMachineArn: 'arn:aws:states:us-east-1:111122223333:stateMachine:m', handlerFor: () => undefined });
    expect(outcome.output).toEqual({ a: 1, b: 2, defaults: { a: 1 } });
  });
});

describe('EventBridge rules against the events S3 sends', () => {
  const bucketOf = (stage: string) => fineTuningWorkflow(stages[stage])!.bucket;
  const created = (stage: string, key: string) => s3ObjectEvent('Object Created', bucketOf(stage), key, { versionId: 'v1', region: stages[stage].stacks[0].region }) as unknown as Record<string, unknown>;
  const deleted = (stage: string, key: string) => s3ObjectEvent('Object Deleted', bucketOf(stage), key, { versionId: 'v1', reason: 'DeleteObject', region: stages[stage].stacks[0].region }) as unknown as Record<string, unknown>;

  test('every rule of every stage is a pattern EventBridge accepts', () => {
    for (const stage of Object.values(stages)) for (const rule of stage.rules) expect({ rule: rule.path, problems: validateEventPattern(rule.eventPattern) }).toEqual({ rule: rule.path, problems: [] });
  });

  test('staging: an upload under train/ starts a QLoRA run on that file, which the workflow then runs', async () => {
    const deliveries = deliver(stages.Staging, created('Staging', 'train/support-v2.jsonl'));
    const workflow = fineTuningWorkflow(stages.Staging)!;
    expect(deliveries).toEqual([{ rule: expect.stringContaining('OnTrainUpload'), target: workflow.machine.arn, input: { method: 'qlora', format: 'sft', trainKey: 'train/support-v2.jsonl' } }]);
    // The run the trigger starts, with the input the transformer built.
    s3.objects.clear();
    const put = (key: string, body: string) => s3.objects.set(`${workflow.bucket}/${key}`, { body: Buffer.from(body) });
    put('train/support-v2.jsonl', JSON.stringify({ prompt: 'Where is order 1?', completion: 'On its way.' }));
    put('test/support.jsonl', JSON.stringify({ prompt: 'Where is order 2?', completion: 'On its way.' }));
    const services = new SimulatedServices({ region: 'us-east-1', account: '111122223333', s3, functions: stages.Staging.functions, behaviour: { evaluate: { metrics: gateMetrics(workflow.gate, true) } } });
    const outcome = await execute(workflow.machine.definition, { input: deliveries[0].input, executionName: 'triggered', stateMachineArn: workflow.machine.arn, handlerFor: (r) => services.handlerFor(r) });
    expect(outcome.status).toBe('SUCCEEDED');
  });

  test('nothing the kit writes itself starts a run: preferences, models, checkpoints, evaluation, feedback, captures, seeds', () => {
    const kitKeys = [
      'preferences/sim-1.jsonl', 'models/sim-1-train-0a1b2c3d/output/model/model.safetensors', 'models/checkpoints/sim-1/checkpoint-200/trainer_state.json',
      'evaluation/sim-1-eval-0a1b2c3d/output/model/metrics.json', 'feedback/ratings/2026/12/01/r/f.json', 'feedback/interactions/2026/12/01/r.json', 'captures/x/y.jsonl',
      'models/bedrock/model-customization-job-abc/validation_artifacts/post_fine_tuning_validation/validation/validation_metrics.csv',
    ];
    for (const stage of ['Staging', 'Prod', 'Dev']) {
      for (const key of kitKeys) expect({ stage, key, deliveries: deliver(stages[stage], created(stage, key)) }).toEqual({ stage, key, deliveries: [] });
    }
    // Seeds: dev copies train/ and validation/ files at deploy, and has no trigger on them.
    s3.objects.clear();
    for (const key of seedStore(stages.Dev, s3)) expect(deliver(stages.Dev, created('Dev', key))).toEqual([]);
  });

  test('deletes and other prefixes start no fine-tuning run', () => {
    expect(deliver(stages.Staging, deleted('Staging', 'train/a.jsonl'))).toEqual([]);
    expect(deliver(stages.Staging, created('Staging', 'raw/train/a.jsonl'))).toEqual([]);
    expect(deliver(stages.Staging, { ...created('Staging', 'train/a.jsonl'), detail: { ...(created('Staging', 'train/a.jsonl').detail as object), bucket: { name: 'another-bucket' } } })).toEqual([]);
  });

  test('dev: documents created or deleted under documents/ start an ingestion, nothing else does', () => {
    const ingest = stages.Dev.stateMachines.find((m) => m.path.includes('KnowledgeBase'))!;
    expect(deliver(stages.Dev, created('Dev', 'documents/returns.md')).map((d) => d.target)).toEqual([ingest.arn]);
    expect(deliver(stages.Dev, deleted('Dev', 'documents/returns.md')).map((d) => d.target)).toEqual([ingest.arn]);
    expect(deliver(stages.Dev, created('Dev', 'train/documents/x.md'))).toEqual([]);
  });
});

describe('knowledge-base ingestion (dev)', () => {
  const run = async (conflicts: number) => {
    const machine = stages.Dev.stateMachines.find((m) => m.path.includes('KnowledgeBase'))!;
    const services = new SimulatedServices({ region: 'us-west-2', account: '111122223333', s3, functions: [], behaviour: { ingestion: { conflicts } } });
    return { services, outcome: await execute(machine.definition, { input: {}, executionName: 'ingest', stateMachineArn: machine.arn, handlerFor: (r) => services.handlerFor(r) }) };
  };

  test('starts an ingestion job for the knowledge base and its documents data source', async () => {
    const { services, outcome } = await run(0);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(services.calls).toEqual([expect.objectContaining({ action: 'StartIngestionJob', parameters: expect.objectContaining({ KnowledgeBaseId: expect.any(String), DataSourceId: expect.any(String) }) })]);
  });

  test('a job already running (ConflictException) is retried until the data source is free', async () => {
    const { services, outcome } = await run(3);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(services.calls.map((c) => c.error)).toEqual(['BedrockAgent.ConflictException', 'BedrockAgent.ConflictException', 'BedrockAgent.ConflictException', undefined]);
  });

  test('still busy after every retry: the execution fails with the conflict, not a runtime error', async () => {
    const { outcome } = await run(50);
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'BedrockAgent.ConflictException' });
  });
});
