/** A change against the base: resources added, removed and changed, stateful replacements, IAM and cost deltas. */
import {
  buildReview, capacityOf, diffEnvironment, iamOf, priceLookup, renderMarkdown, REPLACEMENT_PROPERTIES, usageOf, type CfnResource, type EnvironmentAssembly,
} from '../../scripts/lib/review';
import { BASE_DIR, HEAD_DIR, load } from './fixtures';

const prices = priceLookup();
const review = buildReview(load(HEAD_DIR), { prices, base: load(BASE_DIR) });
const prod = review.environments.find((e) => e.name === 'Prod')!.diff!;

function env(resources: Record<string, CfnResource>): EnvironmentAssembly {
  return { name: 'E', directory: 'assembly-E', stacks: [{ artifactId: 'S', stackName: 'E-S', displayName: 'E/S', acknowledgements: [], template: { Resources: resources } }] };
}

function side(environment: EnvironmentAssembly) {
  return { environment, iam: iamOf(environment.stacks), capacity: capacityOf(environment.stacks, prices) };
}

function bucket(path: string, props: Record<string, unknown> = {}, deletionPolicy = 'Retain'): CfnResource {
  return { Type: 'AWS::S3::Bucket', Properties: props, DeletionPolicy: deletionPolicy, Metadata: { 'aws:cdk:path': path } };
}

describe('diffEnvironment', () => {
  test('resources added, removed and changed, with the top-level properties that changed', () => {
    expect(prod.added.map((r) => `${r.stackName}/${r.logicalId}`)).toEqual(['Prod-Data/DatasetStoreC0FFEE12', 'Prod-Data/DatasetStorePolicyA1B2C3D4']);
    expect(prod.removed.map((r) => `${r.stackName}/${r.logicalId}`)).toEqual(['Prod-Data/Datasets9A172240', 'Prod-Data/DatasetsPolicy2DCFE328']);
    expect(prod.changed.map((c) => [c.logicalId, c.type, c.changedProperties])).toEqual([
      ['SeedLogs6890ED87', 'AWS::Logs::LogGroup', ['LogGroupName']],
      ['EndpointConfig24AD0A28', 'AWS::SageMaker::EndpointConfig', ['ProductionVariants']],
      ['ApiHandlerServiceRoleDefaultPolicy72087A41', 'AWS::IAM::Policy', ['PolicyDocument']],
      ['FineTuningD2E617DC', 'AWS::StepFunctions::StateMachine', ['DefinitionString']],
    ]);
    expect(review.environments.find((e) => e.name === 'Dev')!.diff).toMatchObject({ newEnvironment: false, added: [], removed: [], changed: [], replacements: [] });
  });

  test('flags the replacement of a bucket whose logical id changed under the same parent, and of a log group whose name changed', () => {
    expect(prod.replacements).toEqual([
      { type: 'AWS::Logs::LogGroup', stackName: 'Prod-Data', logicalId: 'SeedLogs6890ED87', path: 'Prod/Data/SeedLogs/Resource', reason: 'LogGroupName changed', deletionPolicy: 'Delete' },
      {
        type: 'AWS::S3::Bucket', stackName: 'Prod-Data', logicalId: 'Datasets9A172240', newLogicalId: 'DatasetStoreC0FFEE12', path: 'Prod/Data/DatasetStore/Resource/Resource',
        reason: 'logical id changed from Datasets9A172240 to DatasetStoreC0FFEE12 (Prod/Data/Datasets/Resource/Resource -> Prod/Data/DatasetStore/Resource/Resource)', deletionPolicy: 'Retain',
      },
    ]);
    expect(prod.statefulRemovals).toEqual([]);
  });

  test('a renamed construct higher up (one path segment differs) is a replacement; a stateful resource removed without successor is listed', () => {
    const base = env({ Key: { Type: 'AWS::KMS::Key', Metadata: { 'aws:cdk:path': 'E/S/Store/Key/Resource' } }, Old: bucket('E/S/Store/Resource/Resource'), Table: { Type: 'AWS::DynamoDB::Table', Metadata: { 'aws:cdk:path': 'E/S/Table/Resource' } } });
    const head = env({ Key2: { Type: 'AWS::KMS::Key', Metadata: { 'aws:cdk:path': 'E/S/Renamed/Key/Resource' } }, Old: bucket('E/S/Store/Resource/Resource') });
    const diff = diffEnvironment(side(base), side(head));
    expect(diff.replacements.map((r) => [r.type, r.logicalId, r.newLogicalId])).toEqual([['AWS::KMS::Key', 'Key', 'Key2']]);
    expect(diff.statefulRemovals.map((r) => [r.type, r.logicalId, r.reason, r.deletionPolicy])).toEqual([['AWS::DynamoDB::Table', 'Table', 'removed', 'Delete']]);
    const review = { environments: [{ name: 'E', stacks: [], resources: { total: 2, byType: {} }, capacity: side(head).capacity, usage: usageOf([]), iam: side(head).iam, validation: { plugins: [], open: [], acknowledgements: [] }, diff }], removedEnvironments: [], comparedToBase: true };
    const markdown = renderMarkdown(review);
    expect(markdown).toContain('| **E** | 0 | 2 (+1 −2 ~0) | $0.00 – $0.00 | — | 0 | 0 | 0 | 🚨 1 (⚠ 1 stateful removed) |');
    expect(markdown).toContain('- ⚠ `AWS::DynamoDB::Table` `E-S/Table` (`E/S/Table/Resource`): removed; DeletionPolicy Delete: the old one is **deleted**.');
  });

  test('a change to a property that updates in place is not a replacement; a type change is', () => {
    const base = env({ B: bucket('E/S/B/Resource', { VersioningConfiguration: { Status: 'Enabled' } }), Q: { Type: 'AWS::SQS::Queue' } });
    const head = env({ B: bucket('E/S/B/Resource', { VersioningConfiguration: { Status: 'Suspended' } }), Q: { Type: 'AWS::SNS::Topic' } });
    const diff = diffEnvironment(side(base), side(head));
    expect(diff.changed.map((c) => [c.logicalId, c.changedProperties])).toEqual([['B', ['VersioningConfiguration']], ['Q', ['Type']]]);
    expect(diff.replacements).toEqual([]);
  });

  test('property order does not count as a change; AWS::CDK::Metadata is ignored', () => {
    const base = env({ B: bucket('E/S/B/Resource', { A: 1, B: { x: 1, y: 2 } }), M: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'a' } } });
    const head = env({ B: bucket('E/S/B/Resource', { B: { y: 2, x: 1 }, A: 1 }), M: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'b' } } });
    expect(diffEnvironment(side(base), side(head)).changed).toEqual([]);
  });

  test('IAM statements added and removed, with wildcards', () => {
    expect(prod.iam.added.map((s) => [s.principal, s.actions.join(','), s.resources.join(','), s.wildcardActions.length + s.wildcardResources.length > 0])).toEqual([
      ['Prod/Serving/Endpoint/Role', 's3:AbortMultipartUpload,s3:PutObject', '<Prod-Data:DatasetStoreC0FFEE12.Arn>/captures/*', true],
      ['Prod/Serving/Api/Handler/ServiceRole', 's3:*', '<Prod-Data:DatasetStoreC0FFEE12.Arn>/*', true],
      ['AWS *', 's3:*', '<DatasetStoreC0FFEE12.Arn>,<DatasetStoreC0FFEE12.Arn>/*', false],
    ]);
    expect(prod.iam.removed.map((s) => [s.principal, s.resources.join(',')])).toEqual([
      ['Prod/Serving/Endpoint/Role', '<Prod-Data:Datasets9A172240.Arn>/captures/*'],
      ['AWS *', '<Datasets9A172240.Arn>,<Datasets9A172240.Arn>/*'],
    ]);
  });

  test('cost before and after: the endpoint instance type and the training plan that changed', () => {
    const batch = { min: 1.515 * 730, max: 1.515 * 730 * 3 };
    expect(prod.cost.monthlyUsd.base.min).toBeCloseTo(1.127 * 730 * 2 + batch.min, 9);
    expect(prod.cost.monthlyUsd.head.max).toBeCloseTo(1.222 * 730 * 4 + batch.max, 9);
    expect(prod.cost.endpoints).toEqual([{
      endpoint: 'prod-endpoint', variant: 'AllTraffic',
      base: { instanceType: 'ml.g6.xlarge', minInstances: 2, maxInstances: 4, monthlyUsd: { min: 1.127 * 730 * 2, max: 1.127 * 730 * 4 } },
      head: { instanceType: 'ml.g6.2xlarge', minInstances: 2, maxInstances: 4, monthlyUsd: { min: 1.222 * 730 * 2, max: 1.222 * 730 * 4 } },
    }]);
    expect(prod.cost.training).toEqual([{
      stateMachine: 'Prod/Adaptation/FineTuning/Resource', method: 'qlora',
      base: { instanceType: 'ml.g4dn.xlarge', instanceCount: 1, runUsdAtMost: 0.7364 * 12 + 0.7364 * 4 },
      head: { instanceType: 'ml.g4dn.xlarge', instanceCount: 2, runUsdAtMost: 0.7364 * 2 * 12 + 0.7364 * 4 },
    }]);
  });

  test('an environment the base lacks is new; one the head lacks is listed as removed', () => {
    const base = load(BASE_DIR);
    const onlyProd = { ...base, environments: base.environments.filter((e) => e.name === 'Prod') };
    const withoutDev = buildReview(load(HEAD_DIR), { prices, base: onlyProd });
    expect(withoutDev.environments[0].diff).toMatchObject({ newEnvironment: true, removed: [] });
    expect(withoutDev.environments[0].diff!.added).toHaveLength(7);
    const onlyDevHead = { ...load(HEAD_DIR), environments: load(HEAD_DIR).environments.filter((e) => e.name === 'Dev') };
    expect(buildReview(onlyDevHead, { prices, base }).removedEnvironments).toEqual(['Prod']);
  });

  test('the replacement-causing properties are the documented "Update requires: Replacement" ones', () => {
    expect(REPLACEMENT_PROPERTIES).toEqual({
      'AWS::S3::Bucket': ['BucketName', 'BucketNamePrefix', 'BucketNamespace', 'ObjectLockEnabled'],
      'AWS::KMS::Key': [],
      'AWS::SageMaker::ModelPackageGroup': ['ModelPackageGroupName', 'ModelPackageGroupDescription'],
      'AWS::Logs::LogGroup': ['LogGroupName'],
      'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'ImportSourceSpecification'],
    });
  });
});
