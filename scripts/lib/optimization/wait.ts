/**
 * Waits for a SageMaker optimization job by polling `DescribeOptimizationJob` until it reaches a terminal
 * status (COMPLETED, FAILED or STOPPED, of the SDK's `OptimizationJobStatus`), reporting every poll with the
 * elapsed time so a caller can show status transitions. Sleep and clock are injected so tests run instantly.
 */
import {
  DescribeOptimizationJobCommand, OptimizationJobStatus, type DescribeOptimizationJobCommandOutput, type SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** The statuses a job never leaves. */
export const TERMINAL_STATUSES: readonly string[] = [OptimizationJobStatus.COMPLETED, OptimizationJobStatus.FAILED, OptimizationJobStatus.STOPPED];

/** Seconds between polls by default: optimization jobs run for tens of minutes. */
export const DEFAULT_POLL_SECONDS = 30;

/** One poll of the job. */
export interface OptimizationProgress {
  readonly jobName: string;
  /** The job's status, or `UNKNOWN` when the response had none. */
  readonly status: string;
  /** The status of the previous poll; undefined on the first. */
  readonly previousStatus?: string;
  /** True on the first poll and whenever the status differs from the previous poll. */
  readonly changed: boolean;
  /** Seconds since waiting started (or since `startedAt`). */
  readonly elapsedSeconds: number;
}

export interface WaitOptions {
  /** Seconds between polls. @default DEFAULT_POLL_SECONDS */
  readonly pollSeconds?: number;
  /** Seconds to wait before giving up; the job itself keeps running. @default - no limit */
  readonly timeoutSeconds?: number;
  /** Called after every poll. @default - nothing is reported */
  readonly onProgress?: (progress: OptimizationProgress) => void;
  /** @default setTimeout */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Milliseconds since the epoch. @default Date.now */
  readonly now?: () => number;
  /** When the clock started, in `now()` milliseconds, e.g. just before CreateOptimizationJob. @default now() at the call */
  readonly startedAt?: number;
}

/** The job ended FAILED; `failureReason` is SageMaker's `FailureReason`. */
export class OptimizationJobFailedError extends Error {
  public readonly failureReason: string | undefined;

  public constructor(public readonly jobName: string, public readonly description: DescribeOptimizationJobCommandOutput, public readonly elapsedSeconds: number) {
    const reason = description.FailureReason;
    super(`Optimization job ${jobName} FAILED after ${formatElapsed(elapsedSeconds)}: ` +
      `${reason ?? 'SageMaker gave no FailureReason'}.`);
    this.name = 'OptimizationJobFailedError';
    this.failureReason = reason;
  }
}

/** The wait gave up; the job is still running in SageMaker and stops at its MaxRuntimeInSeconds at the latest. */
export class OptimizationJobTimeoutError extends Error {
  public constructor(public readonly jobName: string, public readonly lastStatus: string, public readonly timeoutSeconds: number, public readonly elapsedSeconds: number) {
    super(`Gave up waiting for optimization job ${jobName} after ${formatElapsed(elapsedSeconds)} (timeout ${timeoutSeconds} s): ` +
      `it is still ${lastStatus} and keeps running in SageMaker. Check it with ` +
      `\`aws sagemaker describe-optimization-job --optimization-job-name ${jobName}\`, or stop it with ` +
      `\`aws sagemaker stop-optimization-job --optimization-job-name ${jobName}\`.`);
    this.name = 'OptimizationJobTimeoutError';
  }
}

/**
 * Polls until the job is COMPLETED, FAILED or STOPPED and returns the last description. A FAILED job throws
 * OptimizationJobFailedError with the FailureReason; a STOPPED job is returned for the caller to judge;
 * running past `timeoutSeconds` throws OptimizationJobTimeoutError. Errors of the SDK call propagate.
 */
export async function waitForOptimizationJob(client: SageMakerClient, jobName: string, options: WaitOptions = {}): Promise<DescribeOptimizationJobCommandOutput> {
  const pollSeconds = options.pollSeconds ?? DEFAULT_POLL_SECONDS;
  const timeoutSeconds = options.timeoutSeconds;
  if (!(pollSeconds > 0) || !Number.isFinite(pollSeconds)) throw new RangeError(`pollSeconds is ${pollSeconds}: use a number of seconds greater than 0.`);
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) throw new RangeError(`timeoutSeconds is ${timeoutSeconds}: use a number of seconds greater than 0.`);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const startedAt = options.startedAt ?? now();
  let previousStatus: string | undefined;

  for (;;) {
    const description = await client.send(new DescribeOptimizationJobCommand({ OptimizationJobName: jobName }));
    const status = description.OptimizationJobStatus ?? 'UNKNOWN';
    const elapsedSeconds = (now() - startedAt) / 1000;
    options.onProgress?.({ jobName, status, previousStatus, changed: status !== previousStatus, elapsedSeconds });
    previousStatus = status;
    if (status === OptimizationJobStatus.FAILED) throw new OptimizationJobFailedError(jobName, description, elapsedSeconds);
    if (TERMINAL_STATUSES.includes(status)) return description;
    const remaining = timeoutSeconds === undefined ? Infinity : timeoutSeconds - elapsedSeconds;
    if (remaining <= 0) throw new OptimizationJobTimeoutError(jobName, status, timeoutSeconds ?? 0, elapsedSeconds);
    // The last sleep is cut short so the final poll lands on the timeout, not up to a poll interval after it.
    await sleep(Math.min(pollSeconds, remaining) * 1000);
  }
}

/** `HH:MM:SS` of whole seconds, e.g. 135 -> `00:02:15`; hours grow past 99 rather than wrap. */
export function formatElapsed(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(whole / 3600))}:${pad(Math.floor((whole % 3600) / 60))}:${pad(whole % 60)}`;
}
