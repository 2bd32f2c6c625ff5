/** Policy findings per environment: open findings and acknowledgements per plugin, and every acknowledgement. */
import { KNOWN_PLUGINS, splitId, validationOf } from '../../scripts/lib/review';
import { environment, HEAD_DIR, load } from './fixtures';

const head = load(HEAD_DIR);

describe('validationOf', () => {
  test('counts open findings and acknowledgements per plugin, every known plugin listed', () => {
    const prod = validationOf(environment(head, 'Prod'), head);
    expect(prod.plugins.map((p) => [p.plugin, p.open, p.errors, p.acknowledged])).toEqual([
      ['AwsSolutions', 0, 0, 2],
      ['cdk-validator-cfnguard', 0, 0, 1],
      ['CloudFormation Validate', 0, 0, 0],
      ['genai-lifecycle-cdk-rules', 1, 1, 0],
    ]);
    expect(prod.plugins.map((p) => p.label)).toEqual(KNOWN_PLUGINS.map((p) => p.label));
    expect(prod.open).toEqual([{ plugin: 'genai-lifecycle-cdk-rules', rule: 'endpoint-instance-type', constructPath: 'Prod/Serving/Endpoint/Config', severity: 'error', description: 'Fixture: an open finding on the endpoint configuration.' }]);
  });

  test('lists every acknowledgement with its rule, construct and reason; one in the report and the metadata counts once', () => {
    expect(validationOf(environment(head, 'Prod'), head).acknowledgements).toEqual([
      { plugin: 'AwsSolutions', rule: 'AwsSolutions-COG4', constructPath: 'Prod/Serving/Api', reason: 'Methods use IAM (SigV4) authorization, not Cognito.', covers: [] },
      { plugin: 'AwsSolutions', rule: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', constructPath: 'Prod/Serving/Api/Handler', reason: 'The handler writes only its own logs.', covers: [] },
      { plugin: 'cdk-validator-cfnguard', rule: 'lambda_inside_vpc_check', constructPath: 'Prod/Serving/Api/Handler', reason: 'CT.LAMBDA.PR.3: the handler calls only AWS APIs over TLS with IAM.', covers: ['Prod/Serving/Api/Handler/Resource'] },
    ]);
  });

  test('a stage-wide acknowledgement lists the constructs it covers; a finding with only a template path belongs to that template\'s environment', () => {
    const dev = validationOf(environment(head, 'Dev'), head);
    expect(dev.acknowledgements.find((a) => a.plugin === 'cdk-validator-cfnguard')).toEqual({
      plugin: 'cdk-validator-cfnguard', rule: 'cloudwatch_log_group_retention_period_check', constructPath: 'Dev',
      reason: 'CT.CLOUDWATCH.PR.2: dev is not a production environment and keeps logs 14 days.', covers: ['Dev/Serving/HandlerLogs/Resource', 'Dev/Serving/OtherLogs/Resource'],
    });
    expect(dev.open).toEqual([{ plugin: 'CloudFormation Validate', rule: 'W3011', constructPath: 'assembly-Dev/DevServingE7F840B0.template.json#HandlerLogs0B1C2D3E', severity: 'warning', description: 'Fixture: a warning on a resource, reported by template path only.' }]);
    expect(dev.plugins.find((p) => p.plugin === 'CloudFormation Validate')).toMatchObject({ open: 1, errors: 0 });
  });

  test.each([
    ['cdk-validator-cfnguard::lambda_inside_vpc_check', 'cdk-validator-cfnguard', 'lambda_inside_vpc_check'],
    ['genai-lifecycle-cdk-rules::endpoint-instance-type', 'genai-lifecycle-cdk-rules', 'endpoint-instance-type'],
    ['AwsSolutions-IAM5[Resource::arn:aws:s3:::b/*]', 'AwsSolutions', 'AwsSolutions-IAM5[Resource::arn:aws:s3:::b/*]'],
    ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/x]', 'AwsSolutions', 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/x]'],
  ])('splitId(%s)', (id, plugin, rule) => {
    expect(splitId(id)).toEqual({ plugin, rule });
  });
});
