/**
 * Every IAM policy statement of an environment, by principal: identity policies (AWS::IAM::Policy and
 * ManagedPolicy, inline policies of roles, users and groups) under the role they attach to, and resource
 * policies (KMS key, S3 bucket, SNS topic, SQS queue) under the principals they name. Allow statements with a
 * wildcard action, a wildcard resource or any principal are flagged; Deny statements are not (a wildcard in a
 * Deny narrows access).
 */
import type { CfnResource, CfnTemplate, StackTemplate } from './assembly';
import { constructPathOf, outputLookup, referencedId, render, renderList, type RenderOptions } from './intrinsics';

export interface StatementSummary {
  readonly stackName: string;
  /** Who the statement is about: a role's construct path, or a resource policy's principal (`service logs.amazonaws.com`). */
  readonly principal: string;
  /** Where the statement is written, e.g. `Prod/Serving/Endpoint/Role/DefaultPolicy` or `key policy of Prod/Data/Datasets/Key`. */
  readonly source: string;
  readonly effect: string;
  /** Actions; `NotAction` ones prefixed `NOT `. */
  readonly actions: readonly string[];
  /** Rendered resources; `NotResource` ones prefixed `NOT `. Empty for a trust-less statement. */
  readonly resources: readonly string[];
  readonly hasConditions: boolean;
  readonly wildcardActions: readonly string[];
  readonly wildcardResources: readonly string[];
  /** An Allow to any principal (`*`) in a resource policy. */
  readonly anyPrincipal: boolean;
}

export interface IamReport {
  readonly statements: readonly StatementSummary[];
  /** Allow statements with a wildcard action, a wildcard resource or any principal. */
  readonly wildcardStatements: number;
  readonly wildcardActionStatements: number;
  readonly wildcardResourceStatements: number;
  /** AWS managed and customer managed policy ARNs attached to roles, by role. */
  readonly managedPolicies: readonly { readonly principal: string; readonly policyArn: string }[];
}

/** A wildcard action: `*` anywhere in it (`s3:*`, `s3:Get*`). */
export function isWildcardAction(action: string): boolean {
  return action.includes('*');
}

/** A wildcard resource: `*`, or an ARN ending in `/*` or `:*` (every object, every log stream). */
export function isWildcardResource(resource: string): boolean {
  return resource === '*' || resource.endsWith('/*') || resource.endsWith(':*');
}

export function iamOf(stacks: readonly StackTemplate[]): IamReport {
  const options: RenderOptions = { outputs: outputLookup(stacks) };
  const statements: StatementSummary[] = [];
  const managedPolicies: { principal: string; policyArn: string }[] = [];
  for (const stack of stacks) {
    const resources = stack.template.Resources ?? {};
    // A role of this stack named in a resource policy (`<Role.Arn>`) reads as the role's construct path.
    const principals: RenderOptions = {
      ...options,
      reference: (id, attribute) => (resources[id]?.Type === 'AWS::IAM::Role' && (attribute === 'Arn' || attribute === undefined) ? constructPathOf(resources[id]) : undefined),
    };
    for (const [logicalId, resource] of Object.entries(resources)) {
      const props = resource.Properties ?? {};
      const path = constructPathOf(resource) ?? logicalId;
      const add = (document: unknown, principal: (s: Record<string, unknown>) => string, source: string, keyPolicy = false) => {
        for (const s of statementsOf(document)) statements.push(summarize(stack.stackName, s, principal(s), source, options, keyPolicy));
      };
      switch (resource.Type) {
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy': {
          const attached = principalsOf(stack.template, props, options);
          for (const principal of attached.length > 0 ? attached : [`(not attached) ${path}`]) add(props.PolicyDocument, () => principal, path);
          break;
        }
        case 'AWS::IAM::Role':
        case 'AWS::IAM::User':
        case 'AWS::IAM::Group':
          for (const policy of asObjects(props.Policies)) add(policy.PolicyDocument, () => path, `${path} (inline ${render(policy.PolicyName)})`);
          for (const arn of renderList(props.ManagedPolicyArns, options)) managedPolicies.push({ principal: path, policyArn: arn });
          break;
        case 'AWS::KMS::Key':
          add(props.KeyPolicy, (s) => principalText(s, principals), `key policy of ${path}`, true);
          break;
        case 'AWS::S3::BucketPolicy':
          add(props.PolicyDocument, (s) => principalText(s, principals), `bucket policy of ${targetLabel(stack.template, props.Bucket, options)}`);
          break;
        case 'AWS::SNS::TopicPolicy':
          add(props.PolicyDocument, (s) => principalText(s, principals), `topic policy of ${targetLabel(stack.template, asList(props.Topics)[0], options)}`);
          break;
        case 'AWS::SQS::QueuePolicy':
          add(props.PolicyDocument, (s) => principalText(s, principals), `queue policy of ${targetLabel(stack.template, asList(props.Queues)[0], options)}`);
          break;
        default:
          break;
      }
    }
  }
  statements.sort((a, b) => Number(isFlagged(b)) - Number(isFlagged(a)));
  return {
    statements,
    wildcardStatements: statements.filter(isFlagged).length,
    wildcardActionStatements: statements.filter((s) => s.wildcardActions.length > 0).length,
    wildcardResourceStatements: statements.filter((s) => s.wildcardResources.length > 0).length,
    managedPolicies,
  };
}

/** An Allow statement with a wildcard action, a wildcard resource or any principal. */
export function isFlagged(statement: StatementSummary): boolean {
  return statement.wildcardActions.length > 0 || statement.wildcardResources.length > 0 || statement.anyPrincipal;
}

/** Identifies a statement across two syntheses: who, what, on what, under which conditions. */
export function statementKey(s: StatementSummary): string {
  return JSON.stringify([s.stackName, s.principal, s.source, s.effect, [...s.actions].sort(), [...s.resources].sort(), s.hasConditions]);
}

function summarize(stackName: string, s: Record<string, unknown>, principal: string, source: string, options: RenderOptions, keyPolicy: boolean): StatementSummary {
  const effect = String(s.Effect ?? 'Allow');
  const allow = effect === 'Allow';
  const actions = [...renderList(s.Action, options), ...renderList(s.NotAction, options).map((a) => `NOT ${a}`)];
  const resources = [...renderList(s.Resource, options), ...renderList(s.NotResource, options).map((r) => `NOT ${r}`)];
  return {
    stackName, principal, source, effect, actions, resources,
    hasConditions: s.Condition !== undefined && Object.keys(s.Condition as object).length > 0,
    // NotAction and NotResource allow everything but what they name: as broad as a wildcard.
    wildcardActions: allow ? actions.filter((a) => a.startsWith('NOT ') || isWildcardAction(a)) : [],
    // In a key policy, Resource "*" means the key itself, so it is not a wildcard there.
    wildcardResources: allow ? resources.filter((r) => r.startsWith('NOT ') || (isWildcardResource(r) && !(keyPolicy && r === '*'))) : [],
    anyPrincipal: allow && (s.Principal === '*' || renderList((s.Principal as Record<string, unknown> | undefined)?.AWS, options).includes('*')),
  };
}

/** The roles, users and groups an identity policy attaches to, as construct paths where the template has them. */
function principalsOf(template: CfnTemplate, props: Record<string, unknown>, options: RenderOptions): string[] {
  return (['Roles', 'Users', 'Groups'] as const).flatMap((key) => asList(props[key]).map((p) => targetLabel(template, p, options)));
}

/** A referenced resource as its construct path, or the value rendered (an imported role's name). */
function targetLabel(template: CfnTemplate, value: unknown, options: RenderOptions): string {
  const id = referencedId(value);
  const resource: CfnResource | undefined = id === undefined ? undefined : template.Resources?.[id];
  return resource ? constructPathOf(resource) ?? id! : render(value, options);
}

/** A resource policy statement's principal: `*`, `service logs.amazonaws.com`, `AWS arn:aws:iam::${AWS::AccountId}:root`. */
function principalText(statement: Record<string, unknown>, options: RenderOptions): string {
  const principal = statement.Principal ?? statement.NotPrincipal;
  const not = statement.Principal === undefined && statement.NotPrincipal !== undefined ? 'NOT ' : '';
  if (principal === undefined) return '(no principal)';
  if (typeof principal === 'string') return `${not}${principal}`;
  return not + Object.entries(principal as Record<string, unknown>)
    .map(([kind, value]) => `${kind === 'Service' ? 'service' : kind} ${renderList(value, options).join(', ')}`).join('; ');
}

function statementsOf(document: unknown): Record<string, unknown>[] {
  const statement = (document as Record<string, unknown> | undefined)?.Statement;
  return asObjects(Array.isArray(statement) ? statement : statement === undefined ? [] : [statement]);
}

function asObjects(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null) : [];
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}
