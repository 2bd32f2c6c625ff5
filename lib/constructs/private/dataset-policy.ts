// The bucket policies of a dataset store: the dataset bucket refuses uploads encrypted any other way than with
// its key, and the access log bucket lets the S3 logging service deliver the dataset bucket's server access logs.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/** Where the dataset bucket's server access logs go in the access log bucket. */
const ACCESS_LOG_PREFIX = 'datasets/';

/**
 * Objects are encrypted with the store's key, or with the bucket default (which is that key): an upload that
 * names another KMS key, or asks for SSE-S3, is refused, so no object escapes the key's policy.
 */
export function denyOtherEncryption(bucket: s3.Bucket, key: kms.IKey): void {
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyOtherEncryptionKeys',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects('*')],
    conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn } },
  }));
  bucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyOtherEncryption',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects('*')],
    conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
  }));
}

/**
 * Server access logging with a bucket policy for the S3 logging service, written out here rather than
 * through the L2's `serverAccessLogsBucket`: that one depends on the
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` flag and, in apps without it, falls back to ACLs
 * that bucket-owner-enforced ownership forbids.
 */
export function enableAccessLogs(bucket: s3.Bucket, accessLogBucket: s3.Bucket): void {
  (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
    destinationBucketName: accessLogBucket.bucketName,
    logFilePrefix: ACCESS_LOG_PREFIX,
  };
  accessLogBucket.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'S3ServerAccessLogsPolicy',
    principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
    actions: ['s3:PutObject'],
    resources: [accessLogBucket.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
    conditions: {
      ArnLike: { 'aws:SourceArn': bucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(bucket).account },
    },
  }));
}
