// The acknowledgement pack, tested the way cdk-nag tests its rules: for each kind of justification, a minimal
// stack that produces the findings it answers. Without the justification the findings are reported; with it, and
// the pack registered, exactly those are not (every other finding of the stack still is, so a justification never
// silences another rule, nor the same rule about another resource); with it but without the pack, all are.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type App, Aws, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { JUSTIFICATION_KINDS, type Justification, type JustificationKind, justify } from '../../lib/constructs/private/justifications';
import { AcknowledgementPack } from '../../lib/validation/acknowledgement-pack';
import { addPolicyChecks, ControlTowerGuard, FailOnEveryViolation } from '../../lib/validation/policy-checks';
import { type Finding, newApp, synthesize } from '../support/synth';

interface Case {
  /** Builds the subject in `stack`; returns the construct the justification goes on. */
  readonly build: (stack: Stack) => IConstruct;
  readonly justification: (stack: Stack) => Justification;
  /** What the pack acknowledges on that construct: id -> reason. */
  readonly acknowledges: Record<string, string>;
  /** Findings the subject produces that the justification does not answer, and that must stay reported. */
  readonly keeps?: readonly string[];
}

const REASON = 'The reason, in the kit\'s words.';
const CLAUSE = 'the reason, in the kit\'s words.';

const fn = (scope: IConstruct, runtime = lambda.Runtime.NODEJS_22_X) => new lambda.Function(scope as Stack, 'Fn', {
  runtime, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => ({});'),
});
const api = (stack: Stack) => {
  const restApi = new apigw.RestApi(stack, 'Api', { cloudWatchRole: false });
  return { restApi, method: restApi.root.addMethod('GET', new apigw.MockIntegration()) };
};

// The objects under a prefix of a bucket in a stack of its own: a wildcard resource that holds a cross-stack
// reference, which cdk-nag renders as the import it becomes (known only once synthesis has resolved it).
function crossStackObjects(stack: Stack): string {
  const app = stack.node.scope!;
  const data = (app.node.tryFindChild('Data') as Stack | undefined) ?? new Stack(app, 'Data');
  const bucket = (data.node.tryFindChild('Bucket') as s3.Bucket | undefined) ?? new s3.Bucket(data, 'Bucket');
  return bucket.arnForObjects('train/*');
}
const IMPORTED_OBJECTS = '{"Fn::GetStackOutput":{"StackName":"Data","Region":{"Ref":"AWS::Region"},"OutputName":"PublishOutputFnGetAttBucket83908E77Arn0F129B3B"}}/train/*';

const CASES: Record<JustificationKind, Case> = {
  'wildcard-resources': {
    build: (stack) => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['xray:PutTraceSegments'], resources: ['*'] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['arn:aws:s3:::other-bucket/*'] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [crossStackObjects(stack)] }));
      return role;
    },
    justification: (stack) => ({ kind: 'wildcard-resources', resources: ['*', crossStackObjects(stack)], reason: REASON }),
    acknowledges: {
      'AwsSolutions-IAM5[Resource::*]': REASON,
      [`AwsSolutions-IAM5[Resource::${IMPORTED_OBJECTS}]`]: REASON,
    },
    // The same rule, about a resource the justification does not name.
    keeps: ['AwsSolutions-IAM5[Resource::arn:aws:s3:::other-bucket/*]'],
  },
  'aws-managed-policy': {
    build: (stack) => new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole'), iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
    }),
    justification: () => ({ kind: 'aws-managed-policy', policy: 'service-role/AWSLambdaBasicExecutionRole', reason: REASON }),
    acknowledges: { 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]': REASON },
    keeps: ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/ReadOnlyAccess]'],
  },
  'lambda-outside-vpc': {
    build: (stack) => fn(stack),
    justification: () => ({ kind: 'lambda-outside-vpc', reason: REASON }),
    acknowledges: { 'cdk-validator-cfnguard::lambda_inside_vpc_check': `CT.LAMBDA.PR.3: ${CLAUSE}` },
    keeps: ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'],
  },
  'lambda-runtime-pinned': {
    build: (stack) => fn(stack, lambda.Runtime.NODEJS_18_X),
    justification: () => ({ kind: 'lambda-runtime-pinned', reason: REASON }),
    acknowledges: { 'AwsSolutions-L1': REASON },
    keeps: ['cdk-validator-cfnguard::lambda_inside_vpc_check'],
  },
  'lambda-permission-scoped-by-source-arn': {
    build: (stack) => {
      const f = fn(stack);
      f.addPermission('Invoke', {
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: Fn.join('', ['arn:', Aws.PARTITION, ':execute-api:', Aws.REGION, ':', Aws.ACCOUNT_ID, ':abc123/*/GET/']),
      });
      return f;
    },
    justification: () => ({ kind: 'lambda-permission-scoped-by-source-arn', reason: REASON }),
    acknowledges: { 'cdk-validator-cfnguard::lambda_function_public_access_prohibited_check': `CT.LAMBDA.PR.2: ${CLAUSE}` },
    keeps: ['cdk-validator-cfnguard::lambda_inside_vpc_check'],
  },
  'api-without-cognito': {
    build: (stack) => api(stack).method,
    justification: () => ({ kind: 'api-without-cognito', reason: REASON }),
    acknowledges: { 'AwsSolutions-COG4': REASON },
    keeps: ['AwsSolutions-APIG4'],
  },
  'api-method-without-authorizer': {
    build: (stack) => api(stack).method,
    justification: () => ({ kind: 'api-method-without-authorizer', reason: REASON }),
    acknowledges: { 'AwsSolutions-APIG4': REASON },
    keeps: ['AwsSolutions-COG4'],
  },
  'api-without-waf': {
    build: (stack) => api(stack).restApi,
    justification: () => ({ kind: 'api-without-waf', reason: REASON }),
    acknowledges: { 'AwsSolutions-APIG3': REASON },
    keeps: ['AwsSolutions-APIG4', 'AwsSolutions-COG4'],
  },
  'bucket-without-access-logs': {
    build: (stack) => new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true }),
    justification: () => ({ kind: 'bucket-without-access-logs', reason: REASON }),
    acknowledges: { 'AwsSolutions-S1': REASON, 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check': `CT.S3.PR.2: ${CLAUSE}` },
    keeps: ['cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check', 'cdk-validator-cfnguard::s3_event_notifications_enabled_check'],
  },
  'bucket-without-kms-encryption': {
    build: (stack) => new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true }),
    justification: () => ({ kind: 'bucket-without-kms-encryption', reason: REASON }),
    acknowledges: { 'cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check': `CT.S3.PR.10: ${CLAUSE}` },
    keeps: ['AwsSolutions-S1', 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check'],
  },
  'bucket-without-event-notifications': {
    build: (stack) => new s3.Bucket(stack, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true }),
    justification: () => ({ kind: 'bucket-without-event-notifications', reason: REASON }),
    acknowledges: { 'cdk-validator-cfnguard::s3_event_notifications_enabled_check': `CT.S3.PR.4: ${CLAUSE}` },
    keeps: ['AwsSolutions-S1'],
  },
  'queue-without-dead-letter-queue': {
    build: (stack) => new sqs.Queue(stack, 'Queue', { enforceSSL: true }),
    justification: () => ({ kind: 'queue-without-dead-letter-queue', reason: REASON }),
    acknowledges: { 'AwsSolutions-SQS3': REASON },
    keeps: ['cdk-validator-cfnguard::sqs_dlq_check'],
  },
  'queue-without-redrive': {
    build: (stack) => new sqs.Queue(stack, 'Queue', { enforceSSL: true }),
    justification: () => ({ kind: 'queue-without-redrive', reason: REASON }),
    acknowledges: { 'cdk-validator-cfnguard::sqs_dlq_check': `CT.SQS.PR.1: ${CLAUSE}` },
    keeps: ['AwsSolutions-SQS3'],
  },
  'log-retention-under-a-year': {
    build: (stack) => new logs.LogGroup(stack, 'Logs', { retention: logs.RetentionDays.ONE_WEEK }),
    justification: () => ({ kind: 'log-retention-under-a-year', reason: REASON }),
    acknowledges: { 'cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check': `CT.CLOUDWATCH.PR.2: ${CLAUSE}` },
  },
};

const stackId = (kind: string, variant: 'Without' | 'With') => `${kind.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())}${variant}`;

/** An app with, for each kind, its subject unjustified and justified; the checkers registered by `register`. */
function build(register: (app: App) => void): { app: App; justified: Map<JustificationKind, IConstruct>; findings: Finding[] } {
  const app = newApp();
  register(app);
  const justified = new Map<JustificationKind, IConstruct>();
  for (const kind of JUSTIFICATION_KINDS) {
    const c = CASES[kind];
    c.build(new Stack(app, stackId(kind, 'Without')));
    const stack = new Stack(app, stackId(kind, 'With'));
    const subject = c.build(stack);
    justify(subject, c.justification(stack));
    justified.set(kind, subject);
  }
  return { app, justified, findings: synthesize(app).findings };
}

/** The findings of one stack (not of the stacks it references): `path-in-stack id`, as acknowledgement ids name them. */
function findingsOf(findings: readonly Finding[], stack: string): Set<string> {
  return new Set(findings.filter((f) => f.constructPath.startsWith(`${stack}/`))
    .map((f) => `${f.constructPath.slice(stack.length + 1)} ${f.plugin === 'AwsSolutions' ? f.rule : `${f.plugin}::${f.rule}`}`));
}
const ids = (findings: Iterable<string>) => [...new Set([...findings].map((f) => f.slice(f.indexOf(' ') + 1)))].sort();

/** The acknowledgements recorded on `construct`: id -> reason (aws-cdk-lib prefixes cdk-nag's ids with `Annotation::`). */
function acknowledgedOn(construct: IConstruct): Record<string, string> {
  const entries = construct.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.entries(m.data as Record<string, string>));
  return Object.fromEntries(entries.map(([id, reason]) => [id.replace(/^Annotation::/, ''), reason]));
}

describe('the acknowledgement pack, registered by addPolicyChecks', () => {
  const { app, justified, findings } = build((a) => addPolicyChecks(a));

  describe.each(JUSTIFICATION_KINDS)('%s', (kind) => {
    const c = CASES[kind];
    const without = findingsOf(findings, stackId(kind, 'Without'));
    const withIt = findingsOf(findings, stackId(kind, 'With'));

    test('without the justification, the findings it answers are reported', () => {
      expect(ids(without)).toEqual(expect.arrayContaining(Object.keys(c.acknowledges)));
    });

    test('with it, exactly those are not: every other finding of the stack still is', () => {
      expect(ids([...without].filter((f) => !withIt.has(f)))).toEqual(Object.keys(c.acknowledges).sort());
      expect([...withIt].filter((f) => !without.has(f))).toEqual([]);
      expect(ids(withIt)).toEqual(expect.arrayContaining([...c.keeps ?? []]));
    });

    test('each by its exact id, on the construct it is about, with the reason (a control\'s prefixed with it)', () => {
      expect(acknowledgedOn(justified.get(kind)!)).toEqual(c.acknowledges);
    });
  });

  test('the acknowledgements are in the stacks\' metadata, written before the stacks were', () => {
    const metadata = JSON.parse(fs.readFileSync(path.join(app.outdir, `${stackId('wildcard-resources', 'With')}.metadata.json`), 'utf8')) as Record<string, { type: string; data: Record<string, string> }[]>;
    const recorded = Object.values(metadata).flat().filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((e) => Object.keys(e.data).map((id) => id.replace(/^Annotation::/, '')));
    expect(recorded).toEqual(expect.arrayContaining(Object.keys(CASES['wildcard-resources'].acknowledges)));
  });
});

describe('justifications without the pack', () => {
  // GIVEN the checkers without the pack: a justification alone acknowledges nothing
  const { findings } = build((a) => Validations.of(a).addPlugins(new AwsSolutionsChecks(a), new FailOnEveryViolation(new ControlTowerGuard())));

  test.each(JUSTIFICATION_KINDS)('%s: every finding is reported', (kind) => {
    const without = findingsOf(findings, stackId(kind, 'Without'));
    expect(without.size).toBeGreaterThan(0);
    expect(findingsOf(findings, stackId(kind, 'With'))).toEqual(without);
  });
});

describe('the pack registered as a plugin only, before the checkers', () => {
  const { findings } = build((a) => Validations.of(a).addPlugins(new AcknowledgementPack(), new AwsSolutionsChecks(a), new FailOnEveryViolation(new ControlTowerGuard())));

  test.each(JUSTIFICATION_KINDS)('%s: acknowledges the same findings', (kind) => {
    const without = findingsOf(findings, stackId(kind, 'Without'));
    const withIt = findingsOf(findings, stackId(kind, 'With'));
    expect(ids([...without].filter((f) => !withIt.has(f)))).toEqual(Object.keys(CASES[kind].acknowledges).sort());
  });
});

test('the same justification twice is acknowledged once', () => {
  const app = newApp();
  const stack = new Stack(app, 'Twice');
  const queue = new sqs.Queue(stack, 'Queue', { retentionPeriod: Duration.days(1) });
  justify(queue, { kind: 'queue-without-dead-letter-queue', reason: REASON });
  justify(queue, { kind: 'queue-without-dead-letter-queue', reason: REASON });
  AcknowledgementPack.add(app);
  app.synth();
  expect(queue.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)).toHaveLength(1);
});
