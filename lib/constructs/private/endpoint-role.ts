// The SageMaker execution role of an inference endpoint: pull its image, read its weights, write logs,
// metrics and data capture, and (in a VPC) manage its network interfaces. Nothing else.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { justify } from './justifications';
import { accountServicePrincipal } from './principals';

export interface EndpointRoleProps {
  /** ECR repository ARN of the serving image; undefined for a custom image, whose pull the user grants. */
  readonly repositoryArn?: string;
  /** The endpoint's name, to scope its log group. */
  readonly endpointName: string;
  /** Inference components on the endpoint: each logs to its own group under /aws/sagemaker/InferenceComponents/. */
  readonly inferenceComponentNames?: readonly string[];
  /** The endpoint runs in a VPC. */
  readonly inVpc: boolean;
  /** A role to use instead of a new one; it receives the same policies. */
  readonly role?: iam.IRole;
}

/**
 * CreateLogGroup on the groups themselves, stream actions on their streams. CreateLogGroup is authorized against
 * the log-group ARN without a stream part (`arn:...:log-group:NAME`), which `log-group:NAME:*` does not match
 * (Service Authorization Reference, Amazon CloudWatch Logs: CreateLogGroup, resource type log-group).
 */
export function grantLogGroups(role: iam.IRole, groups: readonly string[]): { logStreams: string[] } {
  const stack = Stack.of(role);
  const arn = (name: string) => stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const logStreams = groups.map((g) => arn(`${g}:*`));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup'], resources: groups.map(arn) }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'], resources: logStreams }));
  return { logStreams };
}

/** The endpoint's role with what it needs: `props.role` when given, else a new role SageMaker assumes. */
export function createEndpointRole(scope: Construct, id: string, props: EndpointRoleProps): iam.IRole {
  const role = props.role ?? new iam.Role(scope, id, {
    assumedBy: accountServicePrincipal(scope, 'sagemaker.amazonaws.com'),
    description: `Execution role of SageMaker endpoint ${props.endpointName}`,
  });
  if (props.repositoryArn) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [props.repositoryArn],
    }));
  }
  // ecr:GetAuthorizationToken and cloudwatch:PutMetricData have no resource-level permissions (Service
  // Authorization Reference), so they can only be granted on "*".
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': ['/aws/sagemaker/Endpoints', 'AWS/SageMaker'] } },
  }));
  const groups = [`/aws/sagemaker/Endpoints/${props.endpointName}`, ...(props.inferenceComponentNames ?? []).map((n) => `/aws/sagemaker/InferenceComponents/${n}`)];
  const { logStreams } = grantLogGroups(role, groups);
  if (props.inVpc) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
        'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs',
      ],
      resources: ['*'],
    }));
  }
  justify(role, { kind: 'wildcard-resources', resources: ['*'], reason: 'ecr:GetAuthorizationToken, cloudwatch:PutMetricData (limited to the SageMaker namespaces by condition) and the VPC network-interface actions SageMaker needs support no resource-level permissions.' });
  justify(role, { kind: 'wildcard-resources', resources: logStreams, reason: 'SageMaker names the endpoint\'s (and its inference components\') log streams itself (one per instance and container) inside their own log groups.' });
  return role;
}
