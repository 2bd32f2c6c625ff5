import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { createKitKey } from './kms';

/** An encrypted SNS topic for a construct's alarms, when the user passes none. */
export function newAlarmTopic(scope: Construct): sns.Topic {
  // Notifications are transient: the key goes with the topic.
  const key = createKitKey(scope, 'TopicKey', { description: `Encrypts alarm notifications of ${scope.node.path}`, removalPolicy: RemovalPolicy.DESTROY });
  // CloudWatch publishes alarm notifications to the encrypted topic (SNS developer guide, "Encryption at rest").
  key.addToResourcePolicy(new iam.PolicyStatement({
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
    resources: ['*'],
    conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(scope).account } },
  }));
  return new sns.Topic(scope, 'Topic', { masterKey: key, enforceSSL: true, displayName: `Alarms of ${scope.node.path}` });
}
