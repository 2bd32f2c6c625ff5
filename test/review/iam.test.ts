/** IAM statements by principal, with wildcard actions, wildcard resources and any principal flagged. */
import { iamOf, isWildcardAction, isWildcardResource, type StackTemplate } from '../../scripts/lib/review';
import { environment, HEAD_DIR, load } from './fixtures';

const head = load(HEAD_DIR);

function stack(resources: Record<string, unknown>): StackTemplate {
  return { artifactId: 'S', stackName: 'S', displayName: 'S', acknowledgements: [], template: { Resources: resources as never } };
}

describe('wildcards', () => {
  test.each([['s3:*', true], ['s3:Get*', true], ['*', true], ['s3:GetObject', false]])('action %s is a wildcard: %s', (action, expected) => {
    expect(isWildcardAction(action)).toBe(expected);
  });

  test.each([['*', true], ['arn:aws:s3:::b/*', true], ['arn:aws:logs:r:a:log-group:/x:*', true], ['arn:aws:s3:::b/models/*', true], ['arn:aws:s3:::b', false], ['arn:aws:s3:::b/key', false]])(
    'resource %s is a wildcard: %s', (resource, expected) => {
      expect(isWildcardResource(resource)).toBe(expected);
    });
});

describe('iamOf', () => {
  test('counts the flagged statements of an environment', () => {
    const prod = iamOf(environment(head, 'Prod').stacks);
    expect([prod.statements.length, prod.wildcardStatements, prod.wildcardActionStatements, prod.wildcardResourceStatements]).toEqual([12, 7, 2, 6]);
    const dev = iamOf(environment(head, 'Dev').stacks);
    expect([dev.statements.length, dev.wildcardStatements, dev.wildcardActionStatements, dev.wildcardResourceStatements]).toEqual([4, 3, 3, 1]);
  });

  test('an identity policy is summarized under the role it attaches to, with cross-stack ARNs resolved', () => {
    const statement = iamOf(environment(head, 'Prod').stacks).statements.find((s) => s.actions.includes('s3:*'));
    expect(statement).toEqual({
      stackName: 'Prod-Serving', principal: 'Prod/Serving/Api/Handler/ServiceRole', source: 'Prod/Serving/Api/Handler/ServiceRole/DefaultPolicy',
      effect: 'Allow', actions: ['s3:*'], resources: ['<Prod-Data:DatasetStoreC0FFEE12.Arn>/*'], hasConditions: false,
      wildcardActions: ['s3:*'], wildcardResources: ['<Prod-Data:DatasetStoreC0FFEE12.Arn>/*'], anyPrincipal: false,
    });
  });

  test('flagged statements come first; inline policies and managed policies are listed', () => {
    const prod = iamOf(environment(head, 'Prod').stacks);
    expect(prod.statements.slice(0, 7).every((s) => s.wildcardActions.length + s.wildcardResources.length > 0)).toBe(true);
    expect(prod.statements.filter((s) => s.source.includes('inline Training')).map((s) => s.actions[0])).toEqual(['sagemaker:CreateTrainingJob', 'iam:PassRole']);
    expect(prod.managedPolicies).toEqual([{ principal: 'Prod/Serving/Api/Handler/ServiceRole', policyArn: 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' }]);
  });

  test('a key policy\'s Resource * is the key itself, not a wildcard; Deny statements are never flagged', () => {
    const dev = iamOf(environment(head, 'Dev').stacks);
    const root = dev.statements.find((s) => s.source === 'key policy of Dev/Serving/LogKey' && s.actions.includes('kms:*'));
    expect([root?.principal, root?.wildcardActions, root?.wildcardResources]).toEqual(['AWS arn:aws:iam::${AWS::AccountId}:root', ['kms:*'], []]);
    const deny = iamOf(environment(head, 'Prod').stacks).statements.filter((s) => s.effect === 'Deny');
    expect(deny.map((s) => [s.source, s.wildcardActions, s.wildcardResources])).toEqual([
      ['bucket policy of Prod/Data/DatasetStore/Resource', [], []],
      ['topic policy of Prod/Serving/Alarms/Topic', [], []],
    ]);
  });

  test('an Allow to any principal, NotAction and NotResource are flagged', () => {
    const report = iamOf([stack({
      Topic: { Type: 'AWS::SNS::Topic' },
      Policy: { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [{ Ref: 'Topic' }], PolicyDocument: { Statement: [
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sns:Publish', Resource: { Ref: 'Topic' } },
        { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, NotAction: 'sns:DeleteTopic', NotResource: 'arn:aws:sns:r:a:other' },
      ] } } },
    })]);
    expect(report.statements.map((s) => [s.principal, s.source, s.anyPrincipal, s.wildcardActions, s.wildcardResources])).toEqual([
      ['AWS *', 'topic policy of Topic', true, [], []],
      ['service events.amazonaws.com', 'topic policy of Topic', false, ['NOT sns:DeleteTopic'], ['NOT arn:aws:sns:r:a:other']],
    ]);
    expect(report.wildcardStatements).toBe(2);
  });
});
