// What a deploy-failure rule sees: one resource of a synthesized CloudFormation template, the template
// around it (to follow references), and the stack's region and environment. Pure: no CDK constructs.

/**
 * TypeScript and JavaScript only: rules read CloudFormation JSON, and are written in TypeScript.
 *
 * @jsii ignore
 */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResourceJson>;
}

/**
 * TypeScript and JavaScript only: rules read CloudFormation JSON, and are written in TypeScript.
 *
 * @jsii ignore
 */
export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

/**
 * TypeScript and JavaScript only: rules read CloudFormation JSON, and are written in TypeScript.
 *
 * @jsii ignore
 */
export interface RuleContext {
  readonly template: CfnTemplate;
  readonly logicalId: string;
  readonly resource: CfnResourceJson;
  /** The stack's region; undefined for an environment-agnostic stack. */
  readonly region?: string;
  /** The stage deploys a production environment. */
  readonly production: boolean;
}

/**
 * One problem: what is wrong, where (a property path), and how to fix it.
 *
 * TypeScript and JavaScript only: rules read CloudFormation JSON, and are written in TypeScript.
 *
 * @jsii ignore
 */
export interface RuleFinding {
  readonly message: string;
  readonly location?: string;
}

/**
 * A check that a configuration CloudFormation accepts would not fail at deploy or run time.
 *
 * TypeScript and JavaScript only: rules read CloudFormation JSON, and are written in TypeScript.
 *
 * @jsii ignore
 */
export interface IDeployRule {
  /** Stable id, used to acknowledge: `genai-lifecycle-cdk-rules::<id>`. */
  readonly id: string;
  /** What it catches, in one line. */
  readonly title: string;
  /** How to fix it. */
  readonly fix: string;
  /** Resource types it looks at; `ANY_RESOURCE_TYPE` for every resource. */
  readonly resourceTypes: string[];
  check(context: RuleContext): RuleFinding[];
}

/** In `IDeployRule.resourceTypes`: the rule looks at every resource, whatever its type. */
export const ANY_RESOURCE_TYPE = '*';

/** The resource a `Ref` or `Fn::GetAtt` points to, if it is in the template. */
export function referenced(template: CfnTemplate, value: unknown): CfnResourceJson | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const id = typeof v.Ref === 'string' ? v.Ref : Array.isArray(v['Fn::GetAtt']) ? String((v['Fn::GetAtt'] as unknown[])[0]) : undefined;
  return id === undefined ? undefined : template.Resources?.[id];
}

/** A value when it is a literal string, else undefined (tokens are not judged). */
export function literal(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * The values at a property path (`Policies[].PolicyDocument`; `[]` stands for every element of a list),
 * each with its location (`Policies/0/PolicyDocument`). Intrinsics on the way lead nowhere.
 */
export function valuesAt(root: unknown, propertyPath: string): { location: string; value: unknown }[] {
  let current: { location: string; value: unknown }[] = [{ location: '', value: root }];
  for (const segment of propertyPath.split('.')) {
    const each = segment.endsWith('[]');
    const name = each ? segment.slice(0, -2) : segment;
    current = current.flatMap(({ location, value }) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
      const next = (value as Record<string, unknown>)[name];
      const at = location ? `${location}/${name}` : name;
      if (next === undefined) return [];
      if (!each) return [{ location: at, value: next }];
      return Array.isArray(next) ? next.map((v, i) => ({ location: `${at}/${i}`, value: v })) : [];
    });
  }
  return current;
}

export function asArray(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null) as Record<string, unknown>[]) : [];
}

/** A state machine's definition as JSON: string parts of an Fn::Join kept, tokens replaced by a placeholder. */
export function stateMachineDefinition(resource: CfnResourceJson): { States?: Record<string, Record<string, unknown>> } | undefined {
  const raw = resource.Properties?.DefinitionString;
  const text = typeof raw === 'string' ? raw
    : raw && typeof raw === 'object' && Array.isArray((raw as Record<string, unknown>)['Fn::Join'])
      ? ((raw as Record<string, [string, unknown[]]>)['Fn::Join'][1]).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')
      : undefined;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as { States?: Record<string, Record<string, unknown>> };
  } catch {
    return undefined;
  }
}

/** Every Task state of a definition that creates a SageMaker training job, with its parameters. */
export function trainingJobStates(definition: { States?: Record<string, Record<string, unknown>> }): { name: string; parameters: Record<string, unknown> }[] {
  return Object.entries(definition.States ?? {})
    .filter(([, s]) => s.Type === 'Task' && typeof s.Resource === 'string' && s.Resource.includes(':sagemaker:createTrainingJob'))
    .map(([name, s]) => ({ name, parameters: (s.Parameters ?? {}) as Record<string, unknown> }));
}
