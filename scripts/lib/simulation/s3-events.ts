// Builds the events Amazon S3 sends to EventBridge when a bucket has EventBridge notifications on, in the shape the
// Amazon S3 User Guide documents, so tests can run the kit's rules (see ./event-pattern) against what S3 really
// sends rather than against a hand-written approximation.
//
// Source, read 2026-12-02: Amazon S3 User Guide, "EventBridge event message structure" (envelope fields, the
// "Object created" and "Object deleted (using DeleteObject)" / "(using lifecycle expiration)" examples, and the
// "Event message detail field" list) and "Using EventBridge" (the reason and deletion-type values).
// Defaults are that page's example values, except id (a fresh version 4 UUID, as S3 generates for every event) and
// time (now). The object key is put in the event as given.
import { randomUUID } from 'node:crypto';

export type S3ObjectEventKind = 'Object Created' | 'Object Deleted';

/** detail.reason of "Object Created": the S3 API that created the object. */
export type S3CreatedReason = 'PutObject' | 'POST Object' | 'CopyObject' | 'CompleteMultipartUpload';
/** detail.reason of "Object Deleted": an S3 API call, or an S3 Lifecycle expiration rule. */
export type S3DeletedReason = 'DeleteObject' | 'Lifecycle Expiration';
/** detail.deletion-type: an unversioned or permanently deleted object, or a delete marker on a versioned one. */
export type S3DeletionType = 'Permanently Deleted' | 'Delete Marker Created';

export interface S3ObjectEventOptions {
  /** @default - a random version 4 UUID */
  readonly id?: string;
  /** @default - now, to the second, as "2021-11-12T00:00:00Z" */
  readonly time?: string | Date;
  /** 12-digit account ID of the bucket owner. @default '111122223333' */
  readonly account?: string;
  /** @default 'ca-central-1' */
  readonly region?: string;
  /** Object size in bytes; "Object Created" only (S3 sends none on deletes). @default 5 */
  readonly size?: number;
  /** @default - the page's example ETag for the kind */
  readonly etag?: string;
  /** detail.object.version-id, as S3 sends for a versioned bucket. @default - none (an unversioned bucket) */
  readonly versionId?: string;
  /** @default - the page's example sequencer for the kind */
  readonly sequencer?: string;
  /** @default - the page's example request ID for the kind */
  readonly requestId?: string;
  /** Account ID or AWS service principal of the requester. @default '123456789012', or 's3.amazonaws.com' for lifecycle */
  readonly requester?: string;
  /** Only present for events triggered by an S3 request, so never on lifecycle expirations. @default '1.2.3.4' */
  readonly sourceIpAddress?: string;
  /** @default 'PutObject' for "Object Created", 'DeleteObject' for "Object Deleted" */
  readonly reason?: S3CreatedReason | S3DeletedReason;
  /** "Object Deleted" only. @default 'Delete Marker Created' when versionId is given, else 'Permanently Deleted' */
  readonly deletionType?: S3DeletionType;
}

export interface S3ObjectEventDetail {
  readonly version: '0';
  readonly bucket: { readonly name: string };
  readonly object: {
    readonly key: string;
    readonly size?: number;
    readonly etag: string;
    readonly 'version-id'?: string;
    readonly sequencer: string;
  };
  readonly 'request-id': string;
  readonly requester: string;
  readonly 'source-ip-address'?: string;
  readonly reason: S3CreatedReason | S3DeletedReason;
  readonly 'deletion-type'?: S3DeletionType;
}

export interface S3ObjectEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': S3ObjectEventKind;
  readonly source: 'aws.s3';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  /** The bucket's ARN. */
  readonly resources: readonly [string];
  readonly detail: S3ObjectEventDetail;
}

// The example values of the page's "Object created" and "Object deleted (using DeleteObject)" events.
const EXAMPLE = {
  'Object Created': { etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '617f08299329d189', requestId: 'N4N7GDK58NMKJ12R' },
  'Object Deleted': { etag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '617f0837b476e463', requestId: '0BH729840619AG5K' },
} as const;

const CREATED_REASONS: readonly string[] = ['PutObject', 'POST Object', 'CopyObject', 'CompleteMultipartUpload'];
const DELETED_REASONS: readonly string[] = ['DeleteObject', 'Lifecycle Expiration'];

/**
 * The event S3 sends to EventBridge for `key` in `bucket`.
 * @throws Error for a combination S3 never sends (a delete with a size, a created event with a deletion type, a
 *   lifecycle expiration with a source IP, or a reason of the other kind), so a test cannot build an event that
 *   does not exist.
 */
export function s3ObjectEvent(kind: S3ObjectEventKind, bucket: string, key: string, options: S3ObjectEventOptions = {}): S3ObjectEvent {
  const created = kind === 'Object Created';
  const reason = options.reason ?? (created ? 'PutObject' : 'DeleteObject');
  if (!(created ? CREATED_REASONS : DELETED_REASONS).includes(reason)) {
    throw new Error(`"${reason}" is not a reason of ${kind} events; allowed: ${(created ? CREATED_REASONS : DELETED_REASONS).join(', ')}`);
  }
  if (!created && options.size !== undefined) throw new Error('S3 sends no object size on Object Deleted events');
  if (created && options.deletionType !== undefined) throw new Error('deletion-type is only on Object Deleted events');
  if (reason === 'Lifecycle Expiration' && options.sourceIpAddress !== undefined) {
    throw new Error('S3 sends no source-ip-address on lifecycle expirations: no request triggered them');
  }

  const example = EXAMPLE[kind];
  const lifecycle = reason === 'Lifecycle Expiration';
  const object = {
    key,
    ...(created ? { size: options.size ?? 5 } : {}),
    etag: options.etag ?? example.etag,
    ...(options.versionId !== undefined ? { 'version-id': options.versionId } : {}),
    sequencer: options.sequencer ?? example.sequencer,
  };
  const detail: S3ObjectEventDetail = {
    version: '0',
    bucket: { name: bucket },
    object,
    'request-id': options.requestId ?? example.requestId,
    requester: options.requester ?? (lifecycle ? 's3.amazonaws.com' : '123456789012'),
    ...(lifecycle ? {} : { 'source-ip-address': options.sourceIpAddress ?? '1.2.3.4' }),
    reason,
    ...(created ? {} : { 'deletion-type': options.deletionType ?? (options.versionId !== undefined ? 'Delete Marker Created' : 'Permanently Deleted') }),
  };
  return {
    version: '0',
    id: options.id ?? randomUUID(),
    'detail-type': kind,
    source: 'aws.s3',
    account: options.account ?? '111122223333',
    time: eventTime(options.time),
    region: options.region ?? 'ca-central-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail,
  };
}

/** EventBridge's time format: ISO 8601 in UTC, whole seconds. */
function eventTime(time: string | Date | undefined): string {
  if (typeof time === 'string') return time;
  return (time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
