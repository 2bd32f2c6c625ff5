// The kit's acknowledgement pack: the one place that knows which rules of cdk-nag (AwsSolutions) and of the
// Control Tower guard rules (cdk-validator-cfnguard) each justification of the kit's constructs answers
// (lib/constructs/private/justifications.ts), and how those checkers name their findings. Constructs say why;
// this turns each justification into the acknowledgements of exactly those rules, on the construct that holds it.
//
// It runs once the stage's cross-stack references are resolved (an id can name a resource of another stack, which
// cdk-nag renders as the import it becomes), twice over: as a construct validation of the stage, which aws-cdk-lib
// runs before it writes the stacks' metadata (so the acknowledgements are recorded there, where `npm run review`
// reads cdk-nag's), and as a policy validation plugin registered before the checkers, for the constructs the first
// did not reach (a stage validated with `skipValidation`, a pack registered only as a plugin). Each justification
// is acknowledged once.
import { type IPolicyValidationContext, type IPolicyValidationPlugin, type PolicyValidationPluginReport, Stack, type Stage, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { type Justification, type JustificationKind, justificationsOf } from '../constructs/private/justifications';
import { MissingPeerError, requirePeer } from './optional-peers';

/** A rule a justification answers: its acknowledgement id, and the Control Tower control its reason is prefixed with. */
interface Rule {
  readonly id: string;
  readonly control?: string;
}

const awsSolutions = (rule: string): Rule => ({ id: `AwsSolutions-${rule}` });
const controlTower = (rule: string, control: string): Rule => ({ id: `cdk-validator-cfnguard::${rule}`, control });

/** The rules each kind answers, but those whose ids hold the resource they are about (below). */
const RULES: Record<Exclude<JustificationKind, 'wildcard-resources' | 'aws-managed-policy'>, readonly Rule[]> = {
  'lambda-outside-vpc': [controlTower('lambda_inside_vpc_check', 'CT.LAMBDA.PR.3')],
  'lambda-runtime-pinned': [awsSolutions('L1')],
  'lambda-permission-scoped-by-source-arn': [controlTower('lambda_function_public_access_prohibited_check', 'CT.LAMBDA.PR.2')],
  'api-without-cognito': [awsSolutions('COG4')],
  'api-method-without-authorizer': [awsSolutions('APIG4')],
  'api-without-waf': [awsSolutions('APIG3')],
  'bucket-without-access-logs': [awsSolutions('S1'), controlTower('s3_bucket_logging_enabled_check', 'CT.S3.PR.2')],
  'bucket-without-kms-encryption': [controlTower('s3_bucket_default_encryption_kms_check', 'CT.S3.PR.10')],
  'bucket-without-event-notifications': [controlTower('s3_event_notifications_enabled_check', 'CT.S3.PR.4')],
  'queue-without-dead-letter-queue': [awsSolutions('SQS3')],
  'queue-without-redrive': [controlTower('sqs_dlq_check', 'CT.SQS.PR.1')],
  'log-retention-under-a-year': [controlTower('cloudwatch_log_group_retention_period_check', 'CT.CLOUDWATCH.PR.2')],
};

/**
 * The acknowledgements of one justification on `scope`. cdk-nag names a wildcard-resource finding (IAM5) and a
 * managed-policy finding (IAM4) by the resource as it renders it: the template's value, resolved in the stack,
 * flattened by cdk-nag's own `flattenCfnReference` (`{"Fn::GetAtt":["Logs","Arn"]}` becomes `<Logs.Arn>`, a
 * cross-stack `{"Fn::GetStackOutput":...}` stays its JSON). That function is not part of cdk-nag's public API, but
 * only the same rendering yields the same ids, so it is loaded from its file here and nowhere else in the kit;
 * without cdk-nag installed there is no such finding to answer.
 */
function acknowledgementsOf(scope: IConstruct, justification: Justification): { id: string; reason: string }[] {
  const { reason } = justification;
  switch (justification.kind) {
    case 'wildcard-resources': {
      const flatten = flattenCfnReference();
      if (!flatten) return [];
      const stack = Stack.of(scope);
      return justification.resources.map((arn) => ({ id: `AwsSolutions-IAM5[Resource::${flatten(stack.resolve(arn))}]`, reason }));
    }
    case 'aws-managed-policy': {
      const flatten = flattenCfnReference();
      if (!flatten) return [];
      const stack = Stack.of(scope);
      // The ARN exactly as the role holds it (iam.ManagedPolicy.fromAwsManagedPolicyName).
      const arn = iam.ManagedPolicy.fromAwsManagedPolicyName(justification.policy).managedPolicyArn;
      return [{ id: `AwsSolutions-IAM4[Policy::${flatten(stack.resolve(arn))}]`, reason }];
    }
    default:
      return RULES[justification.kind].map((rule) => ({ id: rule.id, reason: rule.control ? `${rule.control}: ${asClause(reason)}` : reason }));
  }
}

/** `The handler ...` -> `the handler ...`, to follow a control's id; `S3 ...` and `aws-cdk-lib ...` stay as they are. */
function asClause(reason: string): string {
  return /^[A-Z][a-z]/.test(reason) ? reason.charAt(0).toLowerCase() + reason.slice(1) : reason;
}

type Flatten = (reference: unknown) => string;
let flatten: Flatten | null | undefined;

function flattenCfnReference(): Flatten | null {
  if (flatten !== undefined) return flatten;
  try {
    flatten = requirePeer<{ flattenCfnReference: Flatten }>('cdk-nag', 'AcknowledgementPack', 'cdk-nag/lib/utils/flatten-cfn-reference').flattenCfnReference;
  } catch (error) {
    if (!(error instanceof MissingPeerError)) throw error;
    flatten = null;
  }
  return flatten;
}

/** Acknowledges every justification under `root` (itself included) not acknowledged yet. */
function acknowledgeJustifications(root: IConstruct): void {
  for (const construct of root.node.findAll()) {
    const pending = justificationsOf(construct).filter((j) => !j.acknowledged);
    if (pending.length === 0) continue;
    const acknowledgements = pending.flatMap((j) => acknowledgementsOf(construct, j.justification));
    for (const j of pending) j.acknowledged = true;
    if (acknowledgements.length > 0) Validations.of(construct).acknowledge(...acknowledgements);
  }
}

/**
 * Acknowledges, for cdk-nag AwsSolutions and the Control Tower guard rules, the findings the kit's constructs
 * justify (an S3 access-log bucket without access logs of its own, a grant on the objects under a prefix, ...),
 * each by its exact id on the construct the justification is about. Reports nothing itself.
 *
 * `PolicyChecks.add` registers it. If you run cdk-nag or the guard validator on the kit's constructs with
 * plugins of your own, register it too, before them: `AcknowledgementPack.add(stage)`.
 */
export class AcknowledgementPack implements IPolicyValidationPlugin {
  /**
   * Registers the pack on a stage (an App is one): as a construct validation of the stage, so that the
   * acknowledgements are in the stacks' metadata, and as a validation plugin. Register it before the checkers.
   */
  static add(stage: Stage): void {
    stage.node.addValidation({
      validate: () => {
        acknowledgeJustifications(stage);
        return [];
      },
    });
    Validations.of(stage).addPlugins(new AcknowledgementPack());
  }

  readonly name = 'genai-lifecycle-cdk-acknowledgements';

  validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    acknowledgeJustifications(context.appConstruct.node.root);
    return { success: true, violations: [] };
  }
}
