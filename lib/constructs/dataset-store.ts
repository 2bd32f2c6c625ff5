// The S3 home of the lifecycle's data: raw uploads, train/validation/test splits, feedback, endpoint
// captures, documents for retrieval, evaluation results and model artifacts, each under its own prefix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, type IResource, RemovalPolicy, Resource, Size, Stack, Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { DATASET_PREFIXES, DatasetPrefix } from '../config/dataset-layout';
import type { DatasetSeed } from '../config/environment';
import { seedLayoutStrays } from '../config/local-paths';
import { justify } from './private/justifications';
import { allowCloudWatchLogs, createKitKey, grantKeyVia } from './private/kms';
import { throwIfProblems } from './private/problems';

/** A dataset store, created here or imported. */
export interface IDatasetStore extends IResource {
  /** The bucket holding every prefix. */
  readonly bucket: s3.IBucket;
  /** The KMS key that encrypts the bucket. */
  readonly encryptionKey: kms.IKey;
  /** `s3://bucket/prefix`, for services that take S3 URIs. */
  s3UriFor(prefix: DatasetPrefix): string;
  /** Read objects under `prefix` (every prefix when omitted), list them, and decrypt them. */
  grantRead(grantee: iam.IGrantable, prefix?: DatasetPrefix): iam.Grant;
  /** Put objects under `prefix` (every prefix when omitted), encrypting them. Deletes are not granted. */
  grantWrite(grantee: iam.IGrantable, prefix?: DatasetPrefix): iam.Grant;
  /** `grantRead` and `grantWrite` together. */
  grantReadWrite(grantee: iam.IGrantable, prefix?: DatasetPrefix): iam.Grant;
}

/** What identifies an existing dataset store. */
export interface DatasetStoreAttributes {
  /** The bucket's ARN. */
  readonly bucketArn: string;
  /** The ARN of the KMS key that encrypts the bucket. */
  readonly encryptionKeyArn: string;
}

/** A local folder uploaded to the store at deploy time, with the seeding handler's settings. */
export interface DatasetStoreSeed extends DatasetSeed {
  /**
   * How long the seeding handler's logs are kept.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

export interface DatasetStoreProps {
  /**
   * The KMS key that encrypts every object.
   * @default - a new customer-managed key with yearly rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to the bucket (and a key created here) when removed from the stack or replaced.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Empty the bucket when it is deleted, so a DESTROY removal policy can succeed. Needs DESTROY; adds a
   * custom resource. For throwaway environments only.
   * @default false
   */
  readonly autoDeleteObjects?: boolean;
  /**
   * How long an overwritten or deleted object version is kept before it is removed.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
  /**
   * How long the API's interaction records (prompt, passages and answer of each request, under
   * feedback/interactions/) are kept; after that S3 expires them, and their versions go after
   * `noncurrentVersionExpiration`. Ratings (feedback/ratings/) are kept: they are small and name no text, but a
   * rating whose interaction has expired builds no preference pair, so keep interactions longer than the time
   * between preference builds.
   * @default - kept until deleted
   */
  readonly interactionRetention?: Duration;
  /**
   * Upload a local folder to a prefix at deploy time. Existing objects are never deleted or overwritten
   * by removal of the seed.
   * @default - nothing is seeded
   */
  readonly seed?: DatasetStoreSeed;
}

const ACCESS_LOG_PREFIX = 'datasets/';

/** What a store created here and an imported one share: grants and the key's use through S3. */
export abstract class DatasetStoreBase extends Resource implements IDatasetStore {
  abstract readonly bucket: s3.IBucket;
  abstract readonly encryptionKey: kms.IKey;

  s3UriFor(prefix: DatasetPrefix): string {
    return `s3://${this.bucket.bucketName}/${prefix}`;
  }

  grantRead(grantee: iam.IGrantable, prefix?: DatasetPrefix): iam.Grant {
    const objects = this.bucket.arnForObjects(`${prefix ?? ''}*`);
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject', 's3:GetObjectVersion'], resourceArns: [objects] });
    justifyPrefixGrant(grantee, objects, prefix);
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      // Listing is scoped to the prefix too, so a reader of train/ cannot enumerate feedback/.
      conditions: prefix === undefined ? undefined : { StringLike: { 's3:prefix': [`${prefix}*`] } },
    });
    this.grantKey(grantee, 'kms:Decrypt');
    return grant;
  }

  /** The bucket key's actions, used through S3 only: the same permissions do nothing against KMS directly. */
  private grantKey(grantee: iam.IGrantable, ...actions: string[]): void {
    grantKeyVia(grantee, this.encryptionKey.keyArn, 's3', actions, this);
  }

  grantWrite(grantee: iam.IGrantable, prefix?: DatasetPrefix): iam.Grant {
    const objects = this.bucket.arnForObjects(`${prefix ?? ''}*`);
    const grant = iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resourceArns: [objects] });
    justifyPrefixGrant(grantee, objects, prefix);
    // Multipart uploads of SSE-KMS objects need Decrypt as well as GenerateDataKey.
    this.grantKey(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    return grant;
  }

  grantReadWrite(grantee: iam.IGrantable, prefix?: DatasetPrefix): iam.Grant {
    return this.grantRead(grantee, prefix).combine(this.grantWrite(grantee, prefix));
  }
}

/**
 * An S3 bucket for every kind of lifecycle data, encrypted with a customer-managed KMS key, versioned,
 * TLS-only, private, access-logged to a separate bucket, and announcing uploads on EventBridge so that
 * workflows can start from them.
 */
export class DatasetStore extends DatasetStoreBase {
  /** Import a store created elsewhere (another stack or app). */
  static fromDatasetStoreAttributes(scope: Construct, id: string, attrs: DatasetStoreAttributes): IDatasetStore {
    class Import extends DatasetStoreBase {
      readonly bucket = s3.Bucket.fromBucketArn(this, 'Bucket', attrs.bucketArn);
      readonly encryptionKey = kms.Key.fromKeyArn(this, 'Key', attrs.encryptionKeyArn);
    }
    return new Import(scope, id);
  }

  readonly bucket: s3.Bucket;
  readonly encryptionKey: kms.IKey;
  /** The bucket that receives the store's server access logs. */
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DatasetStoreProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const noncurrent = props.noncurrentVersionExpiration ?? Duration.days(90);
    const logRetention = props.accessLogRetention ?? Duration.days(365);
    validate(this, props, removalPolicy, noncurrent, logRetention);
    const autoDeleteObjects = props.autoDeleteObjects ?? false;

    this.encryptionKey = props.encryptionKey ?? createKitKey(this, 'Key', {
      description: `Encrypts the datasets of ${this.node.path}`,
      removalPolicy,
    });

    // Target buckets of server access logs accept only SSE-S3 encryption (S3 user guide, "Enabling
    // Amazon S3 server access logging"), so this bucket cannot use the customer-managed key.
    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      objectLockEnabled: true,
      lifecycleRules: [{
        id: 'expire-access-logs',
        expiration: logRetention,
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy,
      autoDeleteObjects,
    });
    justify(this.accessLogBucket,
      { kind: 'bucket-without-access-logs', reason: 'This is the server access log target of the dataset bucket; logging access to the log bucket itself would recurse.' },
      { kind: 'bucket-without-kms-encryption', reason: 'S3 server access logging delivers only to target buckets encrypted with SSE-S3, not SSE-KMS.' },
      { kind: 'bucket-without-event-notifications', reason: 'Only S3 writes to this bucket (log delivery); no workflow consumes its object events.' },
    );

    this.bucket = new s3.Bucket(this, 'Resource', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // S3 Bucket Keys cut KMS requests (and cost) for the many small objects feedback and captures write.
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // Lets users put legal holds on the exact object versions a model was trained on. No default
      // retention is set, so nothing is locked unless someone asks for it.
      objectLockEnabled: true,
      lifecycleRules: [{
        id: 'tidy-versions-and-uploads',
        abortIncompleteMultipartUploadAfter: Duration.days(7),
        noncurrentVersionExpiration: noncurrent,
        expiredObjectDeleteMarker: true,
      }, ...(props.interactionRetention ? [{
        id: 'expire-interactions',
        prefix: `${DatasetPrefix.FEEDBACK}interactions/`,
        expiration: props.interactionRetention,
      }] : [])],
      removalPolicy,
      autoDeleteObjects,
    });
    this.enableAccessLogs(ACCESS_LOG_PREFIX);
    // Objects are encrypted with this store's key, or with the bucket default (which is that key): an upload that
    // names another KMS key, or asks for SSE-S3, is refused, so no object escapes the key's policy.
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyOtherEncryptionKeys',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects('*')],
      conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.encryptionKey.keyArn } },
    }));
    this.bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyOtherEncryption',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects('*')],
      conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
    }));
    // EventBridge delivery set on the bucket itself: the L2's `eventBridgeEnabled` would add a custom
    // resource Lambda to do what CloudFormation does natively.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    if (props.seed) this.addSeed(props.seed, removalPolicy);
    if (autoDeleteObjects) justifyAutoDeleteHandler(this);
  }

  /** Bytes stored (daily, S3 storage metrics), for the STANDARD storage class. */
  metricBucketSizeBytes(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.storageMetric('BucketSizeBytes', 'StandardStorage', props);
  }

  /** Objects stored (daily, S3 storage metrics), all versions. */
  metricNumberOfObjects(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.storageMetric('NumberOfObjects', 'AllStorageTypes', props);
  }

  /**
   * Server access logging with a bucket policy for the S3 logging service, written out here rather than
   * through the L2's `serverAccessLogsBucket`: that one depends on the
   * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag and, in apps without it, falls back to ACLs
   * that bucket-owner-enforced ownership forbids.
   */
  private enableAccessLogs(prefix: string): void {
    (this.bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogBucket.bucketName,
      logFilePrefix: prefix,
    };
    this.accessLogBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3ServerAccessLogsPolicy',
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [this.accessLogBucket.arnForObjects(`${prefix}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': this.bucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      },
    }));
  }

  private addSeed(seed: DatasetStoreSeed, removalPolicy: RemovalPolicy): void {
    const scope = new Construct(this, 'Seed');
    allowCloudWatchLogs(this.encryptionKey);
    const logGroup = new logs.LogGroup(scope, 'Logs', {
      encryptionKey: this.encryptionKey,
      retention: seed.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy,
    });
    const role = seedingRole(this);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`] }));
    // One copy per prefix, each into its own prefix: the handler can write nowhere else, list nothing else, delete nothing.
    for (const { prefix, folder } of seedCopies(seed)) {
      const name = prefix.replace(/\W/g, '');
      const asset = new s3assets.Asset(scope, `Asset-${name}`, { path: folder });
      // The handler downloads the seed's zip and nothing else of the CDK asset bucket.
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }));
      this.grantWrite(role, prefix);
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
      }));
      new s3deploy.BucketDeployment(scope, `Copy-${name}`, {
        sources: [s3deploy.Source.bucket(asset.bucket, asset.s3ObjectKey)],
        destinationBucket: this.bucket,
        destinationKeyPrefix: prefix,
        // Never delete what users, the API or training wrote under the same prefix.
        prune: false,
        retainOnDelete: true,
        memoryLimit: SEED_MEMORY_MIB,
        ephemeralStorageSize: SEED_STORAGE,
        logGroup,
        // The grants aws-cdk-lib would add (the whole bucket, read, write and delete) are not wanted: the role
        // gets only those above.
        role: role.withoutPolicyUpdates(),
      });
    }
    justifySeedHandler(this, role, logGroup);
  }

  private storageMetric(metricName: string, storageType: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName,
      dimensionsMap: { BucketName: this.bucket.bucketName, StorageType: storageType },
      statistic: 'Average',
      period: Duration.days(1),
      ...props,
    });
  }
}

function validate(scope: Construct, props: DatasetStoreProps, removalPolicy: RemovalPolicy, noncurrent: Duration, logRetention: Duration): void {
  const problems: string[] = [];
  if (props.autoDeleteObjects && removalPolicy !== RemovalPolicy.DESTROY) {
    problems.push(`autoDeleteObjects is true but removalPolicy is ${removalPolicy}; emptying a bucket that is kept would lose its data. Set removalPolicy to RemovalPolicy.DESTROY, or autoDeleteObjects to false.`);
  }
  const durations: [string, Duration][] = [['noncurrentVersionExpiration', noncurrent], ['accessLogRetention', logRetention]];
  if (props.interactionRetention) durations.push(['interactionRetention', props.interactionRetention]);
  for (const [name, d] of durations) {
    if (Token.isUnresolved(d.toSeconds())) continue;
    const days = d.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 1) {
      problems.push(`${name} is ${d.toHumanString()}; S3 lifecycle rules take whole days, at least 1. Use Duration.days(n).`);
    }
  }
  if (props.seed?.prefix !== undefined && !DATASET_PREFIXES.includes(props.seed.prefix as DatasetPrefix)) {
    problems.push(`seed.prefix is "${props.seed.prefix}"; allowed: ${DATASET_PREFIXES.join(', ')}.`);
  }
  if (props.seed) problems.push(...seedSourceProblems(props.seed));
  throwIfProblems(scope, 'DatasetStore', problems);
}

/**
 * Objects under a prefix can only be named with a trailing wildcard; the grant is as narrow as S3 allows.
 * Justified on the grantee (a construct, such as a role), by the exact resource.
 */
function justifyPrefixGrant(grantee: iam.IGrantable, objects: string, prefix?: DatasetPrefix): void {
  const principal = grantee.grantPrincipal;
  if (!(principal instanceof Construct)) return;
  justify(principal, {
    kind: 'wildcard-resources',
    resources: [objects],
    reason: prefix === undefined
      ? 'DatasetStore grant on every object of the dataset bucket (no prefix asked for); the wildcard stands for object keys only.'
      : `DatasetStore grant on the objects under ${prefix} only; S3 names the objects of a prefix with a trailing wildcard.`,
  });
}

/** The auto-delete handler is a stack-wide singleton provider of aws-cdk-lib, created only for DESTROY. */
function justifyAutoDeleteHandler(scope: Construct): void {
  const provider = Stack.of(scope).node.tryFindChild('Custom::S3AutoDeleteObjectsCustomResourceProvider');
  if (!provider) return;
  justify(provider, {
    kind: 'lambda-outside-vpc',
    reason: 'aws-cdk-lib\'s auto-delete handler (throwaway environments only) runs when the stack is deleted and only calls S3; it takes no VPC.',
  });
}

/**
 * The seeding handler's settings. aws-cdk-lib shares one handler among all BucketDeployments of a stack with the
 * same memory, storage and network, and that handler runs with the role of the first: these settings keep the
 * kit's seeding handler (and its narrow role) apart from other BucketDeployments in a user's stack.
 */
const SEED_MEMORY_MIB = 512;
const SEED_STORAGE = Size.mebibytes(1024);

/** The role of the stack's seeding handler, shared by every store of the stack (as the handler is). */
function seedingRole(store: Construct): iam.Role {
  const stack = Stack.of(store);
  const id = 'GenAiLifecycleDatasetSeedingRole';
  const existing = stack.node.tryFindChild(id);
  if (existing) return existing as iam.Role;
  const role = new iam.Role(stack, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Copies DatasetStore seeds from the CDK asset bucket into their prefixes at deploy time',
  });
  return role;
}

/** What a seed copies: one folder into its prefix, or each top-level folder of a store-shaped folder into its own. */
function seedCopies(seed: DatasetSeed): { prefix: DatasetPrefix; folder: string }[] {
  const source = path.resolve(seed.source);
  if (seed.prefix !== undefined) return [{ prefix: seed.prefix as DatasetPrefix, folder: source }];
  const entries = fs.readdirSync(source, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  return entries.filter((e) => e.isDirectory()).map((e) => ({ prefix: `${e.name}/` as DatasetPrefix, folder: path.join(source, e.name) }));
}

/** A seed folder that exists, and, laid out like the store, holds only the store's folders. */
function seedSourceProblems(seed: DatasetSeed): string[] {
  const source = path.resolve(seed.source);
  if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
    return [`seed.source "${seed.source}" is not a folder (resolved to ${source}); give a folder relative to where cdk synth runs, or an absolute path.`];
  }
  if (seed.prefix !== undefined) return [];
  const problems: string[] = [];
  const strays = seedLayoutStrays(source);
  const files = strays.filter((e) => !e.endsWith('/'));
  if (files.length > 0) problems.push(`seed.source "${seed.source}" has files outside a prefix folder (${files.join(', ')}); without seed.prefix each top-level folder is a prefix (${DATASET_PREFIXES.join(', ')}): move them into one, or set seed.prefix.`);
  const others = strays.filter((e) => e.endsWith('/'));
  if (others.length > 0) problems.push(`seed.source "${seed.source}" has folders that are not prefixes of the store (${others.join(', ')}); allowed: ${DATASET_PREFIXES.join(', ')}.`);
  if (seedCopies(seed).length === 0 && strays.length === 0) problems.push(`seed.source "${seed.source}" is empty; add the prefix folders to seed (train/, validation/, ...), or drop seed.`);
  return problems;
}

/**
 * The seeding handler is a stack-wide singleton Lambda owned by aws-cdk-lib (`Custom::CDKBucketDeployment...`):
 * its runtime and network are not configurable beyond what is set above, so those findings are justified on
 * that singleton. Its role is the kit's own.
 */
function justifySeedHandler(store: Construct, role: iam.Role, logGroup: logs.ILogGroup): void {
  const stack = Stack.of(store);
  const handler = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (handler) {
    justify(handler,
      { kind: 'lambda-runtime-pinned', reason: 'The BucketDeployment handler runtime is pinned by aws-cdk-lib, not by this kit; it runs only during deploys to copy seed files.' },
      { kind: 'lambda-outside-vpc', reason: 'The seeding handler only talks to S3 and KMS during deploys; the data stack has no VPC and the seed is public-free asset data.' },
    );
  }
  justify(role, { kind: 'wildcard-resources', resources: [`${logGroup.logGroupArn}:*`], reason: 'The seeding handler writes its log streams, named by Lambda, in its own log group.' });
}
