// Acknowledges cdk-nag IAM5 findings for wildcard resources by their exact ids, rendered the way cdk-nag
// renders them (its own flattening of CloudFormation references), once synthesis has resolved the tokens.
import { Stack } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';
import { acknowledgeAtSynthesis } from '../../validation/deferred-acknowledgements';

/** The IAM5 finding id of a wildcard resource ARN in a policy of `stack`. Call after synthesis. */
export function iam5ResourceFinding(stack: Stack, arn: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(arn))}]`;
}

/** Acknowledges, on `scope` (a role or its policy), the IAM5 findings of these wildcard resources. */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  acknowledgeAtSynthesis(scope, () => resources.map((arn) => ({ id: iam5ResourceFinding(Stack.of(scope), arn), reason })));
}
