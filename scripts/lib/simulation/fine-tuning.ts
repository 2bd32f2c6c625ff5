// Scenarios of the fine-tuning workflow, run against a deployed stage: each fills the dataset store the way
// a user would, sets how the services behave (a job that fails, a spot reclaim, a model that misses the
// gate), runs the stage's own state machine, and reports the trace, the outcome, the notifications and the
// calls made. The scenarios read what they need from the deployed definition itself (the methods of
// ChoosePlan, the thresholds of Gate), so they run against any environment a user defines.
import type { S3StandIn } from '../standins';
import type { DeployedStage, DeployedStateMachine } from './assembly';
import { allStates, execute, type ExecutionOutcome } from './execute';
import { type ServiceBehaviour, type ServiceCall, SimulatedServices, type SimulatedTrainingJob, type Notification } from './services';

export type Backend = 'sagemaker' | 'bedrock';

/** What a scenario is given to prepare its run. */
export interface ScenarioContext {
  readonly backend: Backend;
  readonly bucket: string;
  readonly method: string;
  readonly gate: readonly GateCondition[];
  /** Defaults the workflow fills in (validationKey, testKey) from its Defaults state. */
  readonly defaults: Readonly<Record<string, unknown>>;
  put(key: string, body: string): void;
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly backends: readonly Backend[];
  /** Runs only against a workflow that trains on managed spot capacity. */
  readonly requires?: 'spot';
  /** The run passes (SUCCEEDED) or fails with this error. */
  readonly expect: { readonly status: 'SUCCEEDED' } | { readonly status: 'FAILED'; readonly error: string };
  /** The error on the Bedrock backend, where it differs. */
  readonly bedrockError?: string;
  /** Fills the store; returns the execution input. */
  prepare(ctx: ScenarioContext): Record<string, unknown>;
  behaviour(ctx: ScenarioContext): ServiceBehaviour;
}

/** One condition of the deployed Gate state. */
export interface GateCondition {
  readonly variable: string;
  readonly operator: 'NumericGreaterThanEquals' | 'NumericLessThanEquals';
  readonly value: number;
}

export interface SimulationResult extends ExecutionOutcome {
  readonly scenario: string;
  readonly stage: string;
  readonly stateMachine: string;
  readonly executionName: string;
  readonly input: Record<string, unknown>;
  readonly expected: Scenario['expect'];
  /** The outcome is the scenario's expected one. */
  readonly asExpected: boolean;
  readonly notifications: readonly Notification[];
  readonly calls: readonly ServiceCall[];
  readonly trainingJobs: readonly SimulatedTrainingJob[];
  readonly modelPackages: readonly Record<string, unknown>[];
  readonly tags: Readonly<Record<string, unknown>>;
}

const sft = (n: number, offset = 0) => Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `Where is order ${offset + i}?`, completion: `Order ${offset + i} ships within two business days.` })).join('\n');
const preferences = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `Can I return item ${i}?`, chosen: `Yes, item ${i} can be returned within 30 days.`, rejected: 'No.' })).join('\n');
const chat = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `Where is order ${i}?` }, { role: 'assistant', content: `Order ${i} ships soon.` }] })).join('\n');

/** The record format a method trains on. */
export function formatOf(method: string): 'sft' | 'preference' {
  return method === 'dpo' ? 'preference' : 'sft';
}

/** Metrics that meet (or, with `pass` false, miss) every condition of the gate. */
export function gateMetrics(gate: readonly GateCondition[], pass: boolean): Record<string, unknown> {
  const doc: Record<string, Record<string, number>> = { tuned: {}, base: {}, improvement: {} };
  gate.forEach((g, i) => {
    const [group, metric] = g.variable.replace(/^\$\.metrics\./, '').split('.');
    const meets = g.operator === 'NumericGreaterThanEquals' ? g.value + 0.05 : Math.max(0, g.value - 0.05);
    const misses = g.operator === 'NumericGreaterThanEquals' ? g.value - 0.05 : g.value + 0.05;
    doc[group][metric] = pass || i > 0 ? meets : misses;
  });
  for (const [metric, value] of Object.entries(doc.tuned)) {
    doc.base[metric] ??= value - (doc.improvement[metric] ?? 0.05);
    doc.improvement[metric] ??= value - doc.base[metric];
  }
  for (const [metric, value] of Object.entries(doc.improvement)) {
    doc.tuned[metric] ??= 0.3 + value;
    doc.base[metric] ??= doc.tuned[metric] - value;
  }
  return { ...doc, examples: 20 };
}

/** Feedback records as the API stores them: a correction and an up/down pair. */
function putFeedback(ctx: ScenarioContext): void {
  const record = (i: number, rating: 'up' | 'down', response: string, correction?: string) => ({
    feedbackId: `f${i}`, requestId: `20261201-0000000${i}-0000-4000-8000-000000000000`, createdAt: `2026-12-01T00:00:0${i}Z`, rating,
    ...(correction ? { correction } : {}), model: 'simulated', prompt: { messages: [{ role: 'user', content: `Question ${i % 2}?` }] }, response, preference: {},
  });
  const records = [record(1, 'down', 'Wrong.', 'Right, and polite.'), record(2, 'up', 'Good answer.'), record(4, 'down', 'Bad answer.')];
  for (const r of records) ctx.put(`feedback/ratings/2026/12/01/${r.requestId}/${r.feedbackId}.json`, JSON.stringify(r));
}

/** A passing SageMaker run of ctx.method, or a passing Bedrock run. */
function happyInput(ctx: ScenarioContext): Record<string, unknown> {
  if (ctx.backend === 'bedrock') {
    ctx.put('train/simulated.jsonl', sft(40));
    const validationKey = typeof ctx.defaults.validationKey === 'string' && ctx.defaults.validationKey !== '' ? ctx.defaults.validationKey : 'validation/simulated.jsonl';
    ctx.put(validationKey, sft(10, 100));
    return { method: 'lora', format: 'sft', trainKey: 'train/simulated.jsonl', ...(validationKey === ctx.defaults.validationKey ? {} : { validationKey }) };
  }
  const format = formatOf(ctx.method);
  const trainKey = `train/simulated-${ctx.method}.jsonl`;
  ctx.put(trainKey, format === 'preference' ? preferences(40) : sft(40));
  const testKey = typeof ctx.defaults.testKey === 'string' && ctx.defaults.testKey !== '' ? ctx.defaults.testKey : 'test/simulated.jsonl';
  ctx.put(testKey, sft(10, 200));
  return { method: ctx.method, format, trainKey, ...(testKey === ctx.defaults.testKey ? {} : { testKey }) };
}

const passingEvaluation = (ctx: ScenarioContext): ServiceBehaviour => ({ evaluate: { metrics: gateMetrics(ctx.gate, true) } });
const bedrockLoss = (ctx: ScenarioContext, pass: boolean): number[] => {
  const max = ctx.gate.find((g) => g.variable.endsWith('validation_loss') && g.operator === 'NumericLessThanEquals')?.value ?? 2;
  return [max + 1, pass ? max * 0.8 : max + 0.3];
};

/** Every scenario, by name. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'pass',
    summary: 'valid data, the job completes, the model meets the gate and is registered',
    backends: ['sagemaker', 'bedrock'],
    expect: { status: 'SUCCEEDED' },
    prepare: happyInput,
    behaviour: (ctx) => (ctx.backend === 'bedrock'
      ? { customization: { statuses: ['InProgress', 'InProgress', 'Completed'], validationLoss: bedrockLoss(ctx, true) } }
      : passingEvaluation(ctx)),
  },
  {
    name: 'from-feedback',
    summary: 'DPO on preference pairs built from the API\'s feedback records',
    backends: ['sagemaker'],
    expect: { status: 'SUCCEEDED' },
    prepare: (ctx) => {
      putFeedback(ctx);
      const testKey = typeof ctx.defaults.testKey === 'string' && ctx.defaults.testKey !== '' ? ctx.defaults.testKey : 'test/simulated.jsonl';
      ctx.put(testKey, sft(10, 200));
      return { method: 'dpo', format: 'preference', fromFeedback: true, ...(testKey === ctx.defaults.testKey ? {} : { testKey }) };
    },
    behaviour: passingEvaluation,
  },
  {
    name: 'gate-fail',
    summary: 'the tuned model misses the gate: nothing is registered',
    backends: ['sagemaker', 'bedrock'],
    expect: { status: 'FAILED', error: 'GateRejected' },
    prepare: happyInput,
    behaviour: (ctx) => (ctx.backend === 'bedrock'
      ? { customization: { statuses: ['Completed'], validationLoss: bedrockLoss(ctx, false) } }
      : { evaluate: { metrics: gateMetrics(ctx.gate, false) } }),
  },
  {
    name: 'training-failure',
    summary: 'the training job fails (out of GPU memory) or the customization job fails',
    backends: ['sagemaker', 'bedrock'],
    expect: { status: 'FAILED', error: 'States.TaskFailed' },
    bedrockError: 'CustomizationFailed',
    prepare: happyInput,
    behaviour: (ctx) => (ctx.backend === 'bedrock'
      ? { customization: { statuses: ['InProgress', 'Failed'], failureMessage: 'Training data validation failed: record 3 has no completion' } }
      : { train: { outcome: 'Failed', failureReason: 'AlgorithmError: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB' } }),
  },
  {
    name: 'stopped',
    summary: 'the customization job is stopped by a person',
    backends: ['bedrock'],
    expect: { status: 'FAILED', error: 'CustomizationFailed' },
    prepare: happyInput,
    behaviour: () => ({ customization: { statuses: ['InProgress', 'Stopping', 'Stopped'] } }),
  },
  {
    name: 'missing-dataset',
    summary: 'the execution names a training file that does not exist',
    backends: ['sagemaker', 'bedrock'],
    expect: { status: 'FAILED', error: 'DatasetMissing' },
    prepare: (ctx) => ({ ...happyInput(ctx), trainKey: 'train/does-not-exist.jsonl' }),
    behaviour: passingEvaluation,
  },
  {
    name: 'invalid-dataset',
    summary: 'the training file has broken records',
    backends: ['sagemaker', 'bedrock'],
    expect: { status: 'FAILED', error: 'DatasetInvalid' },
    prepare: (ctx) => {
      const input = happyInput(ctx);
      ctx.put(String(input.trainKey), `${sft(3)}\n{"prompt": "no completion"\n${chat(1)}`);
      return input;
    },
    behaviour: passingEvaluation,
  },
  {
    name: 'spot-interruption',
    summary: 'spot capacity is reclaimed twice; the job restarts and resumes from its latest checkpoint',
    backends: ['sagemaker'],
    requires: 'spot',
    expect: { status: 'SUCCEEDED' },
    prepare: happyInput,
    behaviour: (ctx) => ({ train: { spotInterruptions: 2 }, ...passingEvaluation(ctx) }),
  },
  {
    name: 'spot-max-wait',
    summary: 'spot capacity does not come back within MaxWaitTimeInSeconds: the job stops',
    backends: ['sagemaker'],
    requires: 'spot',
    expect: { status: 'FAILED', error: 'States.TaskFailed' },
    prepare: happyInput,
    behaviour: () => ({ train: { spotInterruptions: 1, exceedsMaxWait: true } }),
  },
  {
    name: 'throttled',
    summary: 'CreateTrainingJob is throttled once; the retry creates a job under a new name',
    backends: ['sagemaker'],
    expect: { status: 'SUCCEEDED' },
    prepare: happyInput,
    behaviour: (ctx) => ({ train: { throttledCreates: 1 }, ...passingEvaluation(ctx) }),
  },
  {
    name: 'unsupported-method',
    summary: 'the execution asks for a method the workflow was not built for',
    backends: ['sagemaker'],
    expect: { status: 'FAILED', error: 'MethodNotSupported' },
    prepare: (ctx) => ({ ...happyInput(ctx), method: 'not-a-method' }),
    behaviour: passingEvaluation,
  },
];

export function scenario(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`No scenario "${name}"; scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}.`);
  return found;
}

/** The stage's fine-tuning workflow, what it was built for, and where its data lives. */
export interface FineTuningWorkflowUnderTest {
  readonly machine: DeployedStateMachine;
  readonly backend: Backend;
  readonly methods: readonly string[];
  readonly gate: readonly GateCondition[];
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly bucket: string;
  /** The training jobs run on managed spot capacity. */
  readonly spot: boolean;
}

/** Finds the fine-tuning workflow of a stage (the state machine with a Gate state). */
export function fineTuningWorkflow(stage: DeployedStage): FineTuningWorkflowUnderTest | undefined {
  const machine = stage.stateMachines.find((m) => 'Gate' in allStates(m.definition));
  if (!machine) return undefined;
  const states = allStates(machine.definition) as unknown as Record<string, Record<string, unknown>>;
  const backend: Backend = String(states.Train?.Resource ?? '').includes(':bedrock:') ? 'bedrock' : 'sagemaker';
  const methods = ((states.ChoosePlan?.Choices ?? []) as { Variable: string; StringEquals?: string }[]).flatMap((c) => (c.StringEquals ? [c.StringEquals] : []));
  const rule = ((states.Gate?.Choices ?? []) as Record<string, unknown>[])[0] ?? {};
  const leaves = (Array.isArray(rule.And) ? rule.And : [rule]) as Record<string, unknown>[];
  const gate = leaves.map((leaf): GateCondition => {
    const operator = 'NumericGreaterThanEquals' in leaf ? 'NumericGreaterThanEquals' : 'NumericLessThanEquals';
    return { variable: String(leaf.Variable), operator, value: Number(leaf[operator]) };
  });
  const defaults = (states.Defaults?.Parameters ?? {}) as Record<string, unknown>;
  const bucket = String(((states.ValidateDataset?.Parameters ?? {}) as Record<string, unknown>).bucket ?? '');
  const spot = ((states.Train?.Parameters ?? {}) as Record<string, unknown>).EnableManagedSpotTraining === true;
  return { machine, backend, methods, gate, defaults, bucket, spot };
}

export interface SimulateOptions {
  readonly scenario: Scenario;
  /** SageMaker backend: the method to run. @default the workflow's first method */
  readonly method?: string;
  readonly s3: S3StandIn;
  /** @default `sim-<scenario>-<method>` */
  readonly executionName?: string;
}

/** Runs one scenario of the stage's fine-tuning workflow. */
export async function simulateFineTuning(stage: DeployedStage, options: SimulateOptions): Promise<SimulationResult> {
  const workflow = fineTuningWorkflow(stage);
  if (!workflow) throw new Error(`Stage ${stage.id} has no fine-tuning workflow: give its environment an adaptation section.`);
  const { machine, backend } = workflow;
  const s = options.scenario;
  if (!s.backends.includes(backend)) throw new Error(`Scenario ${s.name} is for the ${s.backends.join(' or ')} backend; ${stage.id} fine-tunes on ${backend}.`);
  if (s.requires === 'spot' && !workflow.spot) throw new Error(`Scenario ${s.name} needs training on managed spot capacity; ${stage.id}'s workflow does not use spot (adaptation.spot).`);
  const method = options.method ?? (s.name === 'from-feedback' ? 'dpo' : workflow.methods[0] ?? 'lora');
  if (backend === 'sagemaker' && s.name !== 'unsupported-method' && !workflow.methods.includes(method)) {
    throw new Error(`${stage.id}'s workflow was built for ${workflow.methods.join(', ')}, not ${method}.`);
  }
  const ctx: ScenarioContext = {
    backend, bucket: workflow.bucket, method, gate: workflow.gate, defaults: workflow.defaults,
    put: (key, body) => options.s3.objects.set(`${workflow.bucket}/${key}`, { body: Buffer.from(body) }),
  };
  const input = s.prepare(ctx);
  const services = new SimulatedServices({
    region: machine.stack.region, account: machine.stack.account, s3: options.s3, functions: stage.functions, behaviour: s.behaviour(ctx),
    topics: stage.stacks.flatMap((st) => Object.entries(st.template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::SNS::Topic').map(([id]) => String(stage.resolve(st, { Ref: id })))),
    modelPackageGroups: stage.stacks.flatMap((st) => Object.entries(st.template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::SageMaker::ModelPackageGroup').map(([id]) => String(stage.resolve(st, { Ref: id })))),
  });
  const executionName = options.executionName ?? `sim-${s.name}-${backend === 'bedrock' ? 'bedrock' : method}`;
  const outcome = await execute(machine.definition, {
    input, executionName, stateMachineArn: machine.arn,
    handlerFor: (resource) => services.handlerFor(resource),
  });
  const expected: Scenario['expect'] = backend === 'bedrock' && s.bedrockError ? { status: 'FAILED', error: s.bedrockError } : s.expect;
  const asExpected = outcome.status === expected.status && (expected.status === 'SUCCEEDED' || outcome.error === expected.error);
  return {
    ...outcome, scenario: s.name, stage: stage.id, stateMachine: machine.path, executionName, input, expected, asExpected,
    notifications: services.notifications, calls: services.calls, trainingJobs: [...services.trainingJobs.values()],
    modelPackages: services.modelPackages, tags: Object.fromEntries(services.tags),
  };
}
