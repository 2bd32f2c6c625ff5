// The role SageMaker inference optimization jobs run as (`npm run optimize`): read weights under the
// dataset store's models/ prefix, write the optimized weights back there, pull the LMI image, and log.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DatasetPrefix } from '../config/dataset-layout';
import { ServingContainer } from '../serving';
import type { IDatasetStore } from './dataset-store';
import { justify } from './private/justifications';
import { accountServicePrincipal } from './private/principals';
import { resolveImage } from './private/image';

export interface ModelOptimizationRoleProps {
  /** Source and output weights live under its models/ prefix. */
  readonly datasets: IDatasetStore;
  /**
   * Jobs may run in a VPC (`npm run optimize -- --subnet ... --security-group ...`): SageMaker then creates the
   * job's network interfaces as this role, which needs the EC2 network-interface actions.
   * @default false
   */
  readonly vpcJobs?: boolean;
}

/** An execution role for CreateOptimizationJob, and grants for whoever starts the jobs. */
export class ModelOptimizationRole extends Construct {
  readonly role: iam.IRole;
  readonly roleArn: string;

  constructor(scope: Construct, id: string, props: ModelOptimizationRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Resource', {
      assumedBy: accountServicePrincipal(this, 'sagemaker.amazonaws.com'),
      description: 'Runs SageMaker inference optimization jobs on the dataset store\'s models/ prefix',
    });
    this.roleArn = this.role.roleArn;
    props.datasets.grantReadWrite(this.role, DatasetPrefix.MODELS);
    // Quantization and TensorRT-LLM compilation run in the LMI image (SageMaker API reference,
    // ModelQuantizationConfig / ModelCompilationConfig).
    const lmi = resolveImage(this, ServingContainer.LMI_TENSORRT_LLM);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [lmi.repositoryArn!],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringLike: { 'cloudwatch:namespace': ['/aws/sagemaker/*', 'AWS/SageMaker'] } },
    }));
    // The log group of optimization jobs is not documented (the SageMaker log table lists the other job
    // kinds under /aws/sagemaker/<Kind>Jobs): allow SageMaker's own log groups only.
    const logs = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '/aws/sagemaker/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
      resources: [logs],
    }));
    if (props.vpcJobs) {
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: [
          'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface',
          'ec2:DeleteNetworkInterfacePermission', 'ec2:DescribeDhcpOptions', 'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs',
        ],
        resources: ['*'],
      }));
    }
    justify(this.role, { kind: 'wildcard-resources', resources: ['*'], reason: 'ecr:GetAuthorizationToken, cloudwatch:PutMetricData (limited to SageMaker namespaces by condition) and, for VPC jobs, the network-interface actions SageMaker needs support no resource-level permissions.' });
    justify(this.role, { kind: 'wildcard-resources', resources: [logs], reason: 'Optimization jobs write to a SageMaker log group whose name is not documented; the grant is limited to /aws/sagemaker/ groups.' });
  }

  /**
   * Lets `grantee` start, watch and stop optimization jobs in this account and region, passing this role
   * to SageMaker only.
   */
  grantStartJobs(grantee: iam.IGrantable): iam.Grant {
    const jobs = Stack.of(this).formatArn({ service: 'sagemaker', resource: 'optimization-job', resourceName: '*' });
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:CreateOptimizationJob', 'sagemaker:DescribeOptimizationJob', 'sagemaker:StopOptimizationJob'],
      resourceArns: [jobs],
    });
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    return grant;
  }
}
