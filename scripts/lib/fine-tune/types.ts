/**
 * The vocabulary of `npm run fine-tune`: the workflow's methods, formats and states, its execution input, what the
 * commands print with --json, and what each part of the script runs with.
 */
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ClockDeps, Io as Writers } from '../cli';
import type { PollTiming } from '../poller';

/** Each writer adds a newline to the text. */
export type Io = Writers;

export interface Deps extends ClockDeps {
  /** The Step Functions client for a region (the region of the ARN given). @default a new SFNClient */
  readonly createSfnClient?: (region: string) => SFNClient;
  /** The SageMaker client for a region. @default a new SageMakerClient */
  readonly createSageMakerClient?: (region: string) => SageMakerClient;
}

/** The exit code of a failed call, an execution that did not succeed, or a watch that timed out. */
export const EXIT_FAILED = 1;

/** Seconds between polls by default: a training job changes status every few minutes at most. */
export const DEFAULT_POLL_SECONDS = 30;
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
/** The state every failure goes through before the Fail state. */
export const FAILURE_HANDLER = 'NotifyFailure';

/** The execution input the state machine takes. */
export interface FineTuningInput {
  readonly method: Method;
  readonly format: Format;
  readonly trainKey: string;
  readonly validationKey?: string;
  readonly testKey?: string;
  readonly fromFeedback?: boolean;
}

/** The state machine `--state-machine` names, read from its ARN. */
export interface StateMachine {
  readonly arn: string;
  readonly region: string;
  readonly account: string;
  readonly name: string;
}

/** The execution watched, read from its ARN (or, after `start`, from what was started). */
export interface Execution {
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

/** How a watch ended: the exit code and what `--json` prints. */
export interface Watched {
  readonly code: number;
  readonly report: WatchReport;
}

/** What the commands run with: the writers, the clock, the clients and the output mode. */
export interface Context {
  readonly io: Io;
  readonly now: () => number;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly sfn: (region: string) => SFNClient;
  readonly sagemaker: (region: string) => SageMakerClient;
  readonly asJson: boolean;
}

/** `--poll` and `--timeout`, and, after `start`, when the execution started (elapsed times count from it). */
export interface WaitOptions extends PollTiming {
  readonly startDate?: Date;
}
