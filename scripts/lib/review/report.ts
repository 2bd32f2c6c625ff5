/**
 * The review of a cloud assembly, as data: per environment its stacks and resources, accelerator capacity and
 * cost, what it bills per use, IAM statements, policy findings and, given the base branch's assembly, what the
 * change does. The CLI prints it as JSON or hands it to `renderMarkdown`.
 */
import type { CloudAssembly, EnvironmentAssembly } from './assembly';
import { capacityOf, type CapacityReport } from './capacity';
import { diffEnvironment, IGNORED_TYPES, type EnvironmentDiff } from './diff';
import { iamOf, type IamReport } from './iam';
import type { PriceLookup } from './prices';
import type { TokenPrice } from '../../../lib/sizing';
import { usageOf, type UsageReport } from './usage';
import { validationOf, type ValidationSummary } from './validation';

export interface StackSummary {
  readonly stackName: string;
  readonly artifactId: string;
  readonly region?: string;
  readonly resources: number;
}

export interface EnvironmentReview {
  readonly name: string;
  readonly stacks: readonly StackSummary[];
  /** Resources by type, AWS::CDK::Metadata not counted. */
  readonly resources: { readonly total: number; readonly byType: Readonly<Record<string, number>> };
  readonly capacity: CapacityReport;
  /** Billed per use: per request, per hour at peak, and a month at the assumed traffic. */
  readonly usage: UsageReport;
  readonly iam: IamReport;
  readonly validation: ValidationSummary;
  /** @default - no base assembly was given */
  readonly diff?: EnvironmentDiff;
}

export interface Review {
  readonly environments: readonly EnvironmentReview[];
  /** Environments the base has and this assembly does not. Empty without a base. */
  readonly removedEnvironments: readonly string[];
  /** Whether a base assembly was compared. */
  readonly comparedToBase: boolean;
}

export interface ReviewOptions {
  readonly prices: PriceLookup;
  /** The assembly of the base branch. @default - no comparison */
  readonly base?: CloudAssembly;
  /** Requests a month by environment name, replacing the peak-hours assumption. @default - none */
  readonly traffic?: Readonly<Record<string, number>>;
  /** Bedrock token prices by model id (`--token-prices` over the sourced ones). @default BEDROCK_TOKEN_PRICES */
  readonly tokenPrices?: Readonly<Record<string, TokenPrice>>;
}

export function buildReview(head: CloudAssembly, options: ReviewOptions): Review {
  const environments = head.environments.map((env) => {
    const capacity = capacityOf(env.stacks, options.prices);
    const iam = iamOf(env.stacks);
    const review: EnvironmentReview = {
      name: env.name,
      stacks: env.stacks.map((s) => ({ stackName: s.stackName, artifactId: s.artifactId, ...(s.region && { region: s.region }), resources: countedResources(s.template).length })),
      resources: resourceCounts(env),
      capacity,
      usage: usageOf(env.stacks, { requestsPerMonth: options.traffic?.[env.name], tokenPrices: options.tokenPrices }),
      iam,
      validation: validationOf(env, head),
    };
    if (!options.base) return review;
    const baseEnv = options.base.environments.find((e) => e.name === env.name);
    const base = { environment: baseEnv, iam: iamOf(baseEnv?.stacks ?? []), capacity: capacityOf(baseEnv?.stacks ?? [], options.prices) };
    return { ...review, diff: diffEnvironment(base, { environment: env, iam, capacity }) };
  });
  const names = new Set(head.environments.map((e) => e.name));
  return {
    environments,
    removedEnvironments: (options.base?.environments ?? []).map((e) => e.name).filter((n) => !names.has(n)),
    comparedToBase: options.base !== undefined,
  };
}

function resourceCounts(env: EnvironmentAssembly): EnvironmentReview['resources'] {
  const byType: Record<string, number> = {};
  for (const stack of env.stacks) {
    for (const type of countedResources(stack.template)) byType[type] = (byType[type] ?? 0) + 1;
  }
  const sorted = Object.fromEntries(Object.entries(byType).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)));
  return { total: Object.values(byType).reduce((a, b) => a + b, 0), byType: sorted };
}

function countedResources(template: EnvironmentAssembly['stacks'][number]['template']): string[] {
  return Object.values(template.Resources ?? {}).map((r) => r.Type).filter((t) => !IGNORED_TYPES.has(t));
}
