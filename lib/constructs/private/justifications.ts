// Why a construct of the kit (or one aws-cdk-lib creates for it) departs from a policy check's default, in the
// kit's own words: a kind that names the departure and the reason. Constructs name no rule of any checker; the
// acknowledgement pack (lib/validation/acknowledgement-pack.ts), which `PolicyChecks.add` registers, turns each
// justification into the acknowledgements of the exact rules it answers when the stage is validated.
//
// A justification is kept on the construct it is about (a property under a symbol, not enumerable): no registry
// to clean up, and nothing of it in the synthesized templates.
import type { IConstruct } from 'constructs';

/** The departures a justification can name. */
export const JUSTIFICATION_KINDS = [
  /** IAM statements whose resources hold a wildcard (`resources`: those exact ARNs, as the statements hold them). */
  'wildcard-resources',
  /** An AWS managed policy attached to the role (`policy`: its name after `policy/`, e.g. `service-role/AWSLambdaBasicExecutionRole`). */
  'aws-managed-policy',
  /** A Lambda function outside a VPC. */
  'lambda-outside-vpc',
  /** A Lambda function whose runtime is not the latest, pinned by whoever owns the function. */
  'lambda-runtime-pinned',
  /** Lambda permissions limited by a SourceArn that checkers cannot read (a joined ARN). */
  'lambda-permission-scoped-by-source-arn',
  /** API Gateway methods without a Cognito user pool authorizer. */
  'api-without-cognito',
  /** API Gateway methods without an authorizer. */
  'api-method-without-authorizer',
  /** A REST API stage without a WAF web ACL. */
  'api-without-waf',
  /** An S3 bucket without server access logging. */
  'bucket-without-access-logs',
  /** An S3 bucket whose default encryption is not SSE-KMS. */
  'bucket-without-kms-encryption',
  /** An S3 bucket without event notifications. */
  'bucket-without-event-notifications',
  /** An SQS queue without a dead-letter queue of its own. */
  'queue-without-dead-letter-queue',
  /** An SQS queue that neither redrives to a dead-letter queue nor accepts redrive from other queues. */
  'queue-without-redrive',
  /** CloudWatch log groups kept less than a year. */
  'log-retention-under-a-year',
] as const;

export type JustificationKind = typeof JUSTIFICATION_KINDS[number];

interface Reasoned {
  /**
   * Why, as one or more sentences. The pack uses it as the acknowledgement's reason (a Control Tower
   * control's acknowledgement is prefixed with the control, e.g. `CT.S3.PR.2: `).
   */
  readonly reason: string;
}

/** Why a construct departs from a policy check's default. */
export type Justification =
  | Reasoned & { readonly kind: 'wildcard-resources'; readonly resources: readonly string[] }
  | Reasoned & { readonly kind: 'aws-managed-policy'; readonly policy: string }
  | Reasoned & { readonly kind: Exclude<JustificationKind, 'wildcard-resources' | 'aws-managed-policy'> };

const JUSTIFICATIONS = Symbol.for('genai-lifecycle-cdk.justifications');

/** A justification on a construct, and whether the pack has acknowledged it yet. */
export interface Justified {
  readonly justification: Justification;
  acknowledged: boolean;
}

interface Holder {
  [JUSTIFICATIONS]?: Justified[];
}

/** Records on `scope` why it departs from a policy check's default. The same justification twice counts once. */
export function justify(scope: IConstruct, ...justifications: Justification[]): void {
  const holder = scope as Holder;
  let list = holder[JUSTIFICATIONS];
  if (!list) {
    list = [];
    Object.defineProperty(holder, JUSTIFICATIONS, { value: list, enumerable: false });
  }
  for (const justification of justifications) {
    if (!list.some((j) => sameJustification(j.justification, justification))) list.push({ justification, acknowledged: false });
  }
}

/** The justifications recorded on `scope` itself (not its children). */
export function justificationsOf(scope: IConstruct): readonly Justified[] {
  return (scope as Holder)[JUSTIFICATIONS] ?? [];
}

function sameJustification(a: Justification, b: Justification): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
