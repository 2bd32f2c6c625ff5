/**
 * Whether a chosen instance holds a model, and if not a one-paragraph explanation with the numbers and the
 * cheapest instance that would: what a construct puts in the error that fails synth.
 */
import { type InstanceType } from './instances';
import { displayName } from './models';
import {
  estimateServing, gib, noInstanceFitsAdvice, RejectionCode, type RejectedInstance, type ServingCandidate, tensorParallelRule,
  type ServingEstimate, type ServingInput,
} from './serving';
import { type FieldNames } from './validation';

export type InstanceAssessment =
  | { readonly status: 'fits'; readonly candidate: ServingCandidate }
  | { readonly status: 'does-not-fit'; readonly rejection: RejectedInstance; readonly message: string }
  /** Not in the catalog (e.g. a type newer than the kit): the engine cannot judge it. */
  | { readonly status: 'unknown-instance'; readonly message: string };

/** `Llama-3.1-70B-Instruct at bf16 needs 157.1 GiB (weights 131.4, KV cache 10.0, reserve 10%)`. */
export function describeNeed(estimate: ServingEstimate): string {
  const m = estimate.memory;
  const reservePercent = Math.round((1 - m.memoryUtilization) * 100);
  return `${displayName(estimate.model)} at ${estimate.precision} needs ${gib(m.totalGiB)} GiB ` +
    `(weights ${gib(m.weightsGiB)}, KV cache ${gib(m.kvCacheGiB)}, reserve ${reservePercent}%)`;
}

/** The alternative to name: the recommendation, or what to do when nothing fits. */
export function describeAlternative(estimate: ServingEstimate): string {
  const best = estimate.recommended;
  if (best === null) return noInstanceFitsAdvice(estimate);
  return best.usdPerHour === null
    ? `Fits (no price known): ${best.instanceType} (TP ${best.tensorParallelDegree}).`
    : `Cheapest that fits: ${best.instanceType} (TP ${best.tensorParallelDegree}).`;
}

export function assessInstance(estimate: ServingEstimate, instanceType: string | InstanceType): InstanceAssessment {
  const type = String(instanceType);
  const candidate = estimate.candidates.find((c) => c.instanceType === type);
  if (candidate) return { status: 'fits', candidate };
  const rejection = estimate.rejected.find((r) => r.instanceType === type);
  if (rejection === undefined) {
    return {
      status: 'unknown-instance',
      message: `${type} is not in the instance catalog, so the kit cannot tell whether it holds ${displayName(estimate.model)}: ` +
        `${describeNeed(estimate)}. ${describeAlternative(estimate)}`,
    };
  }
  return { status: 'does-not-fit', rejection, message: `${describeNeed(estimate)}; ${whyNot(estimate, rejection)} ${describeAlternative(estimate)}` };
}

function whyNot(estimate: ServingEstimate, r: RejectedInstance): string {
  const has = `${r.instanceType} has ${gib(r.acceleratorMemoryGiB)} GiB`;
  switch (r.code) {
    case RejectionCode.PRECISION_UNSUPPORTED:
      return `${has}, but ${r.reason}.`;
    case RejectionCode.TENSOR_PARALLEL_LIMIT:
      return `${has}, but ${tensorParallelRule(estimate.architecture, r.shardLabel === 'NeuronCore')}, so one copy spans at most ` +
        `${r.maxTensorParallelDegree} of ${r.shardCount} ${r.shardLabel}s (${gib(r.usableGiB / estimate.memory.memoryUtilization)} GiB).`;
    case RejectionCode.INSUFFICIENT_MEMORY:
      return `${r.instanceType}: ${r.reason}.`;
    case RejectionCode.INSUFFICIENT_HEADROOM:
    case RejectionCode.INSUFFICIENT_HOST_MEMORY:
      return `${r.instanceType} ${r.reason}.`;
  }
}

/**
 * The message to fail synth with when `instanceType` cannot hold the estimated model, or undefined when it
 * can. An instance type unknown to the catalog is not judged (undefined): use `assessInstance` to warn.
 */
export function checkInstanceFits(estimate: ServingEstimate, instanceType: string | InstanceType): string | undefined {
  const assessment = assessInstance(estimate, instanceType);
  return assessment.status === 'does-not-fit' ? assessment.message : undefined;
}

/**
 * The scope of an endpoint plus the instance chosen for it.
 *
 * TypeScript and JavaScript only: the input of `checkServingFit`, a free function jsii does not carry.
 *
 * @jsii ignore
 */
export interface ServingFitInput extends ServingInput {
  readonly instanceType: string | InstanceType;
}

/**
 * Estimates and checks in one call, for constructs:
 * `const problem = checkServingFit({ model, precision, contextTokens, concurrency, instanceType });`
 * Returns the message when the instance cannot hold the model, else undefined. Throws SizingInputError on
 * invalid input; `names` renames fields in its messages (e.g. `{ contextTokens: 'maxInputTokens + maxOutputTokens' }`).
 */
export function checkServingFit(input: ServingFitInput, names: FieldNames = {}): string | undefined {
  return checkInstanceFits(estimateServing(input, names), input.instanceType);
}
