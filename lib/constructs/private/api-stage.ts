// The live stage of a generative API's REST API: JSON access logs, tracing, metrics, error-level execution logs
// without request data, and the stage throttling; and why the REST API's own resources depart from the policy checks.
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { ApiThrottling } from '../generative-api';
import { justify } from './justifications';

/** The `live` stage's options, its access logs going to `accessLogs`. */
export function liveStageOptions(accessLogs: logs.ILogGroup, throttling: ApiThrottling): apigw.StageOptions {
  return {
    stageName: 'live',
    accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
    accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
      caller: true, httpMethod: true, ip: true, protocol: true, requestTime: true, resourcePath: true,
      responseLength: true, status: true, user: true,
    }),
    tracingEnabled: true,
    metricsEnabled: true,
    loggingLevel: apigw.MethodLoggingLevel.ERROR,
    dataTraceEnabled: false,
    throttlingRateLimit: throttling.rateLimit,
    throttlingBurstLimit: throttling.burstLimit,
  };
}

/** The account-level CloudWatch role's managed policy, and the Lambda permissions scoped by a joined SourceArn. */
export function justifyApi(api: apigw.RestApi): void {
  const role = api.node.tryFindChild('CloudWatchRole');
  if (role) {
    justify(role, {
      kind: 'aws-managed-policy',
      policy: 'service-role/AmazonAPIGatewayPushToCloudWatchLogs',
      reason: 'API Gateway needs an account-level role to write access and execution logs; this AWS managed policy is scoped to CloudWatch Logs.',
    });
  }
  // Every permission carries the method's execute-api ARN as SourceArn; the guard rule only recognizes
  // literal strings or references to resources, not the joined ARN, so it reports them anyway.
  justify(api, {
    kind: 'lambda-permission-scoped-by-source-arn',
    reason: 'Each API Gateway permission is limited by SourceArn to one method of this API (a joined execute-api ARN the rule cannot read).',
  });
}
