// Customer-managed KMS keys as every construct of the kit creates them: rotated, and with the key policy
// statement the Control Tower control CT.KMS.PR.3 asks for (grants only for AWS services).
import { RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';

export interface KitKeyProps {
  readonly description: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A rotated customer-managed key whose grants can only be created by or for AWS services. */
export function createKitKey(scope: Construct, id: string, props: KitKeyProps): kms.Key {
  const key = new kms.Key(scope, id, {
    description: props.description,
    enableKeyRotation: true,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  // Services such as SageMaker and Lambda create grants on the caller's behalf; nobody else needs to.
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsNotForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
  }));
  return key;
}

/**
 * Lets CloudWatch Logs in the key's region encrypt the log groups of the key's own stack with it. The kit's log
 * groups take CloudFormation's generated names, which start with the stack name (`<stack>-<logical id>-<suffix>`),
 * so no other log group of the account can use the key.
 */
export function allowCloudWatchLogs(key: kms.IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogs',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
    resources: ['*'],
    conditions: {
      ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${stack.stackName}-*` },
    },
  }));
}

/**
 * The key's actions for a grantee, usable only through one AWS service in the key's region (kms:ViaService):
 * the same permissions do nothing against KMS directly. For calls a service makes with the grantee's own
 * credentials (S3 for SSE-KMS objects, SNS and SQS for encrypted topics and queues, Bedrock for guardrails and
 * custom models), not for service roles a service assumes and calls KMS with itself.
 */
export function grantKeyVia(grantee: iam.IGrantable, keyArn: string, service: string, actions: readonly string[], scope: Construct): iam.Grant {
  const stack = Stack.of(scope);
  const suffix = Token.isUnresolved(stack.region) ? stack.urlSuffix : stack.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return iam.Grant.addToPrincipal({
    grantee, actions: [...actions], resourceArns: [keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `${service}.${stack.region}.${suffix}` } },
  });
}
