/**
 * `npm run fine-tune -- <start|watch> [options]`: starts the kit's fine-tuning workflow (a Step Functions state machine,
 * the `FineTuningStateMachineArn` output of the `<Env>-Adaptation` stack) and watches an execution of it. `start` checks
 * the method, dataset format and dataset keys before anything is called, then starts an execution and prints its ARN;
 * `watch` polls the execution, its current state and its SageMaker training and evaluation jobs (`<execution>-train`,
 * `<execution>-eval`), printing every transition with the execution's elapsed time on stderr and, at the end, the
 * metrics, the registered model package and its approval status; `--json` prints one JSON document on stdout instead.
 * Exit codes: 0 started (or, when watching, SUCCEEDED); 1 the call failed, the execution FAILED, TIMED_OUT or was
 * ABORTED, or --timeout passed first; 2 bad usage, with every problem listed at once.
 */
import {
  DescribeExecutionCommand, ExecutionStatus, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand,
  type DescribeExecutionCommandOutput, type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { DescribeTrainingJobCommand, ListTrainingJobsCommand, SageMakerClient, TrainingJobStatus } from '@aws-sdk/client-sagemaker';
import { formatElapsed } from './lib/optimization';
import {
  clockOf, EXIT_OK, EXIT_USAGE, integer, isRecord, json, optionLines, parseCommand, problemReport, runScript, str,
  type ClockDeps, type Io as Writers, type OptionSpec, type Values,
} from './lib/cli';

/** Each writer adds a newline to the text. */
export type Io = Writers;


export interface Deps extends ClockDeps {
  /** The Step Functions client for a region (the region of the ARN given). @default a new SFNClient */
  readonly createSfnClient?: (region: string) => SFNClient;
  /** The SageMaker client for a region. @default a new SageMakerClient */
  readonly createSageMakerClient?: (region: string) => SageMakerClient;
}

export { EXIT_OK, EXIT_USAGE };
export const EXIT_FAILED = 1;

/** Seconds between polls by default: a training job changes status every few minutes at most. */
export const DEFAULT_POLL_SECONDS = 30;
/** Seconds without a printed line after which the display says what it is still waiting for. */
export const HEARTBEAT_SECONDS = 300;
/**
 * The workflow names its jobs `<execution>-train-<8 hex>` and `<execution>-eval-<8 hex>` (a new suffix on each
 * attempt), and SageMaker job names take at most 63 characters.
 */
export const MAX_EXECUTION_NAME_LENGTH = 48;
/** The display cuts a failure's cause here; `--json` has all of it. */
export const MAX_CAUSE_CHARACTERS = 2000;

export const METHODS = ['full', 'lora', 'qlora', 'dpo'] as const;
export const FORMATS = ['sft', 'chat', 'preference'] as const;
export type Method = (typeof METHODS)[number];
export type Format = (typeof FORMATS)[number];

/**
 * The workflow's main states in the order they run; a failure in any of them goes to NotifyFailure, then a Fail state.
 * Watching uses the order to tell which jobs exist by now: Train's from Train on, Evaluate's from Evaluate on.
 */
export const WORKFLOW_STATES = ['BuildPreferences', 'ValidateDataset', 'Train', 'Evaluate', 'LoadMetrics', 'Gate', 'Register', 'NotifySuccess'] as const;
const FAILURE_HANDLER = 'NotifyFailure';

/** The execution input the state machine takes. */
export interface FineTuningInput {
  readonly method: Method;
  readonly format: Format;
  readonly trainKey: string;
  readonly validationKey?: string;
  readonly testKey?: string;
  readonly fromFeedback?: boolean;
}

const WAIT_OPTIONS: Record<string, OptionSpec> = {
  poll: { type: 'string', help: `seconds between checks (default ${DEFAULT_POLL_SECONDS})` },
  timeout: { type: 'string', help: 'seconds to watch before giving up; the execution keeps running (default: until it ends)' },
};

const COMMANDS: Record<string, { readonly summary: string; readonly synopsis: string; readonly options: Record<string, OptionSpec> }> = {
  start: {
    summary: 'start an execution of the fine-tuning workflow and print its ARN',
    synopsis: 'start --state-machine ARN --method METHOD --format FORMAT --train KEY [options]',
    options: {
      'state-machine': { type: 'string', help: 'the workflow\'s ARN: output FineTuningStateMachineArn of the <Env>-Adaptation stack (required)' },
      method: { type: 'string', help: `${METHODS.join('|')} (required)` },
      format: { type: 'string', help: `${FORMATS.join('|')}: the dataset's format; dpo trains on preference (required)` },
      train: { type: 'string', help: 'key of the training split in the dataset store, e.g. train/support-chat-v3.jsonl (required)' },
      validation: { type: 'string', help: 'key of the validation split, under validation/ (default: none)' },
      test: { type: 'string', help: 'key of the held-out split the evaluation scores, under test/ (default: none)' },
      'from-feedback': { type: 'boolean', help: 'dpo: first build preference data from the API\'s feedback records' },
      name: { type: 'string', help: `execution name: 1-${MAX_EXECUTION_NAME_LENGTH} letters, digits and hyphens (default ft-METHOD-YYYYMMDDHHMMSS, UTC)` },
      region: { type: 'string', help: 'AWS region (default: the state machine\'s, from its ARN)' },
      watch: { type: 'boolean', help: 'then watch the execution, as `watch` does' },
      ...WAIT_OPTIONS,
      json: { type: 'boolean', help: 'print one JSON document on stdout' },
      help: { type: 'boolean', help: 'show this help' },
    },
  },
  watch: {
    summary: 'follow an execution: states, training and evaluation jobs, then metrics and the model package',
    synopsis: 'watch --execution ARN [options]',
    options: {
      execution: { type: 'string', help: 'the execution\'s ARN, as `start` prints it (required)' },
      ...WAIT_OPTIONS,
      region: { type: 'string', help: 'AWS region (default: the execution\'s, from its ARN)' },
      json: { type: 'boolean', help: 'print one JSON document on stdout' },
      help: { type: 'boolean', help: 'show this help' },
    },
  },
};

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):stateMachine:([^:\s]{1,80})(?::[^:\s]+)?$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):execution:([^:\s]{1,80}):([^:\s]{1,80})$/;
/** Letters, digits and hyphens, starting with a letter or digit: valid for Step Functions and, suffixed, for SageMaker. */
const EXECUTION_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const EXAMPLE_STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:FineTuningStateMachine';

interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly stateMachineName: string;
  readonly region: string;
  readonly account: string;
}

/** A SageMaker job of the execution as last seen; null fields until it has been described. */
export interface JobReport {
  readonly name: string;
  readonly status: string | null;
  readonly secondaryStatus: string | null;
  readonly failureReason: string | null;
}

/** What `watch --json` prints: the same fields whatever the outcome. */
export interface WatchReport {
  readonly executionArn: string;
  readonly executionName: string;
  /** The execution's last status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED); null when it could not be described. */
  readonly status: string | null;
  /** The state last entered. */
  readonly state: string | null;
  /** Seconds since the execution started; to its end once it ended. */
  readonly elapsedSeconds: number;
  readonly trainingJob: JobReport | null;
  readonly evaluationJob: JobReport | null;
  /** The execution's output when it SUCCEEDED, as the workflow writes it (see outcomeOf). */
  readonly output: Record<string, unknown> | null;
  /** How the execution ended when it did not succeed: the state it failed in, and the Fail state's error and cause. */
  readonly failure: { readonly state: string | null; readonly error: string | null; readonly cause: string | null } | null;
  /** Why watching stopped without an outcome: an API error or --timeout. */
  readonly error: string | null;
}

/** What `start --json` prints; `watch` is there with --watch only (null when the start failed). */
export interface StartReport {
  readonly executionArn: string | null;
  readonly executionName: string;
  readonly stateMachineArn: string;
  readonly startDate: string | null;
  readonly input: FineTuningInput;
  /** Why StartExecution failed. */
  readonly error: string | null;
  readonly watch?: WatchReport | null;
}

interface Context {
  readonly io: Io;
  readonly now: () => number;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly sfn: (region: string) => SFNClient;
  readonly sagemaker: (region: string) => SageMakerClient;
  readonly asJson: boolean;
}

interface WaitOptions { readonly pollSeconds: number; readonly timeoutSeconds: number | undefined; readonly startDate?: Date }

export async function main(argv: readonly string[], io: Io, deps: Deps = {}): Promise<number> {
  const parsed = parseCommand('fine-tune', argv, COMMANDS, io, usage, commandUsage);
  if ('exit' in parsed) return parsed.exit;
  const { command, values, positionals } = parsed;
  const spec = COMMANDS[command];
  const problems = optionProblems(command, spec.options, values, positionals);
  const ctx: Context = {
    io,
    ...clockOf(deps),
    sfn: deps.createSfnClient ?? ((region) => new SFNClient({ region })),
    sagemaker: deps.createSageMakerClient ?? ((region) => new SageMakerClient({ region })),
    asJson: values.json === true,
  };
  return command === 'start' ? start(ctx, values, problems) : watch(ctx, values, problems);
}

// ---- start ----

async function start(ctx: Context, values: Values, problems: string[]): Promise<number> {
  const stateMachine = stateMachineOption(values, problems);
  const method = choice(values, 'method', METHODS, problems);
  const format = choice(values, 'format', FORMATS, problems);
  const fromFeedback = values['from-feedback'] === true;
  checkMethodFormat(method, format, fromFeedback, problems);
  const trainKey = datasetKey(values, 'train', problems, true);
  const validationKey = datasetKey(values, 'validation', problems, false);
  const testKey = datasetKey(values, 'test', problems, false);
  const givenName = str(values.name);
  if (givenName !== undefined) checkExecutionName(givenName, problems);
  const region = regionOption(values, stateMachine?.region, '--state-machine', problems);
  const wait = waitOptions(values, problems);
  if (values.watch !== true) {
    for (const option of Object.keys(WAIT_OPTIONS)) {
      if (values[option] !== undefined) problems.push(`--${option} only applies with --watch: add --watch, or drop --${option}.`);
    }
  }
  if (problems.length > 0 || stateMachine === undefined || region === undefined) return fail('start', problems, ctx.io);

  const input: FineTuningInput = {
    method: method as Method,
    format: format as Format,
    trainKey: trainKey as string,
    ...(validationKey === undefined ? {} : { validationKey }),
    ...(testKey === undefined ? {} : { testKey }),
    ...(fromFeedback ? { fromFeedback: true } : {}),
  };
  const name = givenName ?? defaultExecutionName(input.method, ctx.now());
  const report = (fields: Partial<StartReport>): StartReport => ({
    executionArn: null, executionName: name, stateMachineArn: stateMachine.arn, startDate: null, input, error: null, ...fields,
  });

  let executionArn: string;
  let startDate: Date | undefined;
  try {
    const started = await ctx.sfn(region).send(new StartExecutionCommand({ stateMachineArn: stateMachine.arn, name, input: JSON.stringify(input) }));
    executionArn = started.executionArn ?? `arn:aws:states:${region}:${stateMachine.account}:execution:${stateMachine.name}:${name}`;
    startDate = started.startDate;
  } catch (error) {
    const message = `StartExecution failed: ${describeError(error)}${startHint(error, name)}`;
    ctx.io.stderr(`fine-tune start: ${message}`);
    if (ctx.asJson) ctx.io.stdout(json(report({ error: message, ...(values.watch === true ? { watch: null } : {}) })));
    return EXIT_FAILED;
  }
  const started = report({ executionArn, startDate: startDate?.toISOString() ?? null });
  ctx.io.stderr(`Started execution ${name} of ${stateMachine.name}: ${executionArn}\nInput: ${JSON.stringify(input)}`);
  if (values.watch !== true) {
    ctx.io.stderr(`Watch it with \`npm run fine-tune -- watch --execution ${executionArn}\`.`);
    ctx.io.stdout(ctx.asJson ? json(started) : executionArn);
    return EXIT_OK;
  }
  const execution: Execution = { arn: executionArn, name, stateMachineName: stateMachine.name, region, account: stateMachine.account };
  const watched = await watchExecution(ctx, execution, { ...wait, startDate });
  if (ctx.asJson) ctx.io.stdout(json({ ...started, watch: watched.report }));
  else printResult(ctx, watched);
  return watched.code;
}

/** The method needs a dataset format it can train on: preference pairs for DPO, instructions or conversations otherwise. */
function checkMethodFormat(method: Method | undefined, format: Format | undefined, fromFeedback: boolean, problems: string[]): void {
  if (method === 'dpo') {
    if (format !== undefined && format !== 'preference' && !fromFeedback) {
      problems.push(`--method dpo trains on preference pairs, not --format ${format}: use --format preference, ` +
        'or add --from-feedback to build them from the API\'s feedback records first.');
    }
  } else if (method !== undefined) {
    if (format === 'preference') {
      problems.push(`--method ${method} trains on --format sft or chat, not preference pairs: use --method dpo for preference data.`);
    }
    if (fromFeedback) problems.push(`--from-feedback builds preference data, which only --method dpo trains on: drop it, or use --method dpo.`);
  }
}

/** A key of the dataset store under the split's own prefix (train/, validation/, test/), naming one JSON Lines object. */
function datasetKey(values: Values, split: 'train' | 'validation' | 'test', problems: string[], required: boolean): string | undefined {
  const key = str(values[split]);
  const prefix = `${split}/`;
  const example = `${prefix}support-chat-v3.jsonl`;
  if (key === undefined) {
    if (required && values[split] === undefined) problems.push(`--${split} is missing: pass the key of the ${split} split in the dataset store, e.g. ${example}.`);
    return undefined;
  }
  let problem: string | undefined;
  if (/^s3:\/\//i.test(key)) {
    const inner = key.replace(/^s3:\/\/[^/]*\/?/i, '');
    problem = `pass the object's key in the dataset store, e.g. ${inner.startsWith(prefix) ? inner : example}, not an s3:// URI`;
  } else if (key.startsWith('/')) {
    problem = `keys have no leading /: use ${key.replace(/^\/+/, '')}`;
  } else if (!key.startsWith(prefix)) {
    problem = `use a key under ${prefix}, where the dataset store keeps the ${split} split, e.g. ${example}`;
  } else if (key.endsWith('/')) {
    problem = `name one object, not a folder, e.g. ${key}support-chat-v3.jsonl`;
  } else if (!key.endsWith('.jsonl')) {
    problem = `the workflow reads JSON Lines: name a .jsonl object, e.g. ${example}`;
  }
  if (problem === undefined) return key;
  problems.push(`--${split} is "${key}": ${problem}.`);
  return undefined;
}

function checkExecutionName(name: string, problems: string[]): void {
  if (!EXECUTION_NAME.test(name)) {
    const suggestion = name.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, MAX_EXECUTION_NAME_LENGTH) || 'ft-lora-1';
    problems.push(`--name is "${name}": use 1-${MAX_EXECUTION_NAME_LENGTH} letters, digits and hyphens, starting with a letter or digit, e.g. ${suggestion}.`);
  } else if (name.length > MAX_EXECUTION_NAME_LENGTH) {
    problems.push(`--name is ${name.length} characters: use at most ${MAX_EXECUTION_NAME_LENGTH}; the workflow names its jobs ` +
      'NAME-train-XXXXXXXX and NAME-eval-XXXXXXXX, and SageMaker job names take at most 63.');
  }
}

/** `ft-<method>-<yyyymmddHHMMSS>` in UTC: sortable, and unique enough for one person starting runs by hand. */
function defaultExecutionName(method: Method, now: number): string {
  return `ft-${method}-${new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

function startHint(error: unknown, name: string): string {
  switch (error instanceof Error ? error.name : '') {
    case 'ExecutionAlreadyExists':
      return `. An execution named ${name} already exists for this state machine: choose another --name, or drop --name for a generated one.`;
    case 'StateMachineDoesNotExist':
      return '. Check --state-machine: the FineTuningStateMachineArn output of the <Env>-Adaptation stack, in that stack\'s region.';
    case 'AccessDeniedException':
      return '. The caller needs states:StartExecution on the state machine.';
    case 'ExecutionLimitExceeded':
      return '. Too many executions are running: wait for some to end.';
    default:
      return '.';
  }
}

// ---- watch ----

async function watch(ctx: Context, values: Values, problems: string[]): Promise<number> {
  const execution = executionOption(values, problems);
  const region = regionOption(values, execution?.region, '--execution', problems);
  const wait = waitOptions(values, problems);
  if (problems.length > 0 || execution === undefined || region === undefined) return fail('watch', problems, ctx.io);
  const watched = await watchExecution(ctx, { ...execution, region }, wait);
  if (ctx.asJson) ctx.io.stdout(json(watched.report));
  else printResult(ctx, watched);
  return watched.code;
}

/** Without --json, stdout gets what was registered (the model package's ARN, or the Bedrock custom model's), so `PKG=$(npm run -s fine-tune -- watch ...)` captures it. */
function printResult(ctx: Context, watched: { code: number; report: WatchReport }): void {
  // What was registered: the model package (SageMaker backend) or the custom model (Bedrock backend).
  const outcome = watched.report.output ? outcomeOf(watched.report.output) : {};
  const registered = outcome.modelPackageArn ?? outcome.customModelArn;
  if (watched.code === EXIT_OK && registered !== undefined) ctx.io.stdout(registered);
}

class JobWatch {
  public status: string | null = null;
  public secondaryStatus: string | null = null;
  public failureReason: string | null = null;

  /** The job's name once the workflow has created it (the newest attempt's). */
  public name: string | null = null;

  public constructor(public readonly label: string, public readonly prefix: string, public readonly after: number) {}

  public get settled(): boolean {
    return this.status === TrainingJobStatus.COMPLETED || this.status === TrainingJobStatus.FAILED || this.status === TrainingJobStatus.STOPPED;
  }

  public report(): JobReport | null {
    if (this.status === null) return null;
    return { name: this.name ?? this.prefix, status: this.status, secondaryStatus: this.secondaryStatus, failureReason: this.failureReason };
  }
}

const TERMINAL: readonly string[] = [ExecutionStatus.SUCCEEDED, ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED];

/**
 * Polls the execution until it ends or the timeout passes. Each poll: DescribeExecution, the latest events of its history
 * (the current state), and DescribeTrainingJob for the job of a state the execution has reached, until that job ends.
 * Progress goes to stderr; the caller prints stdout.
 */
async function watchExecution(ctx: Context, execution: Execution, options: WaitOptions): Promise<{ code: number; report: WatchReport }> {
  const { io, now } = ctx;
  const sfn = ctx.sfn(execution.region);
  const sagemaker = ctx.sagemaker(execution.region);
  const watchStartedAt = now();
  let startedAt = options.startDate?.getTime();
  let stoppedAt: number | undefined;
  const elapsed = () => Math.max(0, Math.round(((stoppedAt ?? now()) - (startedAt ?? watchStartedAt)) / 1000));
  let lastLineAt = 0;
  const line = (text: string) => {
    io.stderr(`[${formatElapsed(elapsed())}] ${text}`);
    lastLineAt = elapsed();
  };

  let status: string | null = null;
  let state: string | null = null;
  let reached = -1;
  let historyAvailable = true;
  let jobsAvailable = true;
  const jobs = [
    new JobWatch('Train', `${execution.name}-train-`, WORKFLOW_STATES.indexOf('Train')),
    new JobWatch('Evaluate', `${execution.name}-eval-`, WORKFLOW_STATES.indexOf('Evaluate')),
  ];
  const report = (fields: Partial<WatchReport> = {}): WatchReport => ({
    executionArn: execution.arn, executionName: execution.name, status, state, elapsedSeconds: elapsed(),
    trainingJob: jobs[0].report(), evaluationJob: jobs[1].report(), output: null, failure: null, error: null, ...fields,
  });
  const gaveUp = (message: string) => {
    io.stderr(`fine-tune watch: ${message}`);
    return { code: EXIT_FAILED, report: report({ error: message }) };
  };

  const pollJob = async (job: JobWatch) => {
    let description;
    try {
      // Each attempt of the state creates a job with a new suffix: follow the newest.
      const listed = await sagemaker.send(new ListTrainingJobsCommand({ NameContains: job.prefix, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10 }));
      const newest = listed.TrainingJobSummaries?.find((j) => j.TrainingJobName?.startsWith(job.prefix))?.TrainingJobName;
      if (newest === undefined) return; // the state has started but its job is not created yet
      job.name = newest;
      description = await sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: newest }));
    } catch (error) {
      if (isNotFound(error)) return;
      jobsAvailable = false;
      // SageMaker writes job names in lower case in their ARNs, which is what IAM matches.
      io.stderr(`fine-tune watch: cannot describe ${job.name ?? `${job.prefix}*`} (${describeError(error)}); job progress is not shown. The caller needs ` +
        `sagemaker:ListTrainingJobs, and sagemaker:DescribeTrainingJob on arn:aws:sagemaker:${execution.region}:${execution.account}:training-job/${execution.name.toLowerCase()}-*.`);
      return;
    }
    const jobStatus = description.TrainingJobStatus ?? 'Unknown';
    const secondary = description.SecondaryStatus ?? jobStatus;
    if (job.status === null) {
      line(`${job.label}: ${job.name} ${jobStatus}${secondary === jobStatus ? '' : ` (${secondary})`}`);
    } else if (secondary !== job.secondaryStatus) {
      const also = jobStatus !== job.status && jobStatus !== secondary ? ` (job ${jobStatus})` : '';
      line(`${job.label}: ${job.secondaryStatus} -> ${secondary}${also}`);
    } else if (jobStatus !== job.status) {
      line(`${job.label}: ${job.status} -> ${jobStatus}`);
    }
    job.status = jobStatus;
    job.secondaryStatus = secondary;
    job.failureReason = description.FailureReason ?? null;
  };

  for (;;) {
    let described: DescribeExecutionCommandOutput;
    try {
      described = await sfn.send(new DescribeExecutionCommand({ executionArn: execution.arn }));
    } catch (error) {
      return gaveUp(`DescribeExecution failed: ${describeError(error)}${describeHint(error, execution)}`);
    }
    startedAt ??= described.startDate?.getTime();
    const newStatus = described.status ?? 'UNKNOWN';
    if (status === null) {
      const since = described.startDate === undefined ? '' : ` since ${utc(described.startDate)}`;
      io.stderr(`Watching execution ${execution.name} of ${execution.stateMachineName}: ${newStatus}${since}. ` +
        'Ctrl-C stops watching, not the execution.');
      lastLineAt = elapsed();
    }
    if (TERMINAL.includes(newStatus)) stoppedAt = described.stopDate?.getTime();

    let entered: Entered[] = [];
    if (historyAvailable) {
      try {
        const history = await sfn.send(new GetExecutionHistoryCommand({
          executionArn: execution.arn, reverseOrder: true, maxResults: 50, includeExecutionData: false,
        }));
        entered = enteredStates(history.events ?? []);
      } catch (error) {
        historyAvailable = false;
        io.stderr(`fine-tune watch: cannot read the execution's history (${describeError(error)}); states are not shown. ` +
          'The caller needs states:GetExecutionHistory on the state machine\'s executions.');
      }
    }
    const current = entered[0]?.name;
    if (current !== undefined && current !== state) {
      line(state === null ? `State: ${current}` : `State: ${state} -> ${current}`);
      state = current;
    }
    for (const e of entered) reached = Math.max(reached, WORKFLOW_STATES.indexOf(e.name as (typeof WORKFLOW_STATES)[number]));

    // Without the history the jobs are polled in turn from the start: not-found answers are expected until each exists.
    for (const [i, job] of jobs.entries()) {
      const due = historyAvailable ? reached >= job.after : i === 0 || jobs[i - 1].settled;
      if (jobsAvailable && due && !job.settled) await pollJob(job);
    }

    if (status !== null && newStatus !== status) line(`Execution: ${status} -> ${newStatus}`);
    status = newStatus;
    if (TERMINAL.includes(newStatus)) return ended(ctx, execution, described, entered, jobs, report);

    if (elapsed() - lastLineAt >= HEARTBEAT_SECONDS) {
      const active = jobs.find((j) => j.status !== null && !j.settled);
      line(`Still ${status}${state === null ? '' : ` in ${state}`}${active === undefined ? '' : ` (${active.name}: ${active.secondaryStatus})`}.`);
    }
    const waited = (now() - watchStartedAt) / 1000;
    const remaining = options.timeoutSeconds === undefined ? Infinity : options.timeoutSeconds - waited;
    if (remaining <= 0) {
      return gaveUp(`gave up after ${formatElapsed(waited)} (--timeout ${options.timeoutSeconds} s): execution ${execution.name} is still ` +
        `${status}${state === null ? '' : ` in state ${state}`} and keeps running. Watch it again with ` +
        `\`npm run fine-tune -- watch --execution ${execution.arn}\`, or stop it with ` +
        `\`aws stepfunctions stop-execution --execution-arn ${execution.arn}\` (Step Functions then stops its running SageMaker job).`);
    }
    // The last sleep is cut short so the final poll lands on the timeout, not up to a poll interval after it.
    await ctx.sleep(Math.min(options.pollSeconds, remaining) * 1000);
  }
}

function ended(
  ctx: Context, execution: Execution, described: DescribeExecutionCommandOutput, entered: readonly Entered[], jobs: readonly JobWatch[],
  report: (fields?: Partial<WatchReport>) => WatchReport,
): { code: number; report: WatchReport } {
  const status = described.status as string;
  const final = report();
  const took = formatElapsed(final.elapsedSeconds);
  if (status === ExecutionStatus.SUCCEEDED) {
    const output = parseObject(described.output);
    ctx.io.stderr([`Execution ${execution.name} SUCCEEDED in ${took}.`, ...summary(output, described.output)].join('\n'));
    return { code: EXIT_OK, report: { ...final, output } };
  }
  // The state it failed in is the last one entered before the failure handler and the Fail state.
  const failedIn = entered.find((e) => e.name !== FAILURE_HANDLER && e.type !== 'FailStateEntered')?.name ?? null;
  const failure = { state: failedIn, error: described.error ?? null, cause: described.cause ?? null };
  const lines = [`fine-tune watch: execution ${execution.name} ${status} after ${took}${failedIn === null ? '' : `, in state ${failedIn}`}.`];
  if (failure.error !== null) lines.push(`  Error: ${failure.error}`);
  if (failure.cause !== null) lines.push(`  Cause: ${displayCause(failure.cause)}`);
  if (failure.error === null && failure.cause === null) {
    lines.push(status === ExecutionStatus.ABORTED ? '  It was stopped (StopExecution).' : status === ExecutionStatus.TIMED_OUT
      ? '  It ran longer than the state machine\'s timeout.' : '  Step Functions gave no error or cause.');
  }
  for (const job of jobs) {
    if (job.status === TrainingJobStatus.FAILED || job.status === TrainingJobStatus.STOPPED) {
      lines.push(`  ${job.label === 'Train' ? 'Training' : 'Evaluation'} job ${job.name} ${job.status}: ${job.failureReason ?? 'SageMaker gave no FailureReason'}`);
    }
  }
  ctx.io.stderr(lines.join('\n'));
  return { code: EXIT_FAILED, report: { ...final, failure } };
}

/**
 * A cause as the display shows it: continuation lines indented under the first (a dataset's problems come one a line),
 * and cut at MAX_CAUSE_CHARACTERS, since a task's cause can be a whole API response; --json keeps all of it.
 */
function displayCause(cause: string): string {
  const shown = cause.length > MAX_CAUSE_CHARACTERS
    ? `${cause.slice(0, MAX_CAUSE_CHARACTERS)}... (${cause.length} characters in all; --json prints the whole cause)`
    : cause;
  return shown.replace(/\r?\n/g, '\n    ');
}

/**
 * What a succeeded execution made, from its output as the workflow writes it (the SageMaker backend: train,
 * evaluation, metrics, registered; the Bedrock backend: job, metrics).
 */
export function outcomeOf(output: Record<string, unknown>): {
  trainingJob?: string; modelArtifacts?: string; evaluationJob?: string; customizationJob?: string;
  metrics?: Record<string, unknown>; modelPackageArn?: string; approvalStatus?: string; customModelArn?: string;
} {
  const at = (object: unknown, key: string) => (isRecord(object) && typeof object[key] === 'string' ? object[key] : undefined);
  const metrics = isRecord(output.metrics) ? output.metrics : undefined;
  return {
    trainingJob: at(output.train, 'TrainingJobName'),
    modelArtifacts: at(output.train, 'ModelS3Uri'),
    evaluationJob: at(output.evaluation, 'TrainingJobName'),
    customizationJob: at(output.job, 'JobName'),
    customModelArn: at(output.job, 'OutputModelArn'),
    metrics: metrics && Object.fromEntries(Object.entries(metrics).filter(([k]) => k !== 's3Uri')),
    modelPackageArn: at(output.registered, 'ModelPackageArn'),
    approvalStatus: at(output.registered, 'ModelApprovalStatus'),
  };
}

/** The lines after "SUCCEEDED": what the workflow trained, how it scored, and what it registered. */
export function summary(output: Record<string, unknown> | null, raw: string | undefined): string[] {
  if (output === null) return [`Its output is not a JSON object: ${raw === undefined ? '(none)' : raw.slice(0, 200)}`];
  const o = outcomeOf(output);
  const lines: string[] = [];
  if (o.trainingJob !== undefined) lines.push(`Training job: ${o.trainingJob}`);
  if (o.modelArtifacts !== undefined) lines.push(`Model artifacts: ${o.modelArtifacts}`);
  if (o.evaluationJob !== undefined) lines.push(`Evaluation job: ${o.evaluationJob}`);
  if (o.customizationJob !== undefined) lines.push(`Customization job: ${o.customizationJob}`);
  if (o.metrics && Object.keys(o.metrics).length > 0) {
    lines.push(`Metrics: ${Object.entries(o.metrics).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}`);
  }
  if (o.customModelArn !== undefined) {
    lines.push(`Custom model: ${o.customModelArn}`);
    return lines;
  }
  lines.push(`Model package: ${o.modelPackageArn ?? 'none registered'}`);
  if (o.approvalStatus !== undefined) {
    lines.push(o.approvalStatus === 'PendingManualApproval' && o.modelPackageArn !== undefined
      ? `Approval status: PendingManualApproval. Approve it with \`aws sagemaker update-model-package --model-package-arn ${o.modelPackageArn} ` +
        '--model-approval-status Approved\`.'
      : `Approval status: ${o.approvalStatus}`);
  }
  return lines;
}

interface Entered { readonly name: string; readonly type: string }

/** The states entered in a page of history events, newest first. */
function enteredStates(events: readonly HistoryEvent[]): Entered[] {
  const newestFirst = [...events].sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
  return newestFirst.flatMap((e) => {
    const name = e.stateEnteredEventDetails?.name;
    return e.type?.endsWith('StateEntered') && name !== undefined ? [{ name, type: e.type }] : [];
  });
}

/** DescribeTrainingJob before the job exists: `ResourceNotFound` in the SDK's model, `ValidationException` as the service answers. */
function isNotFound(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return error.name === 'ResourceNotFound' || (error.name === 'ValidationException' && /not found/i.test(error.message));
}

function describeHint(error: unknown, execution: Execution): string {
  switch (error instanceof Error ? error.name : '') {
    case 'ExecutionDoesNotExist':
      return `. There is no such execution in ${execution.region}: check --execution (start prints it).`;
    case 'AccessDeniedException':
      return '. The caller needs states:DescribeExecution and states:GetExecutionHistory on ' +
        `arn:aws:states:${execution.region}:${execution.account}:execution:${execution.stateMachineName}:*.`;
    default:
      return '. The execution may still be running: watch it again later.';
  }
}

// ---- options ----

function stateMachineOption(values: Values, problems: string[]): { arn: string; region: string; account: string; name: string } | undefined {
  const arn = str(values['state-machine']);
  if (arn === undefined) {
    if (values['state-machine'] === undefined) {
      problems.push('--state-machine is missing: pass the FineTuningStateMachineArn output of the <Env>-Adaptation stack.');
    }
    return undefined;
  }
  const match = STATE_MACHINE_ARN.exec(arn);
  if (match !== null) return { arn, region: match[1], account: match[2], name: match[3] };
  problems.push(EXECUTION_ARN.test(arn)
    ? `--state-machine is "${arn}", an execution's ARN: watch it with \`watch --execution\`, or pass the state machine's ARN.`
    : `--state-machine is "${arn}": use a state machine ARN such as ${EXAMPLE_STATE_MACHINE} ` +
      '(the FineTuningStateMachineArn output of the <Env>-Adaptation stack).');
  return undefined;
}

function executionOption(values: Values, problems: string[]): Execution | undefined {
  const arn = str(values.execution);
  if (arn === undefined) {
    if (values.execution === undefined) problems.push('--execution is missing: pass the execution ARN that `start` printed.');
    return undefined;
  }
  const match = EXECUTION_ARN.exec(arn);
  if (match !== null) return { arn, region: match[1], account: match[2], stateMachineName: match[3], name: match[4] };
  problems.push(STATE_MACHINE_ARN.test(arn)
    ? `--execution is "${arn}", a state machine's ARN: pass the ARN of one execution, as \`start\` prints it.`
    : `--execution is "${arn}": use an execution ARN, arn:aws:states:REGION:ACCOUNT:execution:STATE_MACHINE:NAME, as \`start\` prints it.`);
  return undefined;
}

/** The region to call: the ARN's; --region, when given, must agree with it. */
function regionOption(values: Values, arnRegion: string | undefined, arnOption: string, problems: string[]): string | undefined {
  const region = str(values.region);
  if (region === undefined) return arnRegion;
  if (!REGION.test(region)) {
    problems.push(`--region is "${region}": use a region code such as us-east-1 or eu-west-1.`);
    return undefined;
  }
  if (arnRegion !== undefined && region !== arnRegion) {
    problems.push(`--region is ${region} but ${arnOption} is in ${arnRegion}: drop --region, or pass the ARN of ${region}.`);
    return undefined;
  }
  return region;
}

function waitOptions(values: Values, problems: string[]): WaitOptions {
  return { pollSeconds: integer(values, 'poll', problems, 1) ?? DEFAULT_POLL_SECONDS, timeoutSeconds: integer(values, 'timeout', problems, 1) };
}

function choice<T extends string>(values: Values, option: string, allowed: readonly T[], problems: string[]): T | undefined {
  const value = str(values[option]);
  if (value === undefined) {
    if (values[option] === undefined) problems.push(`--${option} is missing: choose one of ${allowed.join(', ')}.`);
    return undefined;
  }
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`--${option} is "${value}": use one of ${allowed.join(', ')}.`);
  return undefined;
}

function optionProblems(command: string, options: Record<string, OptionSpec>, values: Values, positionals: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const option = options[key];
    if (option === undefined) problems.push(`--${key} is not an option of ${command}: use ${Object.keys(options).map((o) => `--${o}`).join(', ')}.`);
    else if (option.type === 'string' && [value].flat().some((v) => v === true)) problems.push(`--${key} needs a value: ${option.help}.`);
    else if (option.type === 'boolean' && value !== true) problems.push(`--${key} takes no value: write just --${key}.`);
  }
  for (const positional of positionals) problems.push(`"${positional}" is not an option of ${command}: options start with --.`);
  return problems;
}

// ---- output ----

function parseObject(text: string | undefined): Record<string, unknown> | null {
  if (text === undefined) return null;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/** `2026-11-29 01:10:30 UTC`. */
function utc(date: Date): string {
  return date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function fail(command: string, problems: readonly string[], io: Io): number {
  io.stderr(problemReport(`fine-tune ${command}`, problems, `npm run fine-tune -- ${command} --help`));
  return EXIT_USAGE;
}

function usage(): string {
  return [
    'Usage: npm run fine-tune -- <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(6)} ${c.summary}`),
    '',
    'The workflow is the FineTuningStateMachineArn output of the <Env>-Adaptation stack. Methods: full, lora, qlora',
    '(instruction or chat data: --format sft or chat) and dpo (--format preference, or --from-feedback).',
    '',
    'Examples:',
    `  npm run fine-tune -- start --state-machine ${EXAMPLE_STATE_MACHINE} \\`,
    '    --method qlora --format chat --train train/support-chat-v3.jsonl --validation validation/support-chat-v3.jsonl --watch',
    '  npm run fine-tune -- watch --execution arn:aws:states:eu-west-1:123456789012:execution:FineTuningStateMachine:ft-qlora-20261129011030',
    '',
    'Run `npm run fine-tune -- <command> --help` for its options. Stopping this script (Ctrl-C) does not stop the execution.',
    'Exit codes: 0 started, or SUCCEEDED when watching; 1 a call failed, the execution FAILED, TIMED_OUT or was ABORTED,',
    'or --timeout passed; 2 bad usage.',
  ].join('\n');
}

function commandUsage(command: string): string {
  const spec = COMMANDS[command];
  return [
    `Usage: npm run fine-tune -- ${spec.synopsis}`,
    '',
    `${spec.summary[0].toUpperCase()}${spec.summary.slice(1)}.`,
    '',
    ...optionLines(spec.options),
    '',
    command === 'start'
      ? 'Prints the execution ARN on stdout (with --watch: the model package, or Bedrock custom model, ARN once it SUCCEEDED).\nExit codes: 0 started ' +
        '(with --watch: SUCCEEDED); 1 StartExecution failed (or, watching, the execution did not succeed); 2 bad usage.'
      : 'Progress on stderr; the model package (or Bedrock custom model) ARN on stdout once it SUCCEEDED. Exit codes:\n' +
        '0 SUCCEEDED; 1 FAILED, TIMED_OUT, ABORTED, a call failed or --timeout passed (the execution keeps running); 2 bad usage.',
  ].join('\n');
}

if (require.main === module) runScript(main);
