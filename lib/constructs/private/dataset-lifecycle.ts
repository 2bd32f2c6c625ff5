// The lifecycle rules of a dataset store's buckets: the dataset bucket tidies old versions, delete markers and
// unfinished uploads, and expires interaction records when asked; the access log bucket expires its logs.
import { Duration } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { DatasetPrefix } from '../../config/dataset-layout';

/** The dataset bucket's rules: noncurrent versions go after `noncurrent`; interactions after `interactionRetention`, when given. */
export function datasetLifecycleRules(noncurrent: Duration, interactionRetention?: Duration): s3.LifecycleRule[] {
  return [{
    id: 'tidy-versions-and-uploads',
    abortIncompleteMultipartUploadAfter: Duration.days(7),
    noncurrentVersionExpiration: noncurrent,
    expiredObjectDeleteMarker: true,
  }, ...(interactionRetention ? [{
    id: 'expire-interactions',
    prefix: `${DatasetPrefix.FEEDBACK}interactions/`,
    expiration: interactionRetention,
  }] : [])];
}

/** The access log bucket's rule: logs expire after `logRetention`, their old versions and unfinished uploads after a day. */
export function accessLogLifecycleRules(logRetention: Duration): s3.LifecycleRule[] {
  return [{
    id: 'expire-access-logs',
    expiration: logRetention,
    noncurrentVersionExpiration: Duration.days(1),
    abortIncompleteMultipartUploadAfter: Duration.days(1),
  }];
}
