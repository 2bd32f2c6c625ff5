import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CrossRegionGeography } from '../../lib/bedrock/cross-region';
import { BedrockModel, BedrockModelSource } from '../../lib/constructs/bedrock-model';
import { newApp, synthesize, templateOf } from '../support/synth';

// One app for the file: one stack per kind of source, each granting to a role.
const app = newApp();
const env = { account: '111122223333', region: 'us-east-1' };
function withModel(id: string, source: BedrockModelSource, applicationInferenceProfile?: boolean) {
  const stack = new Stack(app, id, { env });
  const model = new BedrockModel(stack, 'Model', { source, applicationInferenceProfile });
  const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  model.grantInvoke(role);
  return { stack, model };
}
const foundation = withModel('Foundation', BedrockModelSource.foundationModel('amazon.nova-lite-v1:0'));
const crossRegion = withModel('CrossRegion', BedrockModelSource.crossRegion(CrossRegionGeography.US, 'meta.llama3-1-8b-instruct-v1:0'));
const bare = withModel('Bare', BedrockModelSource.foundationModel('amazon.nova-lite-v1:0'), false);
const provisioned = withModel('Provisioned', BedrockModelSource.provisionedThroughput('arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc123'));
const result = synthesize(app);

const ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'];
function statements(stack: Stack): unknown[] {
  const policies = templateOf(stack).findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement);
}

describe('BedrockModel', () => {
  test('synthesizes under strict CloudFormation validation', () => {
    expect(result.error).toBeUndefined();
  });

  test('a foundation model gets an application inference profile for cost tracking', () => {
    templateOf(foundation.stack).hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', {
      InferenceProfileName: Match.stringLikeRegexp('^Foundation-Model-[0-9a-f]{8}$'),
      ModelSource: { CopyFrom: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0' },
    });
    expect(foundation.stack.resolve(foundation.model.invocationId)).toEqual({ 'Fn::GetAtt': [foundation.stack.getLogicalId(foundation.model.applicationProfile!), 'InferenceProfileArn'] });
  });

  test('a foundation model grants invoke and stream on the model and its profile only', () => {
    const profile = foundation.stack.resolve(foundation.model.applicationProfile!.attrInferenceProfileArn);
    expect(statements(foundation.stack)).toEqual([
      { Action: ACTIONS, Effect: 'Allow', Resource: ['arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0', profile] },
    ]);
  });

  test('a cross-region profile reaches the model in other regions only through its profiles', () => {
    const profile = crossRegion.stack.resolve(crossRegion.model.applicationProfile!.attrInferenceProfileArn);
    const systemProfile = 'arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.meta.llama3-1-8b-instruct-v1:0';
    templateOf(crossRegion.stack).hasResourceProperties('AWS::Bedrock::ApplicationInferenceProfile', { ModelSource: { CopyFrom: systemProfile } });
    expect(statements(crossRegion.stack)).toEqual([
      { Action: ACTIONS, Effect: 'Allow', Resource: [systemProfile, profile] },
      {
        Action: ACTIONS, Effect: 'Allow', Resource: 'arn:aws:bedrock:*::foundation-model/meta.llama3-1-8b-instruct-v1:0',
        Condition: { StringEquals: { 'bedrock:InferenceProfileArn': [systemProfile, profile] } },
      },
    ]);
  });

  test('without a profile the model id itself is invoked', () => {
    expect(bare.model.invocationId).toBe('amazon.nova-lite-v1:0');
    templateOf(bare.stack).resourceCountIs('AWS::Bedrock::ApplicationInferenceProfile', 0);
  });

  test('provisioned throughput is invoked by its ARN and granted on it alone', () => {
    expect(provisioned.model.invocationId).toBe('arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc123');
    expect(statements(provisioned.stack)).toEqual([
      { Action: ACTIONS, Effect: 'Allow', Resource: 'arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc123' },
    ]);
  });

  test('fails when the model id is malformed', () => {
    expect(() => new BedrockModel(new Stack(newApp(), 'S'), 'M', { source: BedrockModelSource.foundationModel('Claude 3') }))
      .toThrow(/source model id "Claude 3" is not a Bedrock model id/);
  });

  test('fails when a provisioned ARN is not one, and a profile is asked for it, reporting both', () => {
    expect(() => new BedrockModel(new Stack(newApp(), 'S'), 'M', { source: BedrockModelSource.provisionedThroughput('arn:aws:s3:::bucket'), applicationInferenceProfile: true }))
      .toThrow(/2 problems[\s\S]*is not a Bedrock provisioned-model ARN[\s\S]*application inference profiles copy foundation models/);
  });

  test('fails when the profile name breaks the CloudFormation pattern', () => {
    expect(() => new BedrockModel(new Stack(newApp(), 'S'), 'M', { source: BedrockModelSource.foundationModel('amazon.nova-lite-v1:0'), profileName: 'a--b' }))
      .toThrow(/profileName "a--b" is not a valid inference profile name/);
  });
});
