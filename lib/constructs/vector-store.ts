// Where a knowledge base keeps its vectors. Each store binds itself to the knowledge base: it creates what it
// needs there (an S3 vector bucket and index, or a data access policy on an OpenSearch Serverless index you
// run), grants the knowledge base's role, and returns the storage configuration Bedrock takes.
import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import * as s3vectors from 'aws-cdk-lib/aws-s3vectors';
import type { Construct, IDependable } from 'constructs';

/** A new S3 vector index. */
export interface S3VectorsOptions {
  /** The index's vector size; must equal the embedding model's output. @default - the embedding model's default */
  readonly dimensions?: number;
}

/** An existing OpenSearch Serverless vector index. */
export interface OpenSearchServerlessIndex {
  readonly collectionArn: string;
  /** The collection's name, as its data access policy names it (`collection/NAME`). */
  readonly collectionName: string;
  readonly indexName: string;
  /** The index's vector size; must equal the embedding model's output. */
  readonly dimensions: number;
  /** @default 'vector' */
  readonly vectorField?: string;
  /** @default 'text' */
  readonly textField?: string;
  /** @default 'metadata' */
  readonly metadataField?: string;
}

/** What a vector store binds to: the knowledge base's role, key, vector size and removal policy. */
export interface VectorStoreBindOptions {
  /** The role Bedrock ingests and retrieves as. */
  readonly role: iam.IRole;
  /** The knowledge base's key. */
  readonly encryptionKey: kms.IKey;
  /** The embedding model's vector size. */
  readonly dimensions: number;
  /** Of what the store creates. */
  readonly removalPolicy: RemovalPolicy;
}

/** What a vector store gives its knowledge base. */
export interface VectorStoreConfig {
  /** The knowledge base's `StorageConfiguration`. */
  readonly storageConfiguration: bedrock.CfnKnowledgeBase.StorageConfigurationProperty;
  /** What the knowledge base must be created after. @default - nothing */
  readonly dependencies?: IDependable[];
}

/** Where the vectors live. */
export abstract class VectorStore {
  /** A new S3 vector bucket and index (cosine distance), encrypted with the knowledge base's key. */
  static s3Vectors(options: S3VectorsOptions = {}): VectorStore {
    return new S3VectorsStore(options.dimensions);
  }

  /**
   * An OpenSearch Serverless vector index you already run (collection, index and field names). The knowledge base
   * adds a data access policy that lets its role describe, read and write that index: OpenSearch Serverless checks
   * data access policies as well as IAM, and Bedrock checks the index when it creates the knowledge base.
   */
  static openSearchServerless(options: OpenSearchServerlessIndex): VectorStore {
    return new OpenSearchServerlessStore(options);
  }

  /** The index's vector size, when the store fixes it; it must equal the embedding model's output. */
  abstract readonly dimensions?: number;

  /** Creates and grants what the store needs, in the knowledge base `scope`. */
  abstract bind(scope: Construct, options: VectorStoreBindOptions): VectorStoreConfig;
}

class S3VectorsStore extends VectorStore {
  constructor(readonly dimensions?: number) {
    super();
  }

  bind(scope: Construct, options: VectorStoreBindOptions): VectorStoreConfig {
    const stack = Stack.of(scope);
    const key = options.encryptionKey;
    // S3 Vectors indexes asynchronously as its own service principal, which must be able to decrypt with the
    // bucket's key (S3 user guide, "Data protection and encryption in S3 Vectors").
    const indexing = key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowS3VectorsIndexing',
      principals: [new iam.ServicePrincipal('indexing.s3vectors.amazonaws.com')],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 's3vectors', resource: 'bucket', resourceName: '*' }) },
      },
    }));
    if (!indexing.statementAdded) {
      throw new Error(`${scope.node.path}: encryptionKey is an imported key, so its key policy cannot be extended here. S3 Vectors needs `
        + `kms:Decrypt for the service principal indexing.s3vectors.amazonaws.com in it: add that statement to the key's policy and pass `
        + `the key as a kms.Key from the same app, or leave encryptionKey unset to have a key created.`);
    }
    const bucket = new s3vectors.CfnVectorBucket(scope, 'VectorBucket', { encryptionConfiguration: { sseType: 'aws:kms', kmsKeyArn: key.keyArn } });
    bucket.applyRemovalPolicy(options.removalPolicy);
    const index = new s3vectors.CfnIndex(scope, 'VectorIndex', {
      vectorBucketArn: bucket.attrVectorBucketArn,
      dataType: 'float32',
      dimension: options.dimensions,
      distanceMetric: 'cosine',
      // Bedrock stores each chunk's text and metadata with its vector; they exceed the 2 KB of filterable
      // metadata an S3 vector may carry unless marked non-filterable (Bedrock user guide, "S3 Vectors").
      metadataConfiguration: { nonFilterableMetadataKeys: ['AMAZON_BEDROCK_TEXT', 'AMAZON_BEDROCK_METADATA'] },
    });
    index.applyRemovalPolicy(options.removalPolicy);
    options.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3vectors:PutVectors', 's3vectors:GetVectors', 's3vectors:DeleteVectors', 's3vectors:QueryVectors', 's3vectors:GetIndex'],
      resources: [index.attrIndexArn],
    }));
    return { storageConfiguration: { type: 'S3_VECTORS', s3VectorsConfiguration: { indexArn: index.attrIndexArn } } };
  }
}

class OpenSearchServerlessStore extends VectorStore {
  readonly dimensions: number;

  constructor(private readonly index: OpenSearchServerlessIndex) {
    super();
    this.dimensions = index.dimensions;
  }

  bind(scope: Construct, options: VectorStoreBindOptions): VectorStoreConfig {
    const os = this.index;
    options.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['aoss:APIAccessAll'], resources: [os.collectionArn] }));
    const dataAccess = new aoss.CfnAccessPolicy(scope, 'DataAccess', {
      // 3-32 lowercase letters, digits and hyphens, starting with a letter.
      name: `kb-${scope.node.addr.slice(0, 24)}`,
      type: 'data',
      description: `Lets the knowledge base ${scope.node.path} describe, read and write ${os.indexName}`,
      policy: Stack.of(scope).toJsonString([{
        Rules: [
          { ResourceType: 'collection', Resource: [`collection/${os.collectionName}`], Permission: ['aoss:DescribeCollectionItems'] },
          { ResourceType: 'index', Resource: [`index/${os.collectionName}/${os.indexName}`], Permission: ['aoss:DescribeIndex', 'aoss:ReadDocument', 'aoss:WriteDocument'] },
        ],
        Principal: [options.role.roleArn],
      }]),
    });
    return {
      storageConfiguration: {
        type: 'OPENSEARCH_SERVERLESS',
        opensearchServerlessConfiguration: {
          collectionArn: os.collectionArn,
          vectorIndexName: os.indexName,
          fieldMapping: { vectorField: os.vectorField ?? 'vector', textField: os.textField ?? 'text', metadataField: os.metadataField ?? 'metadata' },
        },
      },
      dependencies: [dataAccess],
    };
  }
}
