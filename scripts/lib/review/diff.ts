/**
 * What a change does to an environment, against the synthesis of the base branch: resources added, removed
 * and changed, replacements of stateful resources (the ones that lose data), IAM statements added and removed,
 * and what capacity costs before and after.
 */
import type { CfnResource, EnvironmentAssembly } from './assembly';
import type { CapacityReport, EndpointCapacity } from './capacity';
import { statementKey, type IamReport, type StatementSummary } from './iam';

/**
 * Properties whose change replaces a stateful resource, per type: the CloudFormation resource schemas'
 * `createOnlyProperties`, which the CloudFormation docs render as "Update requires: Replacement" (read from the
 * service spec the aws-cdk CLI 2.1148 ships, node_modules/aws-cdk/db.json.gz). A KMS key has none: its key
 * policy, description and rotation update in place, so a key is replaced only when its logical id changes.
 */
export const REPLACEMENT_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  'AWS::S3::Bucket': ['BucketName', 'BucketNamePrefix', 'BucketNamespace', 'ObjectLockEnabled'],
  'AWS::KMS::Key': [],
  'AWS::SageMaker::ModelPackageGroup': ['ModelPackageGroupName', 'ModelPackageGroupDescription'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'ImportSourceSpecification'],
};

/** CDK's analytics resource: its properties change with every construct change and say nothing about the deployment. */
export const IGNORED_TYPES: ReadonlySet<string> = new Set(['AWS::CDK::Metadata']);

export interface ResourceRef {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  /** @default - the template has no `aws:cdk:path` */
  readonly path?: string;
}

export interface ChangedResource extends ResourceRef {
  /** Top-level property keys whose values differ (`Type` when the type changed). */
  readonly changedProperties: readonly string[];
}

/** A stateful resource CloudFormation will create anew: its data does not move to the new one. */
export interface Replacement {
  readonly type: string;
  readonly stackName: string;
  /** The resource that goes; the new one has `newLogicalId` when the logical id changed. */
  readonly logicalId: string;
  readonly newLogicalId?: string;
  readonly path?: string;
  /** Why: the logical id changed, or which replacement-causing properties changed. */
  readonly reason: string;
  /** DeletionPolicy of the old resource: `Retain` orphans it (data kept, no longer used), else it is deleted. */
  readonly deletionPolicy: string;
}

export interface EndpointChange {
  readonly endpoint: string;
  readonly variant: string;
  readonly base?: EndpointState;
  readonly head?: EndpointState;
}

export interface EndpointState {
  readonly instanceType: string;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly monthlyUsd?: { readonly min: number; readonly max: number };
}

export interface TrainingChange {
  readonly stateMachine: string;
  readonly method: string;
  readonly base?: { readonly instanceType: string; readonly instanceCount: number; readonly runUsdAtMost?: number };
  readonly head?: { readonly instanceType: string; readonly instanceCount: number; readonly runUsdAtMost?: number };
}

export interface EnvironmentDiff {
  /** The base has no such environment: everything is added. */
  readonly newEnvironment: boolean;
  readonly added: readonly ResourceRef[];
  readonly removed: readonly ResourceRef[];
  readonly changed: readonly ChangedResource[];
  readonly replacements: readonly Replacement[];
  /** Stateful resources removed without a successor: deleted, or orphaned when retained. */
  readonly statefulRemovals: readonly Replacement[];
  readonly iam: { readonly added: readonly StatementSummary[]; readonly removed: readonly StatementSummary[] };
  readonly cost: {
    readonly monthlyUsd: { readonly base: { readonly min: number; readonly max: number }; readonly head: { readonly min: number; readonly max: number } };
    readonly endpoints: readonly EndpointChange[];
    readonly training: readonly TrainingChange[];
  };
}

export interface Side {
  readonly environment?: EnvironmentAssembly;
  readonly iam: IamReport;
  readonly capacity: CapacityReport;
}

export function diffEnvironment(base: Side, head: Side): EnvironmentDiff {
  const before = resourcesOf(base.environment);
  const after = resourcesOf(head.environment);
  const added = [...after.keys()].filter((k) => !before.has(k)).map((k) => after.get(k)!.ref);
  const removed = [...before.keys()].filter((k) => !after.has(k)).map((k) => before.get(k)!.ref);
  const changed: ChangedResource[] = [];
  const replacements: Replacement[] = [];
  for (const [key, { ref, resource }] of after) {
    const old = before.get(key);
    if (!old) continue;
    const keys = changedKeys(old.resource, resource);
    if (keys.length === 0) continue;
    changed.push({ ...ref, changedProperties: keys });
    const causes = keys.filter((k) => k === 'Type' || (REPLACEMENT_PROPERTIES[ref.type] ?? []).includes(k));
    if (ref.type in REPLACEMENT_PROPERTIES && causes.length > 0) {
      replacements.push({ type: ref.type, stackName: ref.stackName, logicalId: ref.logicalId, path: ref.path, reason: `${causes.join(', ')} changed`, deletionPolicy: old.resource.DeletionPolicy ?? 'Delete' });
    }
  }
  const successors = added.filter((a) => a.type in REPLACEMENT_PROPERTIES);
  const statefulRemovals: Replacement[] = [];
  for (const gone of removed.filter((r) => r.type in REPLACEMENT_PROPERTIES)) {
    const deletionPolicy = before.get(keyOf(gone.stackName, gone.logicalId))!.resource.DeletionPolicy ?? 'Delete';
    const index = successorOf(gone, successors);
    if (index < 0) {
      statefulRemovals.push({ type: gone.type, stackName: gone.stackName, logicalId: gone.logicalId, path: gone.path, reason: 'removed', deletionPolicy });
      continue;
    }
    const [successor] = successors.splice(index, 1);
    replacements.push({
      type: gone.type, stackName: gone.stackName, logicalId: gone.logicalId, newLogicalId: successor.logicalId, path: successor.path,
      reason: `logical id changed from ${gone.logicalId} to ${successor.logicalId} (${gone.path} -> ${successor.path})`, deletionPolicy,
    });
  }
  const baseKeys = new Set(base.iam.statements.map(statementKey));
  const headKeys = new Set(head.iam.statements.map(statementKey));
  return {
    newEnvironment: base.environment === undefined,
    added, removed, changed, replacements, statefulRemovals,
    iam: {
      added: head.iam.statements.filter((s) => !baseKeys.has(statementKey(s))),
      removed: base.iam.statements.filter((s) => !headKeys.has(statementKey(s))),
    },
    cost: {
      monthlyUsd: { base: base.capacity.monthlyUsd, head: head.capacity.monthlyUsd },
      endpoints: endpointChanges(base.capacity, head.capacity),
      training: trainingChanges(base.capacity, head.capacity),
    },
  };
}

function endpointChanges(base: CapacityReport, head: CapacityReport): EndpointChange[] {
  const state = (e: EndpointCapacity): EndpointState => ({ instanceType: e.instanceType, minInstances: e.minInstances, maxInstances: e.maxInstances, monthlyUsd: e.monthlyUsd });
  const key = (e: EndpointCapacity) => `${e.endpoint}/${e.variant}`;
  const before = new Map(base.endpoints.map((e) => [key(e), e]));
  const after = new Map(head.endpoints.map((e) => [key(e), e]));
  const changes: EndpointChange[] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(k);
    const a = after.get(k);
    if (b && a && JSON.stringify(state(b)) === JSON.stringify(state(a))) continue;
    const [endpoint, variant] = [(a ?? b)!.endpoint, (a ?? b)!.variant];
    changes.push({ endpoint, variant, ...(b && { base: state(b) }), ...(a && { head: state(a) }) });
  }
  return changes;
}

function trainingChanges(base: CapacityReport, head: CapacityReport): TrainingChange[] {
  const flatten = (c: CapacityReport) => new Map(c.training.flatMap((t) => t.methods.map((m) => [`${t.stateMachine}#${m.method}`, {
    stateMachine: t.stateMachine, method: m.method, value: { instanceType: m.instanceType, instanceCount: m.instanceCount, runUsdAtMost: m.runUsdAtMost },
  }] as const)));
  const before = flatten(base);
  const after = flatten(head);
  const changes: TrainingChange[] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(k);
    const a = after.get(k);
    if (b && a && JSON.stringify(b.value) === JSON.stringify(a.value)) continue;
    const { stateMachine, method } = (a ?? b)!;
    changes.push({ stateMachine, method, ...(b && { base: b.value }), ...(a && { head: a.value }) });
  }
  return changes;
}

function resourcesOf(environment: EnvironmentAssembly | undefined): Map<string, { ref: ResourceRef; resource: CfnResource }> {
  const map = new Map<string, { ref: ResourceRef; resource: CfnResource }>();
  for (const stack of environment?.stacks ?? []) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      if (IGNORED_TYPES.has(resource.Type)) continue;
      const path = resource.Metadata?.['aws:cdk:path'];
      map.set(keyOf(stack.stackName, logicalId), {
        ref: { stackName: stack.stackName, logicalId, type: resource.Type, ...(typeof path === 'string' && { path }) },
        resource,
      });
    }
  }
  return map;
}

function keyOf(stackName: string, logicalId: string): string {
  return `${stackName}/${logicalId}`;
}

/** Top-level property keys that differ, and `Type` when the type changed. */
function changedKeys(before: CfnResource, after: CfnResource): string[] {
  const a = before.Properties ?? {};
  const b = after.Properties ?? {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !equal(a[k], b[k])).sort();
  return before.Type === after.Type ? keys : ['Type', ...keys];
}

/**
 * The added resource that takes a removed one's place: same type, and a construct path under the same parent
 * (the owning construct was renamed: `Data/Datasets/Resource` -> `Data/Store/Resource`), or a path that differs
 * in one segment only (a construct higher up was renamed, or the resource moved to another stack).
 */
function successorOf(gone: ResourceRef, candidates: readonly ResourceRef[]): number {
  const sameType = (a: ResourceRef) => a.type === gone.type && a.path !== undefined && gone.path !== undefined;
  const parent = parentOf(gone.path);
  const byParent = candidates.findIndex((a) => sameType(a) && parent !== undefined && parentOf(a.path) === parent);
  if (byParent >= 0) return byParent;
  const segments = gone.path?.split('/') ?? [];
  return candidates.findIndex((a) => {
    const other = a.path?.split('/') ?? [];
    return sameType(a) && other.length === segments.length && other.filter((s, i) => s !== segments[i]).length === 1;
  });
}

/** The construct that owns a resource: its path without the L2s' `/Resource` children, then without its own id. */
function parentOf(path: string | undefined): string | undefined {
  const owner = path?.replace(/(\/(Resource|Default))+$/, '');
  return owner === undefined || !owner.includes('/') ? undefined : owner.slice(0, owner.lastIndexOf('/'));
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Object keys sorted, so key order does not count as a change. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
}
