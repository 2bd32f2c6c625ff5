import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DatasetStore } from '../../lib/constructs/dataset-store';
import { KnowledgeBase, type KnowledgeBaseProps } from '../../lib/constructs/knowledge-base';
import { VectorStore } from '../../lib/constructs/vector-store';
import { newApp, synthesize, templateOf } from '../support/synth';

const env = { account: '111122223333', region: 'us-east-1' };
const app = newApp();
const stack = new Stack(app, 'Kb', { env });
const datasets = new DatasetStore(stack, 'Datasets');
const kb = new KnowledgeBase(stack, 'Knowledge', { datasets, ingestOnUpload: true });
const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
kb.grantRetrieve(reader);
const osStack = new Stack(app, 'Os', { env });
new KnowledgeBase(osStack, 'Knowledge', {
  datasets: new DatasetStore(osStack, 'Datasets'),
  embeddingModelId: 'cohere.embed-english-v3',
  vectorStore: VectorStore.openSearchServerless({ collectionArn: 'arn:aws:aoss:us-east-1:111122223333:collection/abc', collectionName: 'support-docs', indexName: 'docs', dimensions: 1024 }),
  chunking: { maxTokens: 500, overlapPercentage: 10 },
});
const result = synthesize(app);
const t = templateOf(stack);

describe('KnowledgeBase', () => {
  test('synthesizes under strict validation', () => expect(result.error).toBeUndefined());

  test('a vector knowledge base on S3 Vectors, embedding with Titan v2 at 1024 dimensions', () => {
    t.hasResourceProperties('AWS::Bedrock::KnowledgeBase', {
      KnowledgeBaseConfiguration: { Type: 'VECTOR', VectorKnowledgeBaseConfiguration: {
        EmbeddingModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0',
        EmbeddingModelConfiguration: { BedrockEmbeddingModelConfiguration: { Dimensions: 1024, EmbeddingDataType: 'FLOAT32' } },
      } },
      StorageConfiguration: { Type: 'S3_VECTORS', S3VectorsConfiguration: { IndexArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^KnowledgeVectorIndex'), 'IndexArn'] } } },
    });
  });

  test('the vector index matches the embedding, keeps Bedrock\'s text unfilterable, and is encrypted and retained', () => {
    t.hasResourceProperties('AWS::S3Vectors::Index', { Dimension: 1024, DataType: 'float32', DistanceMetric: 'cosine', MetadataConfiguration: { NonFilterableMetadataKeys: ['AMAZON_BEDROCK_TEXT', 'AMAZON_BEDROCK_METADATA'] } });
    t.hasResource('AWS::S3Vectors::VectorBucket', { DeletionPolicy: 'Retain', Properties: { EncryptionConfiguration: { SseType: 'aws:kms', KmsKeyArn: Match.anyValue() } } });
  });

  test('the key lets S3 Vectors of this account decrypt, for its asynchronous indexing', () => {
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([{
        Sid: 'AllowS3VectorsIndexing', Effect: 'Allow', Principal: { Service: 'indexing.s3vectors.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'aws:SourceArn': 'arn:aws:s3vectors:us-east-1:111122223333:bucket/*' } },
      }]) },
    });
  });

  test('the name fits Bedrock\'s pattern: no two separators in a row, at most 100 characters', () => {
    const names = Object.values({ ...t.findResources('AWS::Bedrock::KnowledgeBase'), ...templateOf(osStack).findResources('AWS::Bedrock::KnowledgeBase') })
      .map((r) => (r as { Properties: { Name: string } }).Properties.Name);
    for (const name of names) expect(name).toMatch(/^([0-9a-zA-Z][_-]?){1,100}$/);
  });

  test('the data source reads documents/ only, in fixed-size chunks, encrypted, keeping vectors on deletion', () => {
    t.hasResourceProperties('AWS::Bedrock::DataSource', {
      DataSourceConfiguration: { Type: 'S3', S3Configuration: { BucketArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Datasets'), 'Arn'] }, InclusionPrefixes: ['documents/'] } },
      VectorIngestionConfiguration: { ChunkingConfiguration: { ChunkingStrategy: 'FIXED_SIZE', FixedSizeChunkingConfiguration: { MaxTokens: 300, OverlapPercentage: 20 } } },
      ServerSideEncryptionConfiguration: { KmsKeyArn: Match.anyValue() },
      DataDeletionPolicy: 'RETAIN',
    });
  });

  test('the service role: Bedrock of this account only; the embedding model, documents/ and its own index', () => {
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'bedrock.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' }, ArnLike: { 'aws:SourceArn': 'arn:aws:bedrock:us-east-1:111122223333:knowledge-base/*' } } })] },
    });
    const roleId = stack.getLogicalId(kb.role.node.defaultChild as never);
    const statements = Object.values(t.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }))
      .flatMap((p) => (p as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement);
    expect(statements.find((s) => s.Action === 'bedrock:InvokeModel')!.Resource).toBe('arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0');
    const indexId = Object.keys(t.findResources('AWS::S3Vectors::Index'))[0];
    expect(statements.find((s) => ([] as string[]).concat(s.Action).includes('s3vectors:QueryVectors'))!.Resource).toEqual({ 'Fn::GetAtt': [indexId, 'IndexArn'] });
    expect(JSON.stringify(statements)).toContain('/documents/*');
    expect(JSON.stringify(statements)).not.toMatch(/s3:PutObject|bedrock:\*/);
  });

  test('a document upload or deletion starts an ingestion job, retried while one runs, every retry within the timeout', () => {
    t.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['Object Created', 'Object Deleted'], 'detail': Match.objectLike({ object: { key: [{ prefix: 'documents/' }] } }) }) });
    const def = JSON.stringify(t.findResources('AWS::StepFunctions::StateMachine'));
    expect(def).toContain('bedrockagent:startIngestionJob');
    expect(def).toContain('BedrockAgent.ConflictException');
    const machine = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0] as { Properties: { DefinitionString: unknown } };
    const definition = JSON.parse((machine.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : 'x')).join('')) as {
      TimeoutSeconds: number; States: Record<string, { Retry?: { IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds?: number }[] }>;
    };
    const retry = Object.values(definition.States)[0].Retry![0];
    let waited = 0;
    for (let attempt = 0; attempt < retry.MaxAttempts; attempt++) waited += Math.min(retry.IntervalSeconds * retry.BackoffRate ** attempt, retry.MaxDelaySeconds ?? Infinity);
    expect(waited).toBeLessThan(definition.TimeoutSeconds);
  });

  test('grantRetrieve allows bedrock:Retrieve on this knowledge base only', () => {
    t.hasResourceProperties('AWS::IAM::Policy', { Roles: [{ Ref: Match.stringLikeRegexp('^Reader') }], PolicyDocument: { Statement: [Match.objectLike({ Action: 'bedrock:Retrieve', Resource: { 'Fn::GetAtt': [Match.anyValue(), 'KnowledgeBaseArn'] } })] } });
  });

  test('an existing OpenSearch Serverless index can hold the vectors instead', () => {
    templateOf(osStack).hasResourceProperties('AWS::Bedrock::KnowledgeBase', {
      StorageConfiguration: { Type: 'OPENSEARCH_SERVERLESS', OpensearchServerlessConfiguration: { CollectionArn: 'arn:aws:aoss:us-east-1:111122223333:collection/abc', VectorIndexName: 'docs', FieldMapping: { VectorField: 'vector', TextField: 'text', MetadataField: 'metadata' } } },
    });
  });

  test('with OpenSearch Serverless, a data access policy lets the role use that index, before the knowledge base is created', () => {
    const os = templateOf(osStack);
    const [policyId, policy] = Object.entries(os.findResources('AWS::OpenSearchServerless::AccessPolicy'))[0] as [string, { Properties: { Name: string; Type: string; Policy: unknown } }];
    expect(policy.Properties.Type).toBe('data');
    expect(policy.Properties.Name).toMatch(/^[a-z][a-z0-9-]{2,31}$/);
    const text = JSON.stringify(policy.Properties.Policy);
    expect(text).toContain('collection/support-docs');
    expect(text).toContain('index/support-docs/docs');
    expect(text).toContain('aoss:WriteDocument');
    const [kbResource] = Object.values(os.findResources('AWS::Bedrock::KnowledgeBase')) as { DependsOn: string[] }[];
    expect(kbResource.DependsOn).toContain(policyId);
  });
});

describe('KnowledgeBase validation', () => {
  const build = (props: Partial<KnowledgeBaseProps>) => () => {
    const s = new Stack(newApp(), 'S', { env });
    return new KnowledgeBase(s, 'K', { datasets: new DatasetStore(s, 'D'), ...props });
  };

  test('fails with what to do when an imported key cannot let S3 Vectors index', () => {
    expect(() => {
      const s = new Stack(newApp(), 'S', { env });
      new KnowledgeBase(s, 'K', { datasets: new DatasetStore(s, 'D'), encryptionKey: kms.Key.fromKeyArn(s, 'Imported', 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab') });
    }).toThrow(/imported key[\s\S]*indexing\.s3vectors\.amazonaws\.com/);
  });

  test('fails when the vector index dimension does not match the embedding model', () => {
    expect(build({ vectorStore: VectorStore.s3Vectors({ dimensions: 1536 }) }))
      .toThrow(/The vector index has 1536 dimensions, but amazon\.titan-embed-text-v2:0 embeds into 1024: every ingestion would fail/);
  });

  test('fails when the model cannot produce the dimensions asked for, and the chunking is out of range, reporting both', () => {
    expect(build({ embeddingDimensions: 768, chunking: { maxTokens: 10, overlapPercentage: 20 } }))
      .toThrow(/2 problems[\s\S]*embeddingDimensions is 768, but amazon\.titan-embed-text-v2:0 produces vectors of 256 or 512 or 1024 dimensions[\s\S]*chunking\.maxTokens is 10/);
  });

  test('fails when the embedding model is not one knowledge bases support', () => {
    expect(build({ embeddingModelId: 'amazon.nova-lite-v1:0' })).toThrow(/"amazon\.nova-lite-v1:0" is not an embedding model knowledge bases support/);
    expect(build({ embeddingModelId: 'constructor' })).toThrow(/"constructor" is not an embedding model knowledge bases support/);
  });
});
