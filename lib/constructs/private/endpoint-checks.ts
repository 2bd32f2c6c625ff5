// The checks of an inference endpoint's props, all problems at once, and the choice of its instance: the one
// given (checked against the model, the container and the quantization) or the cheapest that holds the model.
import { Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { capacityScheduleProblems, CapacityUnit } from '../../config/capacity-schedule';
import { ContainerFamily, compatibilityProblems, type Quantization, QuantizationMethod, ServingContainer } from '../../serving';
import { AcceleratorKind } from '../../sizing/accelerators';
import type { InstanceCatalog, InstanceType } from '../../sizing/instances';
import { bothModelsProblem, describeNeed, type ServingCandidate, type ServingEstimate } from '../../sizing';
import type { InferenceEndpointProps } from '../inference-endpoint';
import { throwIfProblems } from './problems';

/** The instance: the one given (checked) or the cheapest that holds the model with this container and quantization. */
export function choosePlacement(
  scope: Construct, estimate: ServingEstimate, container: ServingContainer, quantization: Quantization, instances: InstanceCatalog, instanceType?: InstanceType | string,
): ServingCandidate {
  const compatible = estimate.candidates.filter((c) =>
    compatibilityProblems(container, quantization, instances.get(c.instanceType)).length === 0);
  const cheapest = compatible[0];
  const serving = `${container.name} and ${quantization.method === QuantizationMethod.NONE ? 'no quantization' : quantization}`;
  const alternative = cheapest
    ? `Cheapest that fits with ${serving}: ${cheapest.instanceType} (TP ${cheapest.tensorParallelDegree}).`
    : `No instance in the catalog holds it with ${serving}; quantize, shorten the context, lower the concurrency or choose a smaller model.`;
  if (instanceType === undefined) {
    if (!cheapest) {
      // Say why the combination fails where it would otherwise fit, rather than only that nothing fits.
      const nearest = estimate.candidates.find((c) => c.acceleratorKind === container.acceleratorKind) ?? estimate.candidates[0];
      const reasons = nearest ? compatibilityProblems(container, quantization, instances.get(nearest.instanceType)) : [];
      throwIfProblems(scope, 'InferenceEndpoint', reasons.length > 0 ? reasons : [`${describeNeed(estimate)}. ${alternative}`]);
    }
    return cheapest;
  }
  const type = String(instanceType);
  const spec = instances.lookup(type);
  if (spec === undefined) {
    throwIfProblems(scope, 'InferenceEndpoint', [`instanceType "${type}" is not in the instance catalog, so the kit cannot check that it holds the model; allowed: ${instances.types().join(', ')}.`]);
  }
  const incompatible = compatibilityProblems(container, quantization, spec!);
  const fit = estimate.candidates.find((c) => c.instanceType === type);
  const rejection = estimate.rejected.find((r) => r.instanceType === type);
  const problems = [...incompatible];
  // The rejection reason restates the need; keep only what the instance has.
  if (!fit) problems.push(`${describeNeed(estimate)}; ${type}: ${(rejection?.reason ?? 'does not hold it').replace(/^needs [\d.,]+ GiB( of weights and KV cache)?; /, '')}. ${alternative}`);
  throwIfProblems(scope, 'InferenceEndpoint', problems);
  return fit!;
}

export function validateProps(scope: Construct, props: InferenceEndpointProps, region: string): void {
  const problems: string[] = [];
  const { maxInputTokens, maxOutputTokens, concurrency } = props.limits;
  for (const [name, value] of [['limits.maxInputTokens', maxInputTokens], ['limits.maxOutputTokens', maxOutputTokens], ['limits.concurrency', concurrency]] as const) {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} is ${value}; use a whole number of at least 1.`);
  }
  const both = bothModelsProblem(props.model, props.architecture);
  if (both) problems.push(both);
  if (props.model === undefined && props.architecture === undefined && props.source.hubModelId === undefined) {
    problems.push('model is missing: weights from S3 or a model package need the catalog id (or architecture) of the model to size it, e.g. model: "meta-llama/Llama-3.1-8B-Instruct".');
  }
  if (props.networkIsolation && props.source.needsNetwork) {
    problems.push(`networkIsolation is true, but the weights come from the Hugging Face Hub (${props.source.containerModelId}), which an isolated container cannot reach. Copy the weights to S3 (ModelSource.fromDatasetStore) or turn isolation off.`);
  }
  const pct = props.dataCaptureSamplingPercentage;
  if (pct !== undefined) {
    if (!Number.isInteger(pct) || pct < 0 || pct > 100) problems.push(`dataCaptureSamplingPercentage is ${pct}; use a whole number from 0 to 100.`);
    if (!props.datasets) problems.push('dataCaptureSamplingPercentage is set but datasets is not: captures are written to the dataset store\'s captures/ prefix. Pass datasets.');
  }
  problems.push(...props.source.problems());
  if (props.inferenceComponents?.adapters && !props.datasets) {
    problems.push('inferenceComponents.adapters are set but datasets is not: adapters are read from the dataset store. Pass datasets.');
  }
  const container = props.container ?? ServingContainer.LMI_VLLM;
  if (Object.keys(props.inferenceComponents?.adapters ?? {}).length > 0 && !(container.family === ContainerFamily.LMI && container.lmiRollingBatch === 'vllm')) {
    // LoRA adapter inference components load through LMI's vLLM adapter support (djl-serving serving/docs/adapters.md).
    problems.push(`inferenceComponents.adapters are set with ${container.name}; adapter inference components need LMI with vLLM (ServingContainer.LMI_VLLM).`);
  }
  const scaling = props.autoScaling;
  if (scaling) {
    const minAllowed = props.inferenceComponents ? 0 : 1;
    if (!Number.isInteger(scaling.minInstances) || scaling.minInstances < minAllowed) {
      problems.push(`autoScaling.minInstances is ${scaling.minInstances}; use a whole number of at least ${minAllowed}${minAllowed === 1 ? ' (only inference components scale to zero)' : ''}.`);
    }
    if (!Number.isInteger(scaling.maxInstances) || scaling.maxInstances < Math.max(1, scaling.minInstances)) {
      problems.push(`autoScaling.maxInstances is ${scaling.maxInstances}; use a whole number of at least minInstances (${scaling.minInstances}) and 1.`);
    }
  }
  if (props.inferenceComponents && props.container?.acceleratorKind === AcceleratorKind.NEURON) {
    problems.push('inferenceComponents are set with a Neuron container; the kit places inference components on GPU instances only. Use a GPU container or a single model per instance.');
  }
  const minCopies = props.inferenceComponents?.minCopies;
  if (minCopies !== undefined && (!Number.isInteger(minCopies) || minCopies < 0)) problems.push(`inferenceComponents.minCopies is ${minCopies}; use a whole number of at least 0.`);
  if (props.schedule) {
    if (!props.inferenceComponents && !props.autoScaling) {
      problems.push('schedule is set, but the endpoint has a fixed instance count: give autoScaling (a real-time variant keeps at least 1 instance, so minInstances of 2 or more) or serve with inferenceComponents.');
    } else {
      problems.push(...capacityScheduleProblems(props.schedule, {
        unit: props.inferenceComponents ? CapacityUnit.COPIES : CapacityUnit.INSTANCES,
        minimum: capacityMinimum(props),
        managedMinInstances: props.inferenceComponents ? props.autoScaling?.minInstances ?? 1 : undefined,
      }).map((p) => `schedule.${p.field} is ${JSON.stringify(p.value)}: it ${p.problem}; ${p.fix}.`));
    }
  }
  if (!Token.isUnresolved(region)) {
    try {
      props.container?.imageUri(region);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  throwIfProblems(scope, 'InferenceEndpoint', problems);
}

/** The usual minimum of the scalable target: the component's copies, or the variant's instances. */
export function capacityMinimum(props: InferenceEndpointProps): number {
  return props.inferenceComponents ? props.inferenceComponents.minCopies ?? 1 : props.autoScaling?.minInstances ?? 1;
}
