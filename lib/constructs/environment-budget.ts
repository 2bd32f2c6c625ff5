// A monthly AWS Budgets cost budget for the resources of one environment (by their cost allocation tag),
// alerting an encrypted SNS topic when actual cost passes a share of the limit or the forecast passes it.
import { RemovalPolicy, Resource } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { createKitKey } from './private/kms';
import { throwIfProblems } from './private/problems';

export interface EnvironmentBudgetProps {
  /** The most the environment should cost a month, in USD. */
  readonly monthlyLimitUsd: number;
  /**
   * The cost allocation tag that marks the environment's resources, as `key` and `value` (the stage tags every
   * resource `environment: <name>`). Activate the tag in the Billing console (Cost allocation tags) before it
   * filters anything.
   */
  readonly tagKey: string;
  readonly tagValue: string;
  /** Alert when actual cost passes this percentage of the limit. @default 80 */
  readonly actualPercent?: number;
  /** Alert when forecast cost passes this percentage of the limit. @default 100 */
  readonly forecastPercent?: number;
  /**
   * Where alerts go. Budgets must be allowed to publish to it, and to use its key if it is encrypted.
   * @default - a new KMS-encrypted topic Budgets may publish to
   */
  readonly topic?: sns.ITopic;
}

/** A monthly cost budget of one environment, with alerts to a topic. */
export class EnvironmentBudget extends Resource {
  readonly budget: budgets.CfnBudget;
  readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: EnvironmentBudgetProps) {
    super(scope, id);
    const actual = props.actualPercent ?? 80;
    const forecast = props.forecastPercent ?? 100;
    const problems: string[] = [];
    if (!(props.monthlyLimitUsd > 0) || !Number.isFinite(props.monthlyLimitUsd)) problems.push(`monthlyLimitUsd is ${props.monthlyLimitUsd}; use USD a month above 0.`);
    for (const [name, value] of [['actualPercent', actual], ['forecastPercent', forecast]] as const) {
      if (!(value > 0 && value <= 1000)) problems.push(`${name} is ${value}; use a percentage of the limit above 0 (and at most 1000).`);
    }
    throwIfProblems(this, 'EnvironmentBudget', problems);
    this.topic = props.topic ?? this.createTopic();
    const subscribers = [{ subscriptionType: 'SNS', address: this.topic.topicArn }];
    this.budget = new budgets.CfnBudget(this, 'Resource', {
      budget: {
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyLimitUsd, unit: 'USD' },
        // User-defined cost allocation tags are filtered as "user:<key>$<value>" (Cost Management user guide,
        // "Creating budget filters"; as cited in hashicorp/terraform-provider-aws#40987, read 2026-12-03).
        costFilters: { TagKeyValue: [`user:${props.tagKey}$${props.tagValue}`] },
      },
      notificationsWithSubscribers: [
        { notification: { notificationType: 'ACTUAL', comparisonOperator: 'GREATER_THAN', threshold: actual, thresholdType: 'PERCENTAGE' }, subscribers },
        { notification: { notificationType: 'FORECASTED', comparisonOperator: 'GREATER_THAN', threshold: forecast, thresholdType: 'PERCENTAGE' }, subscribers },
      ],
    });
  }

  /**
   * A topic Budgets may publish to: its topic policy allows budgets.amazonaws.com SNS:Publish, and the key
   * policy kms:GenerateDataKey* and kms:Decrypt ("Creating an Amazon SNS topic for budget notifications", Cost
   * Management user guide, awsdocs/aws-cost-management-user-guide@f07410319ecbb205417e720de33d05842db16e84
   * doc_source/budgets-sns-policy.md, read 2026-12-03).
   */
  private createTopic(): sns.Topic {
    const key = createKitKey(this, 'TopicKey', { description: `Encrypts the budget alerts of ${this.node.path}`, removalPolicy: RemovalPolicy.DESTROY });
    const budgetsService = new iam.ServicePrincipal('budgets.amazonaws.com');
    key.addToResourcePolicy(new iam.PolicyStatement({ principals: [budgetsService], actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: ['*'] }));
    const topic = new sns.Topic(this, 'Topic', { masterKey: key, enforceSSL: true, displayName: `Budget alerts of ${this.node.path}` });
    topic.addToResourcePolicy(new iam.PolicyStatement({ principals: [budgetsService], actions: ['sns:Publish'], resources: [topic.topicArn] }));
    return topic;
  }
}
