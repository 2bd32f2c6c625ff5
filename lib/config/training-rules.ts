// Limits of a SageMaker training job's stopping condition, in one place: config validation checks
// adaptation.maxRuntimeHours and maxWaitHours against them, FineTuningWorkflow its backend's maxRuntime and
// maxWait. Pure: no CDK.

/**
 * The longest MaxRuntimeInSeconds SageMaker accepts: 28 days (SageMaker API Reference, "StoppingCondition":
 * MaxRuntimeInSeconds, valid range 1 to 2419200; read 2026-12-02).
 */
export const MAX_TRAINING_RUNTIME_SECONDS = 28 * 24 * 3600;

/** What is wrong with a stopping condition: the field (`maxRuntime` or `maxWait`), the problem and the fix. */
export interface StoppingProblem {
  readonly field: 'maxRuntime' | 'maxWait';
  readonly problem: string;
  readonly fix: string;
}

/**
 * Every problem of a runtime and a spot wait, in seconds, with `show` writing a duration as the caller's user
 * wrote it (hours in the config, Duration strings in props).
 */
export function stoppingConditionProblems(runtimeSeconds: number, waitSeconds: number | undefined, show: (seconds: number) => string): StoppingProblem[] {
  const problems: StoppingProblem[] = [];
  if (runtimeSeconds > MAX_TRAINING_RUNTIME_SECONDS) {
    problems.push({ field: 'maxRuntime', problem: `is ${show(runtimeSeconds)}; SageMaker allows at most 28 days`, fix: `lower it to ${show(MAX_TRAINING_RUNTIME_SECONDS)} or less` });
  }
  if (waitSeconds !== undefined && waitSeconds < runtimeSeconds) {
    problems.push({
      field: 'maxWait',
      problem: `is ${show(waitSeconds)}, under the runtime (${show(runtimeSeconds)}); managed spot needs MaxWaitTimeInSeconds >= MaxRuntimeInSeconds`,
      fix: 'raise the wait or lower the runtime',
    });
  }
  return problems;
}
