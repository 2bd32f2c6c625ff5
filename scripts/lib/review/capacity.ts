/**
 * Accelerator capacity and what it costs, read from templates: SageMaker endpoints (instances at minimum and
 * maximum scale, and a month of each, less what a scaling schedule saves), and fine-tuning state machines (the
 * most one run can cost per method). What is billed per use is in usage.ts; this file names those services.
 */
import { LEAST_CAPACITY } from '../../../lib/config/capacity-schedule';
import { InstanceCatalog } from '../../../lib/sizing';
import type { CfnResource, CfnTemplate, StackTemplate } from './assembly';
import { constructPathOf, referencedId, render, stateMachineDefinition, type StateMachineDefinition } from './intrinsics';
import { HOURS_PER_MONTH, type PriceLookup } from './prices';
import { evaluateSchedule, scheduledSteps, type ScheduledActionJson, type ScheduleEvaluation } from './schedule';

/** How the instance count of a variant can move. */
export type Scaling = 'fixed' | 'auto-scaling' | 'managed-instance-scaling';

/** One production variant of a deployed endpoint. */
export interface EndpointCapacity {
  readonly stackName: string;
  /** The endpoint's name when literal, else its logical id. */
  readonly endpoint: string;
  readonly variant: string;
  readonly instanceType: string;
  readonly scaling: Scaling;
  readonly minInstances: number;
  readonly maxInstances: number;
  /** @default - the instance type has no price */
  readonly usdPerHour?: number;
  readonly priceSource?: string;
  /** usdPerHour x 730 h x instances, at minimum (less `schedule.monthlyUsdSaved`) and at maximum scale. @default - unpriced */
  readonly monthlyUsd?: { readonly min: number; readonly max: number };
  /** Scheduled actions on the variant's instances, or on the copies of its inference component. @default - none */
  readonly schedule?: ScheduleEvaluation;
}

/** One training method of a fine-tuning state machine: its plan and the most one run of it costs. */
export interface TrainingMethodCost {
  readonly method: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  /** MaxRuntimeInSeconds of the training job, in hours: no run trains longer. */
  readonly maxRuntimeHours: number;
  /** Managed spot training: billed at the spot price, so the on-demand figure is an upper bound. */
  readonly spot: boolean;
  readonly usdPerHour?: number;
  readonly priceSource?: string;
  /** usdPerHour x instances x maxRuntimeHours. @default - unpriced */
  readonly trainingUsdAtMost?: number;
  /** The training plus every other job one run starts (evaluation). @default - some job is unpriced */
  readonly runUsdAtMost?: number;
}

/** A job every run starts whatever the method (e.g. evaluation), with a fixed resource configuration. */
export interface RunJobCost {
  readonly state: string;
  readonly instanceType: string;
  readonly instanceCount: number;
  readonly maxRuntimeHours: number;
  readonly spot: boolean;
  readonly usdPerHour?: number;
  readonly usdAtMost?: number;
}

export interface TrainingCapacity {
  readonly stackName: string;
  readonly stateMachine: string;
  /** `sagemaker` (priced here) or `bedrock` (priced per token by Bedrock; not estimated). */
  readonly backend: 'sagemaker' | 'bedrock';
  readonly methods: readonly TrainingMethodCost[];
  readonly runJobs: readonly RunJobCost[];
}

export interface CapacityReport {
  readonly endpoints: readonly EndpointCapacity[];
  readonly training: readonly TrainingCapacity[];
  /** Sum of the priced endpoints, a month at minimum (scheduled savings subtracted) and at maximum scale. */
  readonly monthlyUsd: { readonly min: number; readonly max: number };
  /** What the endpoints' schedules take off the monthly minimum. */
  readonly monthlyUsdSavedBySchedules: number;
  /** Instance types the price table does not know: their cost is not in any total. */
  readonly unpricedInstanceTypes: readonly string[];
  /** Services in the environment billed by use: named, not estimated. */
  readonly usagePriced: readonly string[];
  /** Where the prices came from. */
  readonly priceSources: readonly string[];
}

/** SageMaker's default MaxRuntimeInSeconds when a training job names none: one day. */
export const DEFAULT_MAX_RUNTIME_SECONDS = 86_400;

const USAGE_PRICED: readonly (readonly [prefix: string, label: string])[] = [
  ['AWS::ApiGateway::', 'API Gateway'], ['AWS::ApiGatewayV2::', 'API Gateway'], ['AWS::Bedrock::', 'Bedrock tokens'],
  ['AWS::CloudWatch::', 'CloudWatch'], ['AWS::Logs::', 'CloudWatch Logs'], ['AWS::DynamoDB::', 'DynamoDB'],
  ['AWS::Events::', 'EventBridge'], ['AWS::KMS::', 'KMS'], ['AWS::Lambda::', 'Lambda'], ['AWS::S3::', 'S3'],
  ['AWS::SNS::', 'SNS'], ['AWS::SQS::', 'SQS'], ['AWS::StepFunctions::', 'Step Functions'], ['AWS::WAFv2::', 'WAF'],
];

export function capacityOf(stacks: readonly StackTemplate[], prices: PriceLookup): CapacityReport {
  const endpoints = stacks.flatMap((s) => endpointsOf(s, prices));
  const training = stacks.flatMap((s) => trainingOf(s, prices));
  const unpriced = new Set<string>();
  const sources = new Set<string>();
  const note = (instanceType: string, usd: number | undefined, source: string | undefined) => {
    if (usd === undefined) unpriced.add(instanceType);
    if (source !== undefined) sources.add(source);
  };
  for (const e of endpoints) note(e.instanceType, e.usdPerHour, e.priceSource);
  for (const t of training) {
    for (const m of t.methods) note(m.instanceType, m.usdPerHour, m.priceSource);
    for (const j of t.runJobs) note(j.instanceType, j.usdPerHour, prices(j.instanceType)?.source);
  }
  const usage = new Set<string>();
  for (const stack of stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      const label = USAGE_PRICED.find(([prefix]) => resource.Type.startsWith(prefix))?.[1];
      if (label) usage.add(label);
    }
  }
  return {
    endpoints,
    training,
    monthlyUsd: {
      min: sum(endpoints.map((e) => e.monthlyUsd?.min ?? 0)),
      max: sum(endpoints.map((e) => e.monthlyUsd?.max ?? 0)),
    },
    monthlyUsdSavedBySchedules: sum(endpoints.map((e) => e.schedule?.monthlyUsdSaved ?? 0)),
    unpricedInstanceTypes: [...unpriced].sort(),
    usagePriced: [...usage].sort(),
    priceSources: [...sources],
  };
}

function endpointsOf(stack: StackTemplate, prices: PriceLookup): EndpointCapacity[] {
  const resources = stack.template.Resources ?? {};
  const targets = scalableTargets(stack.template);
  const components = inferenceComponents(stack.template);
  const result: EndpointCapacity[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::SageMaker::Endpoint') continue;
    const configId = referencedId(resource.Properties?.EndpointConfigName);
    const config = configId === undefined ? undefined : resources[configId];
    if (config?.Type !== 'AWS::SageMaker::EndpointConfig') continue;
    const name = endpointName(logicalId, resource);
    for (const variant of asObjects(config.Properties?.ProductionVariants)) {
      const instanceType = variant.InstanceType;
      if (typeof instanceType !== 'string') continue; // serverless: billed by use
      const variantName = String(variant.VariantName ?? 'AllTraffic');
      const managed = variant.ManagedInstanceScaling as Record<string, unknown> | undefined;
      const target = targets.get(`endpoint/${name}/variant/${variantName}`);
      const placed = components.filter((c) => (c.endpoint === logicalId || c.endpoint === name) && c.variant === variantName);
      const copyTargets = placed.flatMap((c) => { const t = targets.get(`inference-component/${c.name}`); return t ? [{ component: c, target: t }] : []; });
      let scaling: Scaling = 'fixed';
      let min = numberOr(variant.InitialInstanceCount, 1);
      let max = min;
      const managedScaling = managed?.Status === 'ENABLED';
      const perInstance = placed.length === 1 && copyTargets.length === 1 ? copiesPerInstance(instanceType, copyTargets[0].component.devices) : undefined;
      if (managedScaling) {
        scaling = 'managed-instance-scaling';
        min = numberOr(managed.MinInstanceCount, min);
        max = numberOr(managed.MaxInstanceCount, max);
        // The copies' minimum keeps instances running too.
        if (typeof perInstance === 'number') min = Math.max(min, Math.ceil(copyTargets[0].target.min / perInstance));
      } else if (target) {
        scaling = 'auto-scaling';
        ({ min, max } = target);
      }
      const price = prices(instanceType);
      const schedule = scheduleOf(target, copyTargets, {
        managedScaling, floor: managedScaling ? numberOr(managed.MinInstanceCount, 0) : min, components: placed.length, perInstance, instanceType, usdPerHour: price?.usdPerHour,
        asynchronous: config.Properties?.AsyncInferenceConfig !== undefined,
      });
      const saved = schedule?.monthlyUsdSaved ?? 0;
      result.push({
        stackName: stack.stackName, endpoint: name, variant: variantName, instanceType, scaling, minInstances: min, maxInstances: max,
        ...(price && {
          usdPerHour: price.usdPerHour, priceSource: price.source,
          monthlyUsd: { min: Math.max(0, price.usdPerHour * HOURS_PER_MONTH * min - saved), max: price.usdPerHour * HOURS_PER_MONTH * max },
        }),
        ...(schedule && { schedule }),
      });
    }
  }
  return result;
}

interface TargetCapacity {
  readonly min: number;
  readonly max: number;
  readonly actions: readonly ScheduledActionJson[];
}

/**
 * Application Auto Scaling targets on a variant's instance count (ResourceId `endpoint/<name>/variant/<variant>`)
 * and on an inference component's copies (`inference-component/<name>`), by ResourceId.
 */
function scalableTargets(template: CfnTemplate): Map<string, TargetCapacity> {
  const resources = template.Resources ?? {};
  const targets = new Map<string, TargetCapacity>();
  // A ResourceId built from an attribute reads as the resource's literal name, so both forms match.
  const reference = (logicalId: string, attribute: string | undefined) => {
    const resource = resources[logicalId];
    if (resource?.Type === 'AWS::SageMaker::Endpoint' && (attribute === 'EndpointName' || attribute === undefined)) return endpointName(logicalId, resource);
    if (resource?.Type === 'AWS::SageMaker::InferenceComponent' && attribute === 'InferenceComponentName') return componentName(logicalId, resource);
    return undefined;
  };
  for (const resource of Object.values(resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type !== 'AWS::ApplicationAutoScaling::ScalableTarget' || !SCALABLE_DIMENSIONS.has(String(p.ScalableDimension))) continue;
    targets.set(render(p.ResourceId, { reference }), { min: numberOr(p.MinCapacity, 0), max: numberOr(p.MaxCapacity, 0), actions: asObjects(p.ScheduledActions) });
  }
  return targets;
}

const SCALABLE_DIMENSIONS = new Set(['sagemaker:variant:DesiredInstanceCount', 'sagemaker:inference-component:DesiredCopyCount']);

/** A base inference component (adapters share its copies): where it is placed and the accelerators one copy takes. */
interface ComponentPlacement {
  readonly name: string;
  /** The endpoint's logical id, or its literal name. */
  readonly endpoint: string;
  readonly variant: string;
  readonly devices?: number;
}

function inferenceComponents(template: CfnTemplate): ComponentPlacement[] {
  return Object.entries(template.Resources ?? {}).flatMap(([logicalId, resource]) => {
    const p = resource.Properties ?? {};
    const spec = (p.Specification ?? {}) as Record<string, unknown>;
    if (resource.Type !== 'AWS::SageMaker::InferenceComponent' || spec.BaseInferenceComponentName !== undefined) return [];
    const devices = ((spec.ComputeResourceRequirements ?? {}) as Record<string, unknown>).NumberOfAcceleratorDevicesRequired;
    return [{
      name: componentName(logicalId, resource), endpoint: referencedId(p.EndpointName) ?? render(p.EndpointName), variant: String(p.VariantName ?? 'AllTraffic'),
      ...(typeof devices === 'number' && { devices }),
    }];
  });
}

/** Copies of a component one instance holds (its accelerators ÷ the component's), or why that is unknown. */
function copiesPerInstance(instanceType: string, devices: number | undefined): number | string {
  const accelerators = InstanceCatalog.DEFAULT.lookup(instanceType)?.acceleratorCount;
  if (accelerators === undefined) return `copies per instance unknown: ${instanceType} is not in the instance catalog`;
  if (devices === undefined || devices <= 0) return 'copies per instance unknown: the component sets no NumberOfAcceleratorDevicesRequired';
  return Math.max(1, Math.floor(accelerators / devices));
}

interface SchedulePlacement {
  readonly managedScaling: boolean;
  /** The fewest instances the variant keeps whatever the copies. */
  readonly floor: number;
  /** Base inference components on the variant. */
  readonly components: number;
  /** Copies one instance holds, or why that is unknown. @default - not one component */
  readonly perInstance?: number | string;
  readonly instanceType: string;
  readonly usdPerHour?: number;
  /** The endpoint config has AsyncInferenceConfig: its instances may scale to 0. */
  readonly asynchronous: boolean;
}

function scheduleOf(target: TargetCapacity | undefined, copyTargets: readonly { target: TargetCapacity }[], placement: SchedulePlacement): ScheduleEvaluation | undefined {
  if (target && target.actions.length > 0) {
    // A real-time variant keeps LEAST_CAPACITY.instances (SageMaker developer guide, "Register a model"); asynchronous endpoints scale to 0.
    const least = LEAST_CAPACITY.instances;
    const toZero = !placement.asynchronous && scheduledSteps(target.actions).some((a) => (a.minCapacity !== undefined && a.minCapacity < least) || (a.maxCapacity !== undefined && a.maxCapacity < least));
    return evaluateSchedule({
      unit: 'instances', minCapacity: target.min, maxCapacity: target.max, actions: target.actions, usdPerHour: placement.usdPerHour,
      instancesFor: toZero ? (n) => Math.max(least, n) : (n) => n,
      ...(toZero && { instancesNote: '⚠ a real-time variant keeps at least 1 instance (SageMaker rejects a minimum of 0 outside asynchronous endpoints): counted as 1' }),
    });
  }
  const scheduled = copyTargets.filter((c) => c.target.actions.length > 0);
  if (scheduled.length === 0) return undefined;
  const { min, max, actions } = scheduled[0].target;
  const { perInstance, floor } = placement;
  let instancesFor: ((copies: number) => number) | undefined;
  let instancesNote: string | undefined;
  if (placement.components > 1) {
    instancesNote = `instances not computed: ${placement.components} inference components share the variant's instances`;
  } else if (!placement.managedScaling) {
    instancesFor = () => floor;
    instancesNote = `instances are fixed at ${floor} (no managed instance scaling): fewer copies stop no instance`;
  } else if (typeof perInstance !== 'number') {
    instancesNote = perInstance ?? 'copies per instance unknown';
  } else {
    instancesFor = (copies) => Math.max(floor, Math.ceil(copies / perInstance));
    instancesNote = `${perInstance} cop${perInstance === 1 ? 'y' : 'ies'} per ${placement.instanceType}` + (floor > 0 ? `; managed instance scaling keeps at least ${floor}` : '');
  }
  return evaluateSchedule({ unit: 'copies', minCapacity: min, maxCapacity: max, actions, instancesFor, instancesNote, usdPerHour: placement.usdPerHour });
}

function componentName(logicalId: string, component: CfnResource): string {
  const name = component.Properties?.InferenceComponentName;
  return typeof name === 'string' ? name : logicalId;
}

function endpointName(logicalId: string, endpoint: CfnResource): string {
  const name = endpoint.Properties?.EndpointName;
  return typeof name === 'string' ? name : logicalId;
}

function trainingOf(stack: StackTemplate, prices: PriceLookup): TrainingCapacity[] {
  const result: TrainingCapacity[] = [];
  for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const definition = stateMachineDefinition(resource);
    if (!definition) continue;
    const tasks = Object.entries(definition.States ?? {}).filter(([, s]) => s.Type === 'Task' && typeof s.Resource === 'string');
    const stateMachine = constructPathOf(resource) ?? logicalId;
    if (tasks.some(([, s]) => String(s.Resource).includes('bedrock:createModelCustomizationJob'))) {
      result.push({ stackName: stack.stackName, stateMachine, backend: 'bedrock', methods: [], runJobs: [] });
      continue;
    }
    const jobs = tasks.filter(([, s]) => String(s.Resource).includes(':sagemaker:createTrainingJob'));
    if (jobs.length === 0) continue;
    const runJobs: RunJobCost[] = [];
    const methods: TrainingMethodCost[] = [];
    for (const [state, task] of jobs) {
      const params = (task.Parameters ?? {}) as Record<string, unknown>;
      const hours = maxRuntimeHours(params);
      const spot = params.EnableManagedSpotTraining === true;
      const fixed = params.ResourceConfig as Record<string, unknown> | undefined;
      if (fixed && typeof fixed.InstanceType === 'string') {
        const count = numberOr(fixed.InstanceCount, 1);
        const usd = prices(fixed.InstanceType)?.usdPerHour;
        runJobs.push({ state, instanceType: fixed.InstanceType, instanceCount: count, maxRuntimeHours: hours, spot, usdPerHour: usd, usdAtMost: usd === undefined ? undefined : usd * count * hours });
      } else if (typeof params['ResourceConfig.$'] === 'string') {
        for (const plan of plans(definition)) {
          const price = prices(plan.instanceType);
          methods.push({
            method: plan.method, instanceType: plan.instanceType, instanceCount: plan.instanceCount, maxRuntimeHours: hours, spot,
            usdPerHour: price?.usdPerHour, priceSource: price?.source,
            trainingUsdAtMost: price === undefined ? undefined : price.usdPerHour * plan.instanceCount * hours,
          });
        }
      }
    }
    const jobsUsd = runJobs.some((j) => j.usdAtMost === undefined) ? undefined : sum(runJobs.map((j) => j.usdAtMost ?? 0));
    result.push({
      stackName: stack.stackName, stateMachine, backend: 'sagemaker', runJobs,
      methods: methods.map((m) => ({ ...m, runUsdAtMost: m.trainingUsdAtMost === undefined || jobsUsd === undefined ? undefined : m.trainingUsdAtMost + jobsUsd })),
    });
  }
  return result;
}

/** The Pass states named `Plan-<method>` that put a training job's resource configuration in the input. */
function plans(definition: StateMachineDefinition): { method: string; instanceType: string; instanceCount: number }[] {
  return Object.entries(definition.States ?? {}).flatMap(([name, state]) => {
    const match = /^Plan-(.+)$/.exec(name);
    const config = ((state.Parameters ?? {}) as Record<string, unknown>).resourceConfig as Record<string, unknown> | undefined;
    if (!match || state.Type !== 'Pass' || typeof config?.InstanceType !== 'string') return [];
    return [{ method: match[1], instanceType: config.InstanceType, instanceCount: numberOr(config.InstanceCount, 1) }];
  });
}

function maxRuntimeHours(params: Record<string, unknown>): number {
  const stopping = (params.StoppingCondition ?? {}) as Record<string, unknown>;
  return numberOr(stopping.MaxRuntimeInSeconds, DEFAULT_MAX_RUNTIME_SECONDS) / 3600;
}

function asObjects(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
