import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DatasetStore } from '../../lib/constructs/dataset-store';
import { ModelOptimizationRole } from '../../lib/constructs/model-optimization-role';
import { newApp, synthesize, templateOf } from '../support/synth';

const app = newApp();
const stack = new Stack(app, 'S', { env: { account: '111122223333', region: 'eu-west-1' } });
const datasets = new DatasetStore(stack, 'Datasets');
const optimization = new ModelOptimizationRole(stack, 'Optimization', { datasets });
const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
optimization.grantStartJobs(operator);
const result = synthesize(app);
const t = templateOf(stack);

function actionsOf(role: iam.IRole): string[] {
  const policies = t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: stack.getLogicalId(role.node.defaultChild as never) }] } });
  const actions = Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[] }[] } } })
    .Properties.PolicyDocument.Statement.flatMap((s) => ([] as string[]).concat(s.Action)));
  return [...new Set(actions)].sort();
}

describe('ModelOptimizationRole', () => {
  test('synthesizes under strict validation', () => expect(result.error).toBeUndefined());

  test('SageMaker assumes it', () => {
    t.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })] } });
  });

  test('reads and writes weights under models/ only, pulls the LMI image, logs', () => {
    expect(actionsOf(optimization.role)).toEqual([
      'cloudwatch:PutMetricData', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer',
      'kms:Decrypt', 'kms:GenerateDataKey', 'logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents',
      's3:AbortMultipartUpload', 's3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:PutObject',
    ]);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['models/*'] } } }),
        Match.objectLike({ Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: 'arn:aws:ecr:eu-west-1:763104351884:repository/djl-inference' }),
      ]) },
    });
  });

  test('the operator may start, watch and stop jobs and pass this role to SageMaker only', () => {
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Operator') }],
      PolicyDocument: { Statement: [
        { Action: ['sagemaker:CreateOptimizationJob', 'sagemaker:DescribeOptimizationJob', 'sagemaker:StopOptimizationJob'], Effect: 'Allow', Resource: 'arn:aws:sagemaker:eu-west-1:111122223333:optimization-job/*' },
        { Action: 'iam:PassRole', Effect: 'Allow', Resource: { 'Fn::GetAtt': [stack.getLogicalId(optimization.role.node.defaultChild as never), 'Arn'] }, Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } },
      ] },
    });
  });
});
