// The seeding of a dataset store: a local folder (or each prefix folder of a store-shaped folder) copied into its
// prefix at deploy time by aws-cdk-lib's BucketDeployment handler, with a narrow role of the kit's that can write
// only those prefixes and delete nothing, and the checks of the folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type RemovalPolicy, Size, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { DATASET_PREFIXES, type DatasetPrefix } from '../../config/dataset-layout';
import type { DatasetSeed } from '../../config/environment';
import { seedLayoutStrays } from '../../config/local-paths';
import type { DatasetStoreBase, DatasetStoreSeed } from '../dataset-store';
import { justify } from './justifications';
import { allowCloudWatchLogs } from './kms';

/**
 * The seeding handler's settings. aws-cdk-lib shares one handler among all BucketDeployments of a stack with the
 * same memory, storage and network, and that handler runs with the role of the first: these settings keep the
 * kit's seeding handler (and its narrow role) apart from other BucketDeployments in a user's stack.
 */
const SEED_MEMORY_MIB = 512;
const SEED_STORAGE = Size.mebibytes(1024);

/** The seed's copies (under `Seed` in the store), their log group, and the seeding role's grants. */
export function addSeed(store: DatasetStoreBase, seed: DatasetStoreSeed, removalPolicy: RemovalPolicy): void {
  const scope = new Construct(store, 'Seed');
  allowCloudWatchLogs(store.encryptionKey);
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    encryptionKey: store.encryptionKey,
    retention: seed.logRetention ?? logs.RetentionDays.ONE_YEAR,
    removalPolicy,
  });
  const role = seedingRole(store);
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`] }));
  // One copy per prefix, each into its own prefix: the handler can write nowhere else, list nothing else, delete nothing.
  for (const { prefix, folder } of seedCopies(seed)) {
    const name = prefix.replace(/\W/g, '');
    const asset = new s3assets.Asset(scope, `Asset-${name}`, { path: folder });
    // The handler downloads the seed's zip and nothing else of the CDK asset bucket.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [asset.bucket.arnForObjects(asset.s3ObjectKey)] }));
    store.grantWrite(role, prefix);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'], resources: [store.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } },
    }));
    new s3deploy.BucketDeployment(scope, `Copy-${name}`, {
      sources: [s3deploy.Source.bucket(asset.bucket, asset.s3ObjectKey)],
      destinationBucket: store.bucket,
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
  justifySeedHandler(store, role, logGroup);
}

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
export function seedSourceProblems(seed: DatasetSeed): string[] {
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
