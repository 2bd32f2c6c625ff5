// The WAF web ACL of a generative API, associated with its live stage: a rate limit per IP, then the AWS managed
// common and known-bad-inputs rule groups.
import { Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

/** The web ACL (`WebAcl`) and its association with the API's deployment stage (`WebAclAssociation`), in `scope`. */
export function addWaf(scope: Construct, api: apigw.RestApi, requestsPerIpPer5Minutes: number): wafv2.CfnWebACL {
  const stack = Stack.of(scope);
  const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
  const acl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: visibility('GenerativeApi'),
    rules: [
      {
        name: 'RateLimitPerIp', priority: 0, action: { block: {} }, visibilityConfig: visibility('RateLimitPerIp'),
        statement: { rateBasedStatement: { limit: requestsPerIpPer5Minutes, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
      },
      {
        name: 'AwsCommonRules', priority: 1, overrideAction: { none: {} }, visibilityConfig: visibility('AwsCommonRules'),
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS', name: 'AWSManagedRulesCommonRuleSet',
            // Prompts legitimately exceed the rule set's 8 KB body limit; the handler enforces its own (256 KiB).
            ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
          },
        },
      },
      {
        name: 'AwsKnownBadInputs', priority: 2, overrideAction: { none: {} }, visibilityConfig: visibility('AwsKnownBadInputs'),
        statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
      },
    ],
  });
  new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
    webAclArn: acl.attrArn,
    resourceArn: `arn:${stack.partition}:apigateway:${stack.region}::/restapis/${api.restApiId}/stages/${api.deploymentStage.stageName}`,
  });
  return acl;
}
