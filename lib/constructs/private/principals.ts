// Service principals for the roles the kit creates, limited to this account: a service assuming the role on
// behalf of another account's resource (the confused deputy) is refused (IAM user guide, "The confused deputy
// problem": aws:SourceAccount in the role's trust policy).
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/** `service` may assume the role only for resources of the stack's account. */
export function accountServicePrincipal(scope: Construct, service: string): iam.ServicePrincipal {
  return new iam.ServicePrincipal(service, { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } } });
}
