/**
 * Pre-training feasibility: compute-optimal tokens (~20 per parameter), training compute 6 x N x D (both
 * Hoffmann et al. 2022, arXiv 2203.15556, "Chinchilla"), accelerator-hours at a stated MFU, cost, and a plain
 * verdict against the kit's budget thresholds.
 */
import { InstanceCatalog, InstanceType, describeAccelerators, shardUnits } from './instances';
import { DEFAULT_MFU, DEFAULT_TRAINING_MEMORY_UTILIZATION, MIXED_PRECISION_ADAMW_BYTES } from './training';
import { bytesToGiB, SECONDS_PER_HOUR, TERA } from './units';
import { IssueCollector, type FieldNames } from './validation';

export const CHINCHILLA_TOKENS_PER_PARAMETER = 20;

/** The kit's thresholds (not from a source): what a team can spend without a dedicated budget, and beyond which training from scratch is not worth it. */
export const VERDICT_THRESHOLDS_USD = { team: 10_000, dedicatedBudget: 1_000_000 } as const;

export enum PretrainingVerdict {
  FEASIBLE_FOR_A_TEAM = 'feasible-for-a-team',
  NEEDS_A_DEDICATED_BUDGET = 'needs-a-dedicated-budget',
  NOT_FEASIBLE = 'not-feasible',
  /** The instance has no known price. */
  UNKNOWN = 'unknown',
}

/**
 * TypeScript and JavaScript only: the input of `estimatePretraining`, a free function jsii does not carry.
 *
 * @jsii ignore
 */
export interface PretrainingInput {
  /** Parameters of the model to train. */
  readonly parameters: number;
  /** Training tokens. @default 20 x parameters (compute-optimal) */
  readonly tokens?: number;
  /** @default InstanceType.P5_48XLARGE */
  readonly instanceType?: string | InstanceType;
  /** Model FLOPS utilization. @default 0.4 */
  readonly mfu?: number;
  /** Instances training together, for the wall-clock time. @default 1 */
  readonly instanceCount?: number;
  /** @default InstanceCatalog.DEFAULT */
  readonly instances?: InstanceCatalog;
}

/**
 * TypeScript and JavaScript only: its `null` fields have no form in other languages yet (the estimate CLI's JSON
 * carries the same numbers).
 *
 * @jsii ignore
 */
export interface PretrainingEstimate {
  readonly params: number;
  readonly tokens: number;
  readonly tokensPerParameter: number;
  /** 6 x params x tokens. */
  readonly flops: number;
  readonly instanceType: string;
  readonly accelerators: string;
  readonly mfu: number;
  /** Peak dense bf16 TFLOPS of one accelerator (GPU or Neuron chip). ⚠ vendor datasheet. */
  readonly peakTflopsPerAccelerator: number;
  /** Accelerator-hours (GPU-hours; chip-hours on Neuron): flops / (peak x MFU) / 3600. */
  readonly gpuHours: number;
  readonly instanceHours: number;
  readonly usdPerHour: number | null;
  readonly usdCost: number | null;
  readonly instanceCount: number;
  readonly wallClockDays: number;
  /** Instances whose accelerators hold the mixed-precision AdamW states (18 bytes/param), before activations. */
  readonly minInstancesForMemory: number;
  readonly verdict: PretrainingVerdict;
  /** The verdict in a sentence, with the thresholds. */
  readonly verdictText: string;
}

export function validatePretrainingInput(input: Partial<PretrainingInput>, names: FieldNames = {}): string[] {
  const c = new IssueCollector(names);
  if (input.parameters === undefined) c.add(`${c.name('parameters')} is missing: give the model size, e.g. 1000000000 or 1B.`);
  c.positive('parameters', input.parameters, 'model parameters, e.g. 1000000000');
  c.positive('tokens', input.tokens, 'training tokens, e.g. 20000000000');
  c.fraction('mfu', input.mfu, 'model FLOPS utilization, e.g. 0.4');
  c.integer('instanceCount', input.instanceCount, 1, 'instances training together, e.g. 4');
  if (c.issues.length === 0 && input.parameters !== undefined) {
    const tokens = input.tokens ?? CHINCHILLA_TOKENS_PER_PARAMETER * input.parameters;
    c.finiteResult('The compute (6 x parameters x tokens)', 6 * input.parameters * tokens, input.tokens === undefined ? ['parameters'] : ['parameters', 'tokens'],
      'give the model size and the training tokens as they are, e.g. 1B and 20B');
  }
  const catalog = input.instances ?? InstanceCatalog.DEFAULT;
  if (input.instanceType !== undefined) {
    const spec = catalog.lookup(String(input.instanceType));
    if (spec === undefined) c.add(catalog.unknownTypeIssue(c.name('instanceType'), String(input.instanceType)));
    else if (!spec.accelerator.supportsTraining) {
      c.add(`${c.name('instanceType')} is "${spec.instanceType}": ${spec.accelerator.name} is built for inference; use a GPU or Trainium instance such as ml.p5.48xlarge or ml.trn1.32xlarge.`);
    }
  }
  return [...c.issues];
}

/** Estimates pre-training a `parameters`-sized model from scratch. Throws SizingInputError on bad input. */
export function estimatePretraining(input: PretrainingInput, names: FieldNames = {}): PretrainingEstimate {
  const c = new IssueCollector(names);
  c.addAll(validatePretrainingInput(input, names));
  c.throwIfAny();
  const spec = (input.instances ?? InstanceCatalog.DEFAULT).get(String(input.instanceType ?? InstanceType.P5_48XLARGE));
  const params = input.parameters;
  const tokens = input.tokens ?? CHINCHILLA_TOKENS_PER_PARAMETER * params;
  const mfu = input.mfu ?? DEFAULT_MFU;
  const instanceCount = input.instanceCount ?? 1;
  const flops = 6 * params * tokens;
  const peak = spec.accelerator.peakDenseTflops;
  const gpuHours = flops / (peak * TERA * mfu) / SECONDS_PER_HOUR;
  const instanceHours = gpuHours / spec.acceleratorCount;
  const usdPerHour = spec.usdPerHour ?? null;
  const usdCost = usdPerHour === null ? null : instanceHours * usdPerHour;
  const units = shardUnits(spec);
  const adam = MIXED_PRECISION_ADAMW_BYTES;
  const statesGiB = bytesToGiB(params * (adam.weights + adam.gradients + adam.optimizer));
  const instanceUsableGiB = bytesToGiB(units.count * units.memoryBytesEach) * DEFAULT_TRAINING_MEMORY_UTILIZATION;
  const { verdict, verdictText } = judge(usdCost);
  return {
    params, tokens, tokensPerParameter: tokens / params, flops, instanceType: spec.instanceType,
    accelerators: describeAccelerators(spec), mfu, peakTflopsPerAccelerator: peak, gpuHours, instanceHours, usdPerHour, usdCost,
    instanceCount, wallClockDays: instanceHours / instanceCount / 24,
    minInstancesForMemory: Math.ceil(statesGiB / instanceUsableGiB), verdict, verdictText,
  };
}

function judge(usdCost: number | null): { verdict: PretrainingVerdict; verdictText: string } {
  const { team, dedicatedBudget } = VERDICT_THRESHOLDS_USD;
  const usd = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
  if (usdCost === null) {
    return { verdict: PretrainingVerdict.UNKNOWN, verdictText: 'unknown: the instance has no price; pass one to get a verdict' };
  }
  if (usdCost < team) {
    return { verdict: PretrainingVerdict.FEASIBLE_FOR_A_TEAM, verdictText: `feasible for a team: ${usd(usdCost)} is under the kit's ${usd(team)} threshold` };
  }
  if (usdCost < dedicatedBudget) {
    return { verdict: PretrainingVerdict.NEEDS_A_DEDICATED_BUDGET, verdictText: `needs a dedicated budget: ${usd(usdCost)} is between the kit's ${usd(team)} and ${usd(dedicatedBudget)} thresholds` };
  }
  return { verdict: PretrainingVerdict.NOT_FEASIBLE, verdictText: `not feasible: ${usd(usdCost)} is over the kit's ${usd(dedicatedBudget)} threshold; adapt an existing model instead` };
}
