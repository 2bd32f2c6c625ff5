/**
 * Accelerator capacity and what it costs, read from templates: SageMaker endpoints (instances at minimum and
 * maximum scale, and a month of each), and fine-tuning state machines (the most one run can cost per method).
 * Everything billed by use (Lambda, API Gateway, S3, Bedrock tokens) is named, not estimated.
 */
import type { CfnResource, CfnTemplate, StackTemplate } from './assembly';
import { constructPathOf, referencedId, render, stateMachineDefinition, type StateMachineDefinition } from './intrinsics';
import { HOURS_PER_MONTH, type PriceLookup } from './prices';

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
  /** usdPerHour x 730 h x instances, at minimum and at maximum scale. @default - unpriced */
  readonly monthlyUsd?: { readonly min: number; readonly max: number };
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
  /** Sum of the priced endpoints, a month at minimum and at maximum scale. */
  readonly monthlyUsd: { readonly min: number; readonly max: number };
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
    unpricedInstanceTypes: [...unpriced].sort(),
    usagePriced: [...usage].sort(),
    priceSources: [...sources],
  };
}

function endpointsOf(stack: StackTemplate, prices: PriceLookup): EndpointCapacity[] {
  const resources = stack.template.Resources ?? {};
  const targets = scalableTargets(stack.template);
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
      let scaling: Scaling = 'fixed';
      let min = numberOr(variant.InitialInstanceCount, 1);
      let max = min;
      if (managed && managed.Status === 'ENABLED') {
        scaling = 'managed-instance-scaling';
        min = numberOr(managed.MinInstanceCount, min);
        max = numberOr(managed.MaxInstanceCount, max);
      } else if (target) {
        scaling = 'auto-scaling';
        ({ min, max } = target);
      }
      const price = prices(instanceType);
      result.push({
        stackName: stack.stackName, endpoint: name, variant: variantName, instanceType, scaling, minInstances: min, maxInstances: max,
        ...(price && {
          usdPerHour: price.usdPerHour, priceSource: price.source,
          monthlyUsd: { min: price.usdPerHour * HOURS_PER_MONTH * min, max: price.usdPerHour * HOURS_PER_MONTH * max },
        }),
      });
    }
  }
  return result;
}

/** Application Auto Scaling targets on a variant's instance count, by ResourceId (`endpoint/<name>/variant/<variant>`). */
function scalableTargets(template: CfnTemplate): Map<string, { min: number; max: number }> {
  const resources = template.Resources ?? {};
  const targets = new Map<string, { min: number; max: number }>();
  for (const resource of Object.values(resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type !== 'AWS::ApplicationAutoScaling::ScalableTarget' || p.ScalableDimension !== 'sagemaker:variant:DesiredInstanceCount') continue;
    // A ResourceId built from the endpoint's attribute reads as the endpoint's literal name, so both forms match.
    const id = render(p.ResourceId, { reference: (logicalId, attribute) => (attribute === 'EndpointName' || attribute === undefined) && resources[logicalId]?.Type === 'AWS::SageMaker::Endpoint' ? endpointName(logicalId, resources[logicalId]) : undefined });
    targets.set(id, { min: numberOr(p.MinCapacity, 0), max: numberOr(p.MaxCapacity, 0) });
  }
  return targets;
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
