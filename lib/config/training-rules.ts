// The rules of a fine-tuning run that config validation and FineTuningWorkflow both apply, in one place: the
// methods, the limits of a SageMaker training job's stopping condition (adaptation.maxRuntimeHours and
// maxWaitHours in the config, the backend's maxRuntime and maxWait in props), and what a trigger may start.
// Pure: no CDK.
import { DatasetFormat } from '../datasets/formats';

/** What a run does to the model. */
export enum FineTuningMethod {
  FULL = 'full',
  LORA = 'lora',
  QLORA = 'qlora',
  /** Direct preference optimization (with LoRA adapters) from `preference` data. */
  DPO = 'dpo',
}

/**
 * The longest MaxRuntimeInSeconds SageMaker accepts: 28 days (SageMaker API Reference, "StoppingCondition":
 * MaxRuntimeInSeconds, valid range 1 to 2419200; read 2026-12-02).
 */
export const MAX_TRAINING_RUNTIME_SECONDS = 28 * 24 * 3600;

/** Every method, for validation and messages. */
export const FINE_TUNING_METHODS: readonly FineTuningMethod[] = Object.values(FineTuningMethod);

/** The methods a SageMaker backend runs when its options name none. */
export const DEFAULT_FINE_TUNING_METHODS: readonly FineTuningMethod[] = [FineTuningMethod.LORA, FineTuningMethod.QLORA, FineTuningMethod.DPO];

/** What a backend's runs take: the methods it runs and, where it trains on one record shape only, the formats. */
export interface TriggerRules {
  /** The methods a run may name. */
  readonly methods: FineTuningMethod[];
  /**
   * The dataset formats a run trains on.
   * @default - `DatasetFormat.PREFERENCE` for DPO, `SFT` or `CHAT` for the other methods
   */
  readonly formats?: DatasetFormat[];
}

/** What a SageMaker backend's runs take: its methods (the default ones when it names none). */
export function sagemakerTriggerRules(methods?: readonly FineTuningMethod[]): TriggerRules {
  return { methods: [...(methods ?? DEFAULT_FINE_TUNING_METHODS)] };
}

/** What a Bedrock backend's runs take: any method (Bedrock chooses how it tunes), in the base model's one format. */
export function bedrockTriggerRules(format: DatasetFormat | undefined): TriggerRules {
  return { methods: [...FINE_TUNING_METHODS], formats: format ? [format] : undefined };
}

/** What is wrong with a trigger: the field (`method` or `format`), the problem and the fix. */
export interface TriggerProblem {
  readonly field: string;
  readonly problem: string;
  readonly fix: string;
}

/**
 * Every problem of a trigger's method and format under a backend's rules: a trigger that names what the backend
 * does not run would start a run that fails (UnsupportedMethod, FormatNotSupported or DatasetInvalid) for
 * every file that lands under train/.
 */
export function triggerProblems(method: unknown, format: unknown, rules: TriggerRules): TriggerProblem[] {
  const problems: TriggerProblem[] = [];
  const methods = FINE_TUNING_METHODS as unknown[];
  if (!methods.includes(method)) {
    problems.push({ field: 'method', problem: `is not a method; allowed: ${methods.join(', ')}`, fix: 'use FineTuningMethod.LORA, QLORA, FULL or DPO' });
  } else if (!(rules.methods as unknown[]).includes(method)) {
    problems.push({
      field: 'method', problem: `is not one of the backend's methods (${rules.methods.join(', ')}): every run it starts would end in UnsupportedMethod`,
      fix: 'trigger one of those methods, or add it to the backend\'s methods',
    });
  }
  const formats = rules.formats ?? (method === FineTuningMethod.DPO ? [DatasetFormat.PREFERENCE] : [DatasetFormat.SFT, DatasetFormat.CHAT]);
  if (!(formats as unknown[]).includes(format)) {
    problems.push({
      field: 'format', problem: `is not a format the triggered run trains on; allowed: ${formats.join(', ')}`,
      fix: rules.formats ? 'use the base model\'s training data format' : `use datasets.DatasetFormat.${formats[0].toUpperCase()}${method === FineTuningMethod.DPO ? ' (DPO trains on preference pairs)' : ''}`,
    });
  }
  return problems;
}

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
