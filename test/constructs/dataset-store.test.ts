import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DatasetPrefix } from '../../lib/config';
import { DatasetStore } from '../../lib/constructs/dataset-store';
import { newApp, templateOf } from '../support/synth';

// One synthesis for the whole file: a store with defaults, grants to three roles, a seeded store and an import.
const app = newApp();
const stack = new Stack(app, 'Test', { env: { account: '111122223333', region: 'eu-west-1' } });
const store = new DatasetStore(stack, 'Datasets');
const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
const everything = new iam.Role(stack, 'Everything', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
store.grantRead(reader, DatasetPrefix.TRAIN);
store.grantWrite(writer, DatasetPrefix.FEEDBACK);
store.grantReadWrite(everything);

const seededStack = new Stack(app, 'Seeded', { env: { account: '111122223333', region: 'eu-west-1' } });
const seeded = new DatasetStore(seededStack, 'Datasets', {
  removalPolicy: RemovalPolicy.DESTROY,
  autoDeleteObjects: true,
  noncurrentVersionExpiration: Duration.days(7),
  interactionRetention: Duration.days(30),
  seed: { prefix: DatasetPrefix.TRAIN, source: path.join(__dirname, '..', '..', 'datasets', 'starter') },
});

const importStack = new Stack(app, 'Importer', { env: { account: '111122223333', region: 'eu-west-1' } });
const imported = DatasetStore.fromDatasetStoreAttributes(importStack, 'Imported', {
  bucketArn: 'arn:aws:s3:::existing-datasets',
  encryptionKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
});
const importedReader = new iam.Role(importStack, 'Reader', { assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com') });
imported.grantRead(importedReader, DatasetPrefix.DOCUMENTS);

app.synth();
const template: Template = templateOf(stack);
const bucketId = stack.getLogicalId(store.bucket.node.defaultChild as never);
const keyId = stack.getLogicalId(store.encryptionKey.node.defaultChild as never);

function policyStatementsOf(roleId: string): unknown[] {
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: Match.stringLikeRegexp(`^${roleId}`) }] } });
  return Object.values(policies).flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement);
}

describe('DatasetStore', () => {
  test('encrypts with a rotated customer-managed key that only AWS services can grant', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Deny', Action: 'kms:CreateGrant', Principal: { AWS: '*' },
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      })]) },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{
        BucketKeyEnabled: true,
        ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DatasetsKey'), 'Arn'] } },
      }] },
    });
  });

  test('is versioned, private, owner-enforced, object-lock capable and announces uploads on EventBridge', () => {
    const bucket = template.toJSON().Resources[bucketId].Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.ObjectLockEnabled).toBe(true);
    expect(bucket.ObjectLockConfiguration).toBeUndefined();
    expect(bucket.NotificationConfiguration).toEqual({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    // EventBridge is native: no notification custom resource.
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('logs server access to a separate SSE-S3 bucket', () => {
    const bucket = template.toJSON().Resources[bucketId].Properties;
    expect(bucket.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: stack.getLogicalId(store.accessLogBucket.node.defaultChild as never) }, LogFilePrefix: 'datasets/' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365, Status: 'Enabled' })] },
    });
    // Log delivery is allowed by bucket policy, from this bucket and account only (no ACLs).
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: stack.getLogicalId(store.accessLogBucket.node.defaultChild as never) },
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Effect: 'Allow',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Action: 's3:PutObject',
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucketId, 'Arn'] } }, StringEquals: { 'aws:SourceAccount': '111122223333' } },
      })]) },
    });
    expect(template.toJSON().Resources[stack.getLogicalId(store.accessLogBucket.node.defaultChild as never)].Properties.AccessControl).toBeUndefined();
  });

  test('expires noncurrent versions and aborts stale multipart uploads', () => {
    expect(template.toJSON().Resources[bucketId].Properties.LifecycleConfiguration.Rules).toEqual([{
      Id: 'tidy-versions-and-uploads',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      NoncurrentVersionExpiration: { NoncurrentDays: 90 },
      ExpiredObjectDeleteMarker: true,
      Status: 'Enabled',
    }]);
  });

  test('denies requests without TLS 1.2', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]) },
    });
  });

  test('retains the bucket, its logs and its key by default, on delete and on replace', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key']) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources) expect(r).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  test('grantRead scopes objects and listing to the prefix and adds decrypt', () => {
    expect(policyStatementsOf('Reader')).toEqual([
      { Action: ['s3:GetObject', 's3:GetObjectVersion'], Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/train/*']] } },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['train/*'] } } },
      // Through S3 only (kms:ViaService): the same permission does nothing against KMS directly.
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] }, Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } },
    ]);
    expect(JSON.stringify(policyStatementsOf('Reader'))).not.toContain('s3:PutObject');
  });

  test('grantWrite puts under the prefix only, never deletes, and can encrypt', () => {
    const statements = policyStatementsOf('Writer');
    // (the minimizePolicies flag sorts actions)
    expect(statements).toEqual([
      { Action: ['s3:AbortMultipartUpload', 's3:PutObject'], Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/feedback/*']] } },
      { Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] }, Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } } },
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/s3:Delete|s3:GetObject/);
  });

  test('uploads under another KMS key or SSE-S3 are refused; the access-log bucket refuses TLS before 1.2', () => {
    const t = templateOf(stack);
    const policy = JSON.stringify(t.findResources('AWS::S3::BucketPolicy'));
    expect(policy).toContain('"Sid":"DenyOtherEncryptionKeys"');
    expect(policy).toContain('"s3:x-amz-server-side-encryption-aws-kms-key-id"');
    expect(policy).toContain('"StringNotEqualsIfExists":{"s3:x-amz-server-side-encryption":"aws:kms"}');
    // Both buckets, the dataset bucket and its access-log target, deny TLS versions below 1.2.
    expect(policy.match(/"s3:TlsVersion":1\.2/g)?.length).toBe(2);
  });

  test('grantReadWrite without a prefix covers the whole bucket', () => {
    const statements = JSON.stringify(policyStatementsOf('Everything'));
    expect(statements).toContain('"/*"');
    expect(statements).toContain('s3:PutObject');
    expect(statements).toContain('s3:GetObject');
    expect(statements).not.toContain('s3:prefix');
  });

  test('an imported store grants on the given bucket and key', () => {
    templateOf(importStack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: 'arn:aws:s3:::existing-datasets/documents/*' }),
        Match.objectLike({ Action: 'kms:Decrypt', Resource: 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab' }),
      ]) },
    });
    expect(imported.s3UriFor(DatasetPrefix.DOCUMENTS)).toBe('s3://existing-datasets/documents/');
  });

  test('a throwaway store is deleted with its objects and can be seeded without pruning', () => {
    const t = templateOf(seededStack);
    t.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ ObjectLockEnabled: true }) });
    t.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    t.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketKeyPrefix: 'train/',
      Prune: false,
      RetainOnDelete: true,
    });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365, KmsKeyId: Match.anyValue() });
    t.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 7 } })]) } });
    expect(seeded.encryptionKey).toBeDefined();
  });

  test('metrics name the bucket and a daily period', () => {
    const m = store.metricBucketSizeBytes();
    expect(m.namespace).toBe('AWS/S3');
    expect(m.metricName).toBe('BucketSizeBytes');
    expect(m.period.toDays()).toBe(1);
    expect(store.metricNumberOfObjects().dimensions).toMatchObject({ StorageType: 'AllStorageTypes' });
  });
});

describe('DatasetStore validation', () => {
  test('fails when objects would be auto-deleted from a retained bucket', () => {
    const s = new Stack(newApp(), 'S');
    expect(() => new DatasetStore(s, 'D', { autoDeleteObjects: true })).toThrow(/autoDeleteObjects is true but removalPolicy is retain/);
  });

  test('interaction records expire after the retention given; ratings and everything else are kept', () => {
    type Rule = { Id: string; Prefix?: string; ExpirationInDays?: number };
    const rulesOf = (t: Template, s: Stack, b: DatasetStore) => t.toJSON().Resources[s.getLogicalId(b.bucket.node.defaultChild as never)].Properties.LifecycleConfiguration.Rules as Rule[];
    expect(rulesOf(templateOf(seededStack), seededStack, seeded).filter((r) => r.ExpirationInDays !== undefined))
      .toEqual([{ Id: 'expire-interactions', Prefix: 'feedback/interactions/', ExpirationInDays: 30, Status: 'Enabled' }]);
    // Without a retention nothing current expires.
    expect(rulesOf(template, stack, store).some((r) => r.ExpirationInDays !== undefined)).toBe(false);
  });

  test('fails when lifecycle periods are not whole days, reporting all at once', () => {
    const s = new Stack(newApp(), 'S');
    let message = '';
    try {
      new DatasetStore(s, 'D', { noncurrentVersionExpiration: Duration.hours(36), accessLogRetention: Duration.hours(2), interactionRetention: Duration.hours(12) });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('DatasetStore S/D: 3 problems');
    expect(message).toContain('interactionRetention is 12 hours');
    expect(message).toContain('noncurrentVersionExpiration is 1 day 12 hours; S3 lifecycle rules take whole days');
    expect(message).toContain('accessLogRetention is 2 hours');
  });

  test('fails when a seed targets a prefix the store does not have', () => {
    const s = new Stack(newApp(), 'S');
    expect(() => new DatasetStore(s, 'D', { seed: { prefix: 'elsewhere/' as never, source: '.' } })).toThrow(/seed\.prefix is "elsewhere\/"; allowed: raw\/, train\//);
  });

  test('a seed laid out like the store holds only its prefix folders; every stray entry is named at once', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seed-'));
    fs.mkdirSync(path.join(dir, 'train'));
    fs.mkdirSync(path.join(dir, 'misc'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'x');
    const s = new Stack(newApp(), 'S');
    let message = '';
    try {
      new DatasetStore(s, 'D', { seed: { source: dir } });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/files outside a prefix folder \(notes\.txt\)/);
    expect(message).toMatch(/folders that are not prefixes of the store \(misc\/\)/);
    expect(() => new DatasetStore(new Stack(newApp(), 'T'), 'D', { seed: { source: path.join(dir, 'absent') } })).toThrow(/is not a folder/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
