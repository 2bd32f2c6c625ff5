// The S3 home of the lifecycle's data: raw uploads, train/validation/test splits, feedback, endpoint
// captures, documents for retrieval, evaluation results and model artifacts, each under its own prefix.
import { Duration, type IResource, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DATASET_PREFIXES, type DatasetPrefix } from '../config/dataset-layout';
import type { DatasetSeed } from '../config/environment';
import { accessLogLifecycleRules, datasetLifecycleRules } from './private/dataset-lifecycle';
import { denyOtherEncryption, enableAccessLogs } from './private/dataset-policy';
import { addSeed, seedSourceProblems } from './private/dataset-seed';
import { justify } from './private/justifications';
import { createKitKey, grantKeyVia } from './private/kms';
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
      lifecycleRules: accessLogLifecycleRules(logRetention),
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
      lifecycleRules: datasetLifecycleRules(noncurrent, props.interactionRetention),
      removalPolicy,
      autoDeleteObjects,
    });
    enableAccessLogs(this.bucket, this.accessLogBucket);
    denyOtherEncryption(this.bucket, this.encryptionKey);
    // EventBridge delivery set on the bucket itself: the L2's `eventBridgeEnabled` would add a custom
    // resource Lambda to do what CloudFormation does natively.
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };

    if (props.seed) addSeed(this, props.seed, removalPolicy);
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
