// Who is calling, from API Gateway's requestContext: IAM principals, Cognito users, API keys; reviewers.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { callerOf, principalMatches } from '../../lib/runtime/api/callers';
import { fromEnvironment } from '../../lib/runtime/api/settings';

const reviewersFromEnv = (env: Record<string, string>) => fromEnvironment(env).reviewers;

const context = (requestContext: Record<string, unknown>) => ({ requestContext } as unknown as Pick<APIGatewayProxyEvent, 'requestContext'>);

describe('callerOf', () => {
  test('an IAM caller is its effective ARN, hashed', () => {
    const a = callerOf(context({ identity: { userArn: 'arn:aws:sts::111122223333:assumed-role/app/s1' } }))!;
    const b = callerOf(context({ identity: { userArn: 'arn:aws:sts::111122223333:assumed-role/app/s2' } }))!;
    expect(a).toEqual({ kind: 'iam', id: expect.stringMatching(/^iam:[0-9a-f]{32}$/), reviewer: false });
    expect(a.id).not.toBe(b.id);
    expect(callerOf(context({ identity: { userArn: 'arn:aws:sts::111122223333:assumed-role/app/s1' } }))!.id).toBe(a.id);
  });

  test('a Cognito user is its pool and sub; groups make a reviewer', () => {
    const reviewers = reviewersFromEnv({ FEEDBACK_REVIEWER_GROUPS: 'reviewers' });
    const claims = { sub: 'u-1', iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc', 'cognito:groups': 'staff,reviewers' };
    expect(callerOf(context({ authorizer: { claims } }), reviewers)).toMatchObject({ kind: 'cognito', reviewer: true });
    expect(callerOf(context({ authorizer: { claims: { ...claims, 'cognito:groups': 'staff' } } }), reviewers)).toMatchObject({ reviewer: false });
    // Another pool's user with the same sub is someone else.
    expect(callerOf(context({ authorizer: { claims: { ...claims, iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_xyz' } } }))!.id)
      .not.toBe(callerOf(context({ authorizer: { claims } }))!.id);
  });

  test('an API key caller is the key id, never the key', () => {
    const caller = callerOf(context({ identity: { apiKeyId: 'k1', apiKey: 'the-secret' } }), reviewersFromEnv({ FEEDBACK_REVIEWER_API_KEYS: 'k1' }))!;
    expect(caller).toMatchObject({ kind: 'api-key', reviewer: true });
    expect(JSON.stringify(caller)).not.toContain('the-secret');
  });

  test('fails to name a caller when API Gateway authenticated nobody', () => {
    expect(callerOf(context({ identity: { sourceIp: '203.0.113.9', userArn: null, apiKeyId: null } }))).toBeUndefined();
    expect(callerOf(context({}))).toBeUndefined();
  });
});

describe('principalMatches', () => {
  test.each([
    ['arn:aws:iam::111122223333:role/reviewer', 'arn:aws:sts::111122223333:assumed-role/reviewer/alice', true],
    ['arn:aws:iam::111122223333:role/team/reviewer', 'arn:aws:sts::111122223333:assumed-role/reviewer/bob', true],
    ['arn:aws:iam::111122223333:role/reviewer', 'arn:aws:sts::444455556666:assumed-role/reviewer/alice', false],
    ['arn:aws:iam::111122223333:role/reviewer', 'arn:aws:sts::111122223333:assumed-role/reviewer-2/alice', false],
    ['arn:aws:iam::111122223333:user/carol', 'arn:aws:iam::111122223333:user/carol', true],
    ['arn:aws:iam::111122223333:user/carol', 'arn:aws:iam::111122223333:user/dave', false],
  ])('%s matches %s: %s', (reviewer, caller, expected) => {
    expect(principalMatches(reviewer, caller)).toBe(expected);
  });
});
