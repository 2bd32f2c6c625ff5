/**
 * The fine-tune CLI: main() against real SFNClient and SageMakerClient mocked with aws-sdk-client-mock, on a fake clock
 * so watching takes no time; and once through `tsx` to prove the real entry point runs.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DescribeTrainingJobCommand, ListTrainingJobsCommand, SageMakerClient, type DescribeTrainingJobCommandOutput, type TrainingJobStatus } from '@aws-sdk/client-sagemaker';
import {
  DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand,
  type DescribeExecutionCommandOutput, type GetExecutionHistoryCommandOutput, type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, main, type Deps } from '../../scripts/fine-tune';

const sfn = mockClient(SFNClient);
const sagemaker = mockClient(SageMakerClient);

const T0 = 1_700_000_000_000; // 2023-11-14T22:13:20Z
const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:FineTuningStateMachine';
const NAME = 'ft-qlora-support-1';
const EXECUTION = `arn:aws:states:eu-west-1:123456789012:execution:FineTuningStateMachine:${NAME}`;
const MODEL_PACKAGE = 'arn:aws:sagemaker:eu-west-1:123456789012:model-package/genai-finetuned/7';
const START = ['start', '--state-machine', STATE_MACHINE, '--method', 'qlora', '--format', 'chat', '--train', 'train/support-chat-v3.jsonl', '--name', NAME];
const WATCH = ['watch', '--execution', EXECUTION];

interface Run { code: number; stdout: string; stderr: string; regions: string[] }

/** Runs main() with real, mocked clients and a clock that advances only when the script sleeps. */
async function run(argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let t = T0;
  const regions: string[] = [];
  const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
  const deps: Deps = {
    createSfnClient: (region) => {
      regions.push(region);
      return new SFNClient({ region, credentials });
    },
    createSageMakerClient: (region) => new SageMakerClient({ region, credentials }),
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
  const code = await main(argv, { stdout: (s) => { stdout += `${s}\n`; }, stderr: (s) => { stderr += `${s}\n`; } }, deps);
  return { code, stdout, stderr, regions };
}

/** The workflow's output as it writes it (the shape test/simulation checks against the synthesized definition). */
const OUTPUT = {
  method: 'qlora', trainKey: 'train/support.jsonl',
  train: { TrainingJobName: `${NAME}-train-0a1b2c3d`, ModelS3Uri: `s3://store-bucket/models/${NAME}-train-0a1b2c3d/output/model/` },
  evaluation: { TrainingJobName: `${NAME}-eval-4e5f6a7b` },
  metrics: { tuned: { rouge_l: 0.538 }, base: { rouge_l: 0.41 }, improvement: { rouge_l: 0.128 }, examples: 200, s3Uri: 's3://store-bucket/evaluation/x/metrics.json' },
  registered: { ModelPackageArn: MODEL_PACKAGE, ModelApprovalStatus: 'PendingManualApproval' },
};

/** One poll as the services answer it: the execution's status, the state last entered, and the jobs (when polled). */
interface Tick {
  readonly status?: string;
  readonly states: readonly string[];
  readonly train?: Job;
  readonly eval?: Job;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: object;
}
/** [TrainingJobStatus, SecondaryStatus, FailureReason?], or 'missing' before the job exists. */
type Job = readonly [string, string, string?] | 'missing';

const entered = (names: readonly string[]): HistoryEvent[] => names.map((name, i) => ({
  id: i * 3 + 2, timestamp: new Date(T0), type: name === 'Failed' ? 'FailStateEntered' : name === 'Gate' ? 'ChoiceStateEntered' : 'TaskStateEntered',
  stateEnteredEventDetails: { name },
}));

/** The execution as its poll `i` sees it; states are listed oldest first, as they were entered. */
function scenario(ticks: readonly Tick[]): void {
  const describe = sfn.on(DescribeExecutionCommand);
  const history = sfn.on(GetExecutionHistoryCommand);
  // One behaviour chain per job, created only for a job that is polled (an empty chain would answer undefined).
  const chains: Partial<Record<'train' | 'eval', ReturnType<typeof sagemaker.on>>> = {};
  const jobs = { train: () => (chains.train ??= sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: `${NAME}-train-0a1b2c3d` })),
    eval: () => (chains.eval ??= sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: `${NAME}-eval-4e5f6a7b` })) };
  // The workflow names each attempt's job <execution>-<kind>-<8 hex>; the watch lists them by that prefix.
  const lists = { train: sagemaker.on(ListTrainingJobsCommand, { NameContains: `${NAME}-train-` }), eval: sagemaker.on(ListTrainingJobsCommand, { NameContains: `${NAME}-eval-` }) };
  const named = { train: `${NAME}-train-0a1b2c3d`, eval: `${NAME}-eval-4e5f6a7b` };
  for (const tick of ticks) {
    const status = tick.status ?? 'RUNNING';
    const ended = status !== 'RUNNING';
    describe.resolvesOnce({
      executionArn: EXECUTION, stateMachineArn: STATE_MACHINE, name: NAME, status, startDate: new Date(T0),
      ...(ended ? { stopDate: new Date(T0 + 30_000 * (ticks.length - 1)) } : {}),
      ...(tick.output === undefined ? {} : { output: JSON.stringify(tick.output) }),
      ...(tick.error === undefined ? {} : { error: tick.error }),
      ...(tick.cause === undefined ? {} : { cause: tick.cause }),
    } as DescribeExecutionCommandOutput);
    // Newest first, as reverseOrder asks; with the TaskScheduled/TaskStarted events between that the script must skip.
    const events = entered(tick.states).flatMap((e) => [e, { id: (e.id ?? 0) + 1, timestamp: new Date(T0), type: 'TaskScheduled' }]);
    history.resolvesOnce({ events: events.reverse() } as GetExecutionHistoryCommandOutput);
    for (const key of ['train', 'eval'] as const) {
      const job = tick[key];
      if (job === 'missing') {
        lists[key].resolvesOnce({ TrainingJobSummaries: [] });
      } else if (job !== undefined) {
        lists[key].resolvesOnce({ TrainingJobSummaries: [{ TrainingJobName: named[key], TrainingJobArn: 'arn', CreationTime: new Date(T0), TrainingJobStatus: job[0] as TrainingJobStatus }] });
        jobs[key]().resolvesOnce({
          TrainingJobName: named[key], TrainingJobStatus: job[0], SecondaryStatus: job[1], ...(job[2] === undefined ? {} : { FailureReason: job[2] }),
        } as DescribeTrainingJobCommandOutput);
      }
    }
  }
}

const through = (...names: string[]) => names;
const STATES = ['ValidateDataset', 'Train', 'Evaluate', 'LoadMetrics', 'Gate', 'Register', 'NotifySuccess'];
const upTo = (name: string) => STATES.slice(0, STATES.indexOf(name) + 1);

/** ValidateDataset -> Train (Starting, Downloading, Training, Uploading, Completed) -> Evaluate -> Gate -> Register -> SUCCEEDED, 30 s apart. */
const SUCCESS: Tick[] = [
  { states: upTo('ValidateDataset') },
  { states: upTo('Train'), train: 'missing' },
  { states: upTo('Train'), train: ['InProgress', 'Starting'] },
  { states: upTo('Train'), train: ['InProgress', 'Downloading'] },
  { states: upTo('Train'), train: ['InProgress', 'Training'] },
  { states: upTo('Train'), train: ['InProgress', 'Uploading'] },
  { states: upTo('Evaluate'), train: ['Completed', 'Completed'], eval: ['InProgress', 'Starting'] },
  { states: upTo('Evaluate'), eval: ['InProgress', 'Training'] },
  // LoadMetrics ran between two polls: the display goes straight from Evaluate to Gate.
  { states: upTo('Gate'), eval: ['Completed', 'Completed'] },
  { states: upTo('Register') },
  { status: 'SUCCEEDED', states: upTo('NotifySuccess'), output: OUTPUT },
];

beforeEach(() => {
  sfn.reset();
  sagemaker.reset();
});

describe('start', () => {
  test('sends StartExecution with the workflow\'s input document and the name, and prints the execution ARN', async () => {
    // GIVEN
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
    // WHEN
    const { code, stdout, stderr, regions } = await run([
      ...START, '--validation', 'validation/support-chat-v3.jsonl', '--test', 'test/support-chat-v3.jsonl',
    ]);
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: NAME,
      input: '{"method":"qlora","format":"chat","trainKey":"train/support-chat-v3.jsonl","validationKey":"validation/support-chat-v3.jsonl",' +
        '"testKey":"test/support-chat-v3.jsonl"}',
    });
    expect(stdout).toBe(`${EXECUTION}\n`);
    expect(stderr).toContain(`Started execution ${NAME} of FineTuningStateMachine: ${EXECUTION}\n`);
    expect(stderr).toContain(`Watch it with \`npm run fine-tune -- watch --execution ${EXECUTION}\`.`);
    expect(regions).toEqual(['eu-west-1']);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('without --name the execution is named ft-METHOD-YYYYMMDDHHMMSS (UTC); optional keys are left out', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
    const { code } = await run(['start', '--state-machine', STATE_MACHINE, '--method', 'full', '--format', 'sft', '--train', 'train/a.jsonl']);
    expect(code).toBe(EXIT_OK);
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE, name: 'ft-full-20231114221320', input: '{"method":"full","format":"sft","trainKey":"train/a.jsonl"}',
    });
  });

  test.each([
    ['dpo on preference pairs', ['--format', 'preference'], { method: 'dpo', format: 'preference', trainKey: 'train/support-chat-v3.jsonl' }],
    ['dpo with --from-feedback builds the pairs first', ['--from-feedback'], { method: 'dpo', format: 'chat', trainKey: 'train/support-chat-v3.jsonl', fromFeedback: true }],
  ])('%s', async (_case, extra, input) => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
    const { code } = await run([...START, '--method', 'dpo', ...extra]);
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.input as string)).toEqual(input);
  });

  test('--json prints one document: executionArn, executionName, stateMachineArn, startDate, input, error', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
    const { code, stdout } = await run([...START, '--json', '--region', 'eu-west-1']);
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(stdout)).toEqual({
      executionArn: EXECUTION, executionName: NAME, stateMachineArn: STATE_MACHINE, startDate: '2023-11-14T22:13:20.000Z',
      input: { method: 'qlora', format: 'chat', trainKey: 'train/support-chat-v3.jsonl' }, error: null,
    });
  });

  test('fails when StartExecution is refused: exit 1 with the API error and what to do', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error(`Execution Already Exists: '${EXECUTION}'`), { name: 'ExecutionAlreadyExists' }));
    const { code, stdout, stderr } = await run([...START, '--watch', '--json']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain(`fine-tune start: StartExecution failed: ExecutionAlreadyExists: Execution Already Exists: '${EXECUTION}'. ` +
      `An execution named ${NAME} already exists for this state machine: choose another --name`);
    expect(JSON.parse(stdout)).toMatchObject({ executionArn: null, error: expect.stringMatching(/^StartExecution failed/), watch: null });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  test('--watch continues as watch: stdout gets the model package ARN, --json one document with the watch report', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
    scenario(SUCCESS);
    const { code, stdout, stderr } = await run([...START, '--watch', '--json']);
    expect(code).toBe(EXIT_OK);
    expect(stderr).toContain(`Started execution ${NAME}`);
    expect(stderr).toContain('[00:05:00] Execution: RUNNING -> SUCCEEDED');
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ executionArn: EXECUTION, input: { method: 'qlora' }, error: null });
    expect(doc.watch).toMatchObject({ status: 'SUCCEEDED', output: OUTPUT });
  });
});

describe('start: bad usage exits 2 with every problem at once and calls nothing', () => {
  afterEach(() => expect(sfn.calls()).toHaveLength(0));

  const problems = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.slice(4));

  test.each<[string, string[], string]>([
    ['the state machine ARN is malformed', ['--state-machine', 'FineTuningStateMachine'],
      '--state-machine is "FineTuningStateMachine": use a state machine ARN such as arn:aws:states:eu-west-1:123456789012:stateMachine:FineTuningStateMachine ' +
      '(the FineTuningStateMachineArn output of the <Env>-Adaptation stack).'],
    ['an execution ARN is given as the state machine', ['--state-machine', EXECUTION],
      `--state-machine is "${EXECUTION}", an execution's ARN: watch it with \`watch --execution\`, or pass the state machine's ARN.`],
    ['the method is unknown', ['--method', 'sft'], '--method is "sft": use one of full, lora, qlora, dpo.'],
    ['the format is unknown', ['--format', 'jsonl'], '--format is "jsonl": use one of sft, chat, preference.'],
    ['dpo is given instruction data', ['--method', 'dpo', '--format', 'sft'],
      '--method dpo trains on preference pairs, not --format sft: use --format preference, or add --from-feedback to build them from the API\'s feedback records first.'],
    ['lora is given preference pairs', ['--method', 'lora', '--format', 'preference'],
      '--method lora trains on --format sft or chat, not preference pairs: use --method dpo for preference data.'],
    ['--from-feedback is given to a method that is not dpo', ['--from-feedback'],
      '--from-feedback builds preference data, which only --method dpo trains on: drop it, or use --method dpo.'],
    ['the training key is an S3 URI', ['--train', 's3://store-bucket/train/support-chat-v3.jsonl'],
      '--train is "s3://store-bucket/train/support-chat-v3.jsonl": pass the object\'s key in the dataset store, e.g. train/support-chat-v3.jsonl, not an s3:// URI.'],
    ['the training key is not under train/', ['--train', 'raw/support-chat-v3.jsonl'],
      '--train is "raw/support-chat-v3.jsonl": use a key under train/, where the dataset store keeps the train split, e.g. train/support-chat-v3.jsonl.'],
    ['the training key has a leading slash', ['--train', '/train/a.jsonl'], '--train is "/train/a.jsonl": keys have no leading /: use train/a.jsonl.'],
    ['the training key is not JSON Lines', ['--train', 'train/a.csv'],
      '--train is "train/a.csv": the workflow reads JSON Lines: name a .jsonl object, e.g. train/support-chat-v3.jsonl.'],
    ['the validation key is under train/', ['--validation', 'train/v.jsonl'],
      '--validation is "train/v.jsonl": use a key under validation/, where the dataset store keeps the validation split, e.g. validation/support-chat-v3.jsonl.'],
    ['the test key is a folder', ['--test', 'test/'], '--test is "test/": name one object, not a folder, e.g. test/support-chat-v3.jsonl.'],
    ['the name has characters job names refuse', ['--name', 'run_1.v2'],
      '--name is "run_1.v2": use 1-48 letters, digits and hyphens, starting with a letter or digit, e.g. run-1-v2.'],
    ['the name starts with a hyphen', ['--name', '-run'], '--name is "-run": use 1-48 letters, digits and hyphens, starting with a letter or digit, e.g. run.'],
    ['the name leaves no room for -train-XXXXXXXX', ['--name', 'a'.repeat(49)],
      '--name is 49 characters: use at most 48; the workflow names its jobs NAME-train-XXXXXXXX and NAME-eval-XXXXXXXX, and SageMaker job names take at most 63.'],
    ['--region is not a region code', ['--region', 'Ireland'], '--region is "Ireland": use a region code such as us-east-1 or eu-west-1.'],
    ['--region disagrees with the state machine\'s', ['--region', 'us-east-1'],
      '--region is us-east-1 but --state-machine is in eu-west-1: drop --region, or pass the ARN of us-east-1.'],
    ['--poll is given without --watch', ['--poll', '10'], '--poll only applies with --watch: add --watch, or drop --poll.'],
    ['--timeout is not a whole number', ['--watch', '--timeout', '1h'], '--timeout is "1h": use a whole number of at least 1.'],
    ['a flag is given a value', ['--watch=yes'], '--watch takes no value: write just --watch.'],
  ])('fails when %s', async (_case, extra, expected) => {
    // GIVEN valid options but one
    // WHEN
    const { code, stdout, stderr } = await run([...START, ...extra]);
    // THEN
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    expect(problems(stderr)).toEqual([expected]);
    expect(stderr).toMatch(/Run `npm run fine-tune -- start --help` for usage\.\n$/);
  });

  test('fails when every required option is missing and unknown options and positionals are given, all listed together', async () => {
    const { code, stderr } = await run(['start', '--methd', 'lora', 'train/a.jsonl']);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/^fine-tune start: 7 problems\n/);
    expect(problems(stderr)).toEqual([
      expect.stringMatching(/^--methd is not an option of start: use --state-machine, --method, --format/),
      // An unknown option is read as a flag, so its value stands alone.
      '"lora" is not an option of start: options start with --.',
      '"train/a.jsonl" is not an option of start: options start with --.',
      '--state-machine is missing: pass the FineTuningStateMachineArn output of the <Env>-Adaptation stack.',
      '--method is missing: choose one of full, lora, qlora, dpo.',
      '--format is missing: choose one of sft, chat, preference.',
      '--train is missing: pass the key of the train split in the dataset store, e.g. train/support-chat-v3.jsonl.',
    ]);
  });

  test('fails when no command, or an unknown one, is given: usage on stderr', async () => {
    const none = await run([]);
    expect(none.code).toBe(EXIT_USAGE);
    expect(none.stderr).toMatch(/^Usage: npm run fine-tune -- <command>/);
    const unknown = await run(['train', '--method', 'lora']);
    expect(unknown.code).toBe(EXIT_USAGE);
    expect(unknown.stderr).toMatch(/^fine-tune: "train" is not a command: use one of start, watch\./);
  });
});

describe('watch', () => {
  test('a successful execution: state and job transitions with elapsed time, then the summary; the model package ARN on stdout', async () => {
    // GIVEN
    scenario(SUCCESS);
    // WHEN
    const { code, stdout, stderr, regions } = await run(WATCH);
    // THEN
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${MODEL_PACKAGE}\n`);
    expect(regions).toEqual(['eu-west-1']);
    expect(stderr).toBe([
      `Watching execution ${NAME} of FineTuningStateMachine: RUNNING since 2023-11-14 22:13:20 UTC. Ctrl-C stops watching, not the execution.`,
      '[00:00:00] State: ValidateDataset',
      '[00:00:30] State: ValidateDataset -> Train',
      `[00:01:00] Train: ${NAME}-train-0a1b2c3d InProgress (Starting)`,
      '[00:01:30] Train: Starting -> Downloading',
      '[00:02:00] Train: Downloading -> Training',
      '[00:02:30] Train: Training -> Uploading',
      '[00:03:00] State: Train -> Evaluate',
      '[00:03:00] Train: Uploading -> Completed',
      `[00:03:00] Evaluate: ${NAME}-eval-4e5f6a7b InProgress (Starting)`,
      '[00:03:30] Evaluate: Starting -> Training',
      '[00:04:00] State: Evaluate -> Gate',
      '[00:04:00] Evaluate: Training -> Completed',
      '[00:04:30] State: Gate -> Register',
      '[00:05:00] State: Register -> NotifySuccess',
      '[00:05:00] Execution: RUNNING -> SUCCEEDED',
      `Execution ${NAME} SUCCEEDED in 00:05:00.`,
      `Training job: ${NAME}-train-0a1b2c3d`,
      `Model artifacts: s3://store-bucket/models/${NAME}-train-0a1b2c3d/output/model/`,
      `Evaluation job: ${NAME}-eval-4e5f6a7b`,
      'Metrics: tuned {"rouge_l":0.538}, base {"rouge_l":0.41}, improvement {"rouge_l":0.128}, examples 200',
      `Model package: ${MODEL_PACKAGE}`,
      `Approval status: PendingManualApproval. Approve it with \`aws sagemaker update-model-package --model-package-arn ${MODEL_PACKAGE} --model-approval-status Approved\`.`,
      '',
    ].join('\n'));
    // Each job is polled from its state on, until it ends: train listed 6 times (once before it existed) and
    // described 5 times, eval 3 times.
    expect(sagemaker.commandCalls(ListTrainingJobsCommand, { NameContains: `${NAME}-train-` })).toHaveLength(6);
    expect(sagemaker.commandCalls(DescribeTrainingJobCommand, { TrainingJobName: `${NAME}-train-0a1b2c3d` })).toHaveLength(5);
    expect(sagemaker.commandCalls(DescribeTrainingJobCommand, { TrainingJobName: `${NAME}-eval-4e5f6a7b` })).toHaveLength(3);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(11);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0].args[0].input).toEqual({
      executionArn: EXECUTION, reverseOrder: true, maxResults: 50, includeExecutionData: false,
    });
  });

  test('--json prints one document with the status, state, jobs, output, failure and error', async () => {
    scenario(SUCCESS);
    const { code, stdout } = await run([...WATCH, '--json']);
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(stdout)).toEqual({
      executionArn: EXECUTION, executionName: NAME, status: 'SUCCEEDED', state: 'NotifySuccess', elapsedSeconds: 300,
      trainingJob: { name: `${NAME}-train-0a1b2c3d`, status: 'Completed', secondaryStatus: 'Completed', failureReason: null },
      evaluationJob: { name: `${NAME}-eval-4e5f6a7b`, status: 'Completed', secondaryStatus: 'Completed', failureReason: null },
      output: OUTPUT, failure: null, error: null,
    });
  });

  test('fails when the training job failed: exit 1, the execution\'s error and cause, and the job\'s FailureReason', async () => {
    const reason = 'AlgorithmError: torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB';
    // A .sync task's cause is the job's whole description: the display cuts it, --json keeps it.
    const cause = JSON.stringify({ TrainingJobName: `${NAME}-train-0a1b2c3d`, TrainingJobStatus: 'Failed', FailureReason: reason, HyperParameters: { padding: 'x'.repeat(3000) } });
    scenario([
      { states: through('ValidateDataset') },
      { states: through('ValidateDataset', 'Train'), train: ['InProgress', 'Starting'] },
      { states: through('ValidateDataset', 'Train'), train: ['InProgress', 'Training'] },
      { states: through('ValidateDataset', 'Train', 'NotifyFailure'), train: ['Failed', 'Failed', reason] },
      { status: 'FAILED', states: through('ValidateDataset', 'Train', 'NotifyFailure', 'Failed'), error: 'States.TaskFailed', cause },
    ]);
    const { code, stdout, stderr } = await run([...WATCH, '--json']);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain('[00:01:00] Train: Starting -> Training\n[00:01:30] State: Train -> NotifyFailure\n[00:01:30] Train: Training -> Failed\n' +
      '[00:02:00] State: NotifyFailure -> Failed\n[00:02:00] Execution: RUNNING -> FAILED\n');
    expect(stderr).toContain([
      `fine-tune watch: execution ${NAME} FAILED after 00:02:00, in state Train.`,
      '  Error: States.TaskFailed',
      `  Cause: ${cause.slice(0, 2000)}... (${cause.length} characters in all; --json prints the whole cause)`,
      `  Training job ${NAME}-train-0a1b2c3d Failed: ${reason}`,
    ].join('\n'));
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'FAILED', state: 'Failed', trainingJob: { status: 'Failed', failureReason: reason }, evaluationJob: null, output: null,
      failure: { state: 'Train', error: 'States.TaskFailed', cause }, error: null,
    });
    expect(sagemaker.commandCalls(DescribeTrainingJobCommand, { TrainingJobName: `${NAME}-eval-4e5f6a7b` })).toHaveLength(0);
  });

  test('fails when the execution failed at ValidateDataset: exit 1 with its error and cause, and no job is looked up', async () => {
    const cause = '2 problem(s) in the chat dataset:\ntrain/support-chat-v3.jsonl:17: messages[0].role is "system": use "user" or "assistant"\n' +
      'train/support-chat-v3.jsonl:342: "messages" is empty: a conversation needs a "user" turn and an "assistant" answer';
    scenario([
      { states: through('ValidateDataset') },
      { status: 'FAILED', states: through('ValidateDataset', 'NotifyFailure', 'Failed'), error: 'DatasetInvalid', cause },
    ]);
    const { code, stdout, stderr } = await run(WATCH);
    expect(code).toBe(EXIT_FAILED);
    expect(stdout).toBe('');
    // The dataset's problems, one a line, indented under the cause.
    expect(stderr).toContain([
      `fine-tune watch: execution ${NAME} FAILED after 00:00:30, in state ValidateDataset.`,
      '  Error: DatasetInvalid',
      '  Cause: 2 problem(s) in the chat dataset:',
      '    train/support-chat-v3.jsonl:17: messages[0].role is "system": use "user" or "assistant"',
      '    train/support-chat-v3.jsonl:342: "messages" is empty: a conversation needs a "user" turn and an "assistant" answer',
      '',
    ].join('\n'));
    expect(sagemaker.calls()).toHaveLength(0);
  });

  test('an execution already ended when watching starts: one poll, and the job is still looked up for its reason', async () => {
    scenario([{ status: 'ABORTED', states: through('ValidateDataset', 'Train'), train: ['Stopped', 'Stopped'] }]);
    const { code, stderr } = await run(WATCH);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toContain(`fine-tune watch: execution ${NAME} ABORTED after 00:00:00, in state Train.\n  It was stopped (StopExecution).\n` +
      `  Training job ${NAME}-train-0a1b2c3d Stopped: SageMaker gave no FailureReason`);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });

  test('fails when --timeout passes first: exit 1, the execution keeps running, and the message says how to watch or stop it', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, status: 'RUNNING', startDate: new Date(T0 - 3_600_000) } as DescribeExecutionCommandOutput);
    sfn.on(GetExecutionHistoryCommand).resolves({ events: entered(['ValidateDataset', 'Train']).reverse() } as GetExecutionHistoryCommandOutput);
    sagemaker.on(ListTrainingJobsCommand).resolves({ TrainingJobSummaries: [{ TrainingJobName: `${NAME}-train-0a1b2c3d`, TrainingJobArn: 'arn', CreationTime: new Date(T0), TrainingJobStatus: 'InProgress' }] });
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' } as DescribeTrainingJobCommandOutput);
    const { code, stdout, stderr } = await run([...WATCH, '--timeout', '90', '--json']);
    expect(code).toBe(EXIT_FAILED);
    // Elapsed time counts from the execution's start, an hour before watching began.
    expect(stderr).toContain(`[01:00:00] State: Train\n[01:00:00] Train: ${NAME}-train-0a1b2c3d InProgress (Training)\n`);
    expect(stderr).toContain(`fine-tune watch: gave up after 00:01:30 (--timeout 90 s): execution ${NAME} is still RUNNING in state Train and keeps running. ` +
      `Watch it again with \`npm run fine-tune -- watch --execution ${EXECUTION}\`, or stop it with \`aws stepfunctions stop-execution --execution-arn ${EXECUTION}\``);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'RUNNING', state: 'Train', elapsedSeconds: 3690, error: expect.stringMatching(/^gave up after 00:01:30/) });
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(4);
  });

  test('a long state repeats what it waits for every 5 minutes', async () => {
    sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, status: 'RUNNING', startDate: new Date(T0) } as DescribeExecutionCommandOutput);
    sfn.on(GetExecutionHistoryCommand).resolves({ events: entered(['ValidateDataset', 'Train']).reverse() } as GetExecutionHistoryCommandOutput);
    sagemaker.on(ListTrainingJobsCommand).resolves({ TrainingJobSummaries: [{ TrainingJobName: `${NAME}-train-0a1b2c3d`, TrainingJobArn: 'arn', CreationTime: new Date(T0), TrainingJobStatus: 'InProgress' }] });
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' } as DescribeTrainingJobCommandOutput);
    const { stderr } = await run([...WATCH, '--poll', '60', '--timeout', '660']);
    expect(stderr).toContain(`[00:05:00] Still RUNNING in Train (${NAME}-train-0a1b2c3d: Training).\n[00:10:00] Still RUNNING in Train (${NAME}-train-0a1b2c3d: Training).\n`);
  });

  test('fails when the execution does not exist: exit 1 with the API error and what to check', async () => {
    sfn.on(DescribeExecutionCommand).rejects(Object.assign(new Error(`Execution Does Not Exist: '${EXECUTION}'`), { name: 'ExecutionDoesNotExist' }));
    const { code, stderr } = await run(WATCH);
    expect(code).toBe(EXIT_FAILED);
    expect(stderr).toBe(`fine-tune watch: DescribeExecution failed: ExecutionDoesNotExist: Execution Does Not Exist: '${EXECUTION}'. ` +
      'There is no such execution in eu-west-1: check --execution (start prints it).\n');
  });

  test('without sagemaker:DescribeTrainingJob the execution is still watched to its end, with one warning', async () => {
    scenario(SUCCESS.map((tick) => ({ ...tick, train: undefined, eval: undefined })));
    sagemaker.on(ListTrainingJobsCommand).rejects(Object.assign(new Error('not authorized to perform: sagemaker:ListTrainingJobs'), { name: 'AccessDeniedException' }));
    const { code, stdout, stderr } = await run(WATCH);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toBe(`${MODEL_PACKAGE}\n`);
    expect(stderr.match(/cannot describe/g)).toHaveLength(1);
    expect(stderr).toContain(`The caller needs sagemaker:ListTrainingJobs, and sagemaker:DescribeTrainingJob on arn:aws:sagemaker:eu-west-1:123456789012:training-job/${NAME}-*.`);
    expect(sagemaker.calls()).toHaveLength(1);
  });

  test.each<[string, string[], string]>([
    ['--execution is missing', ['watch'], '--execution is missing: pass the execution ARN that `start` printed.'],
    ['--execution is a state machine ARN', ['watch', '--execution', STATE_MACHINE],
      `--execution is "${STATE_MACHINE}", a state machine's ARN: pass the ARN of one execution, as \`start\` prints it.`],
    ['--execution is a bare name', ['watch', '--execution', NAME],
      `--execution is "${NAME}": use an execution ARN, arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME, as \`start\` prints it.`],
    ['--poll is zero', [...WATCH, '--poll', '0'], '--poll is "0": use a whole number of at least 1.'],
    ['--region disagrees with the execution\'s', [...WATCH, '--region', 'us-west-2'],
      '--region is us-west-2 but --execution is in eu-west-1: drop --region, or pass the ARN of us-west-2.'],
    ['an option of start is given', [...WATCH, '--method=lora'], '--method is not an option of watch: use --execution, --poll, --timeout, --region, --json, --help.'],
  ])('fails when %s: exit 2, nothing called', async (_case, argv, expected) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toBe(`fine-tune watch: 1 problem\n  - ${expected}\nRun \`npm run fine-tune -- watch --help\` for usage.\n`);
    expect(sfn.calls()).toHaveLength(0);
  });
});

test('--help prints usage on stdout and exits 0; each command has its own', async () => {
  const top = await run(['--help']);
  expect(top.code).toBe(EXIT_OK);
  expect(top.stdout).toMatch(/^Usage: npm run fine-tune -- <command> \[options\]/);
  const watchHelp = await run(['watch', '--help']);
  expect(watchHelp.code).toBe(EXIT_OK);
  expect(watchHelp.stdout).toContain('--execution <value>');
});

test('the real entry point runs through tsx: --help exits 0 with usage', () => {
  const root = path.join(__dirname, '..', '..');
  const out = execFileSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/fine-tune.ts', '--help'], { cwd: root, encoding: 'utf8' });
  expect(out).toMatch(/^Usage: npm run fine-tune -- <command> \[options\]/);
  expect(out).toContain('Stopping this script (Ctrl-C) does not stop the execution.');
});
