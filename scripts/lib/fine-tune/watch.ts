/**
 * Watching a fine-tuning execution: polls it, its current state and its SageMaker training and evaluation jobs until
 * it ends or --timeout passes, printing every transition on stderr, then says how it ended.
 */
import {
  DescribeExecutionCommand, ExecutionStatus, GetExecutionHistoryCommand, type DescribeExecutionCommandOutput, type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { DescribeTrainingJobCommand, ListTrainingJobsCommand, TrainingJobStatus } from '@aws-sdk/client-sagemaker';
import { formatElapsed } from '../optimization';
import { describeError, EXIT_OK, parseRecord, utc } from '../cli';
import { Poller, ProgressLog } from '../poller';
import { displayCause, summary } from './report';
import {
  EXIT_FAILED, FAILURE_HANDLER, WORKFLOW_STATES,
  type Context, type Execution, type JobReport, type WaitOptions, type Watched, type WatchReport,
} from './types';

/** A SageMaker job of the execution: found by its name's prefix once its state is reached, polled until it ends. */
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
export async function watchExecution(ctx: Context, execution: Execution, options: WaitOptions): Promise<Watched> {
  const { io, now } = ctx;
  const sfn = ctx.sfn(execution.region);
  const sagemaker = ctx.sagemaker(execution.region);
  const poller = new Poller(ctx, options);
  const watchStartedAt = poller.startedAt;
  let startedAt = options.startDate?.getTime();
  let stoppedAt: number | undefined;
  const elapsed = () => Math.max(0, Math.round(((stoppedAt ?? now()) - (startedAt ?? watchStartedAt)) / 1000));
  const progress = new ProgressLog((text) => io.stderr(text), elapsed);

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
      progress.line(`${job.label}: ${job.name} ${jobStatus}${secondary === jobStatus ? '' : ` (${secondary})`}`);
    } else if (secondary !== job.secondaryStatus) {
      const also = jobStatus !== job.status && jobStatus !== secondary ? ` (job ${jobStatus})` : '';
      progress.line(`${job.label}: ${job.secondaryStatus} -> ${secondary}${also}`);
    } else if (jobStatus !== job.status) {
      progress.line(`${job.label}: ${job.status} -> ${jobStatus}`);
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
      progress.mark();
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
      progress.line(state === null ? `State: ${current}` : `State: ${state} -> ${current}`);
      state = current;
    }
    for (const e of entered) reached = Math.max(reached, WORKFLOW_STATES.indexOf(e.name as (typeof WORKFLOW_STATES)[number]));

    // Without the history the jobs are polled in turn from the start: not-found answers are expected until each exists.
    for (const [i, job] of jobs.entries()) {
      const due = historyAvailable ? reached >= job.after : i === 0 || jobs[i - 1].settled;
      if (jobsAvailable && due && !job.settled) await pollJob(job);
    }

    if (status !== null && newStatus !== status) progress.line(`Execution: ${status} -> ${newStatus}`);
    status = newStatus;
    if (TERMINAL.includes(newStatus)) return ended(ctx, execution, described, entered, jobs, report);

    if (progress.quiet) {
      const active = jobs.find((j) => j.status !== null && !j.settled);
      progress.line(`Still ${status}${state === null ? '' : ` in ${state}`}${active === undefined ? '' : ` (${active.name}: ${active.secondaryStatus})`}.`);
    }
    const wait = await poller.next();
    if (wait.timedOut) {
      return gaveUp(`${wait.message}: execution ${execution.name} is still ` +
        `${status}${state === null ? '' : ` in state ${state}`} and keeps running. Watch it again with ` +
        `\`npm run fine-tune -- watch --execution ${execution.arn}\`, or stop it with ` +
        `\`aws stepfunctions stop-execution --execution-arn ${execution.arn}\` (Step Functions then stops its running SageMaker job).`);
    }
  }
}

/** How the execution ended, on stderr: what it made when it SUCCEEDED, else where and why it failed. */
function ended(
  ctx: Context, execution: Execution, described: DescribeExecutionCommandOutput, entered: readonly Entered[], jobs: readonly JobWatch[],
  report: (fields?: Partial<WatchReport>) => WatchReport,
): Watched {
  const status = described.status as string;
  const final = report();
  const took = formatElapsed(final.elapsedSeconds);
  if (status === ExecutionStatus.SUCCEEDED) {
    const output = parseRecord(described.output) ?? null;
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
