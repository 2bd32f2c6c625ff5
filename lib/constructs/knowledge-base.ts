// Retrieval augmentation: a Bedrock knowledge base over the dataset store's documents/ prefix, with its
// vectors in Amazon S3 Vectors (the lowest-cost store) or an existing OpenSearch Serverless index, an
// embedding model chosen by id, a chunking strategy, KMS, a least-privilege role, and ingestion on demand
// (`npm run ingest`) or on every document upload.
import { Duration, type IResource, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { accountServicePrincipal } from './private/principals';
import { VectorStore } from './vector-store';
import { DatasetPrefix } from '../config/dataset-layout';
import type { IDatasetStore } from './dataset-store';
import { justify } from './private/justifications';
import { allowCloudWatchLogs, createKitKey } from './private/kms';
import { throwIfProblems } from './private/problems';

/** Embedding models a knowledge base can use, with the vector sizes each produces (Bedrock user guide, "Supported models for knowledge bases"). */
export const EMBEDDING_MODELS: Readonly<Record<string, { readonly dimensions: readonly number[]; readonly default: number }>> = {
  'amazon.titan-embed-text-v2:0': { dimensions: [256, 512, 1024], default: 1024 },
  'amazon.titan-embed-text-v1': { dimensions: [1536], default: 1536 },
  'cohere.embed-english-v3': { dimensions: [1024], default: 1024 },
  'cohere.embed-multilingual-v3': { dimensions: [1024], default: 1024 },
};

/** Fixed-size chunking of documents. */
export interface FixedSizeChunking {
  /** Tokens per chunk. */
  readonly maxTokens: number;
  /** Overlap between consecutive chunks, in percent. */
  readonly overlapPercentage: number;
}

/** A knowledge base, created here or imported. */
export interface IKnowledgeBase extends IResource {
  /** The knowledge base's id. */
  readonly knowledgeBaseId: string;
  /** The knowledge base's ARN. */
  readonly knowledgeBaseArn: string;
  /** bedrock:Retrieve on this knowledge base. */
  grantRetrieve(grantee: iam.IGrantable): iam.Grant;
  /** Start, watch and list ingestion jobs (what `npm run ingest` calls). */
  grantIngest(grantee: iam.IGrantable): iam.Grant;
  /** The state machine that starts an ingestion job for each document change, when documents are ingested on upload. */
  readonly ingestionStateMachine?: sfn.IStateMachine;
}

/** What identifies an existing knowledge base. */
export interface KnowledgeBaseAttributes {
  /** The knowledge base's id. */
  readonly knowledgeBaseId: string;
}

export interface KnowledgeBaseProps {
  /**
   * The service role Bedrock runs the knowledge base as. It receives the policies ingestion needs (the embedding
   * model, documents/, the key, the vector store); its trust policy must let bedrock.amazonaws.com assume it.
   * @default - a new role, assumable by Bedrock for this account's knowledge bases only
   */
  readonly role?: iam.IRole;
  /** Documents are read from its documents/ prefix. */
  readonly datasets: IDatasetStore;
  /** @default 'amazon.titan-embed-text-v2:0' */
  readonly embeddingModelId?: string;
  /** Vector size produced by the model. @default - the model's default (1024 for Titan v2) */
  readonly embeddingDimensions?: number;
  /** @default VectorStore.s3Vectors() */
  readonly vectorStore?: VectorStore;
  /** Fixed-size chunks: tokens per chunk and overlap between chunks. @default { maxTokens: 300, overlapPercentage: 20 } */
  readonly chunking?: FixedSizeChunking;
  /** Start an ingestion job whenever a document lands under documents/. @default false */
  readonly ingestOnUpload?: boolean;
  /** @default - a new customer-managed key */
  readonly encryptionKey?: kms.IKey;
  /** The vector store (and a key created here). @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** A Bedrock knowledge base over the lifecycle's documents. */
export class KnowledgeBase extends Resource implements IKnowledgeBase {
  /** A knowledge base made elsewhere, in this stack's account and region. */
  static fromKnowledgeBaseAttributes(scope: Construct, id: string, attrs: KnowledgeBaseAttributes): IKnowledgeBase {
    class Import extends Resource implements IKnowledgeBase {
      readonly knowledgeBaseId = attrs.knowledgeBaseId;
      readonly knowledgeBaseArn = Stack.of(scope).formatArn({ service: 'bedrock', resource: 'knowledge-base', resourceName: attrs.knowledgeBaseId });
      grantRetrieve(grantee: iam.IGrantable): iam.Grant {
        return grantRetrieve(grantee, this.knowledgeBaseArn);
      }
      grantIngest(grantee: iam.IGrantable): iam.Grant {
        return grantIngest(grantee, this.knowledgeBaseArn);
      }
    }
    return new Import(scope, id);
  }

  readonly knowledgeBaseId: string;
  readonly knowledgeBaseArn: string;
  readonly dataSourceId: string;
  /** The service role Bedrock runs ingestion and retrieval as. */
  readonly role: iam.IRole;
  readonly embeddingModelId: string;
  readonly dimensions: number;
  /** The state machine that starts an ingestion job for each document change, with `ingestOnUpload`. */
  readonly ingestionStateMachine?: sfn.IStateMachine;

  constructor(scope: Construct, id: string, props: KnowledgeBaseProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const modelId = props.embeddingModelId ?? 'amazon.titan-embed-text-v2:0';
    const store = props.vectorStore ?? VectorStore.s3Vectors();
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.dimensions = validate(this, props, modelId, store);
    this.embeddingModelId = modelId;
    const key = props.encryptionKey ?? createKitKey(this, 'Key', { description: `Encrypts the knowledge base ${this.node.path}`, removalPolicy });
    const embeddingModelArn = stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: modelId });

    this.role = props.role ?? new iam.Role(this, 'Role', {
      // Bedrock assumes it for this account's knowledge bases only (Bedrock user guide, "Create a service role for Knowledge Bases").
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: 'knowledge-base', resourceName: '*' }) },
        },
      }),
      description: `Knowledge base ${this.node.path}: embeds documents/ into its vector store`,
    });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [embeddingModelArn] }));
    props.datasets.grantRead(this.role, DatasetPrefix.DOCUMENTS);
    // Transient ingestion data (Bedrock user guide, "Encryption of knowledge base resources": the statement has no
    // kms:ViaService; Bedrock calls KMS itself as this service role, where that condition key is absent).
    key.grant(this.role, 'kms:Decrypt', 'kms:GenerateDataKey');

    const { storageConfiguration, dependencies } = store.bind(this, { role: this.role, encryptionKey: key, dimensions: this.dimensions, removalPolicy });

    const kb = new bedrock.CfnKnowledgeBase(this, 'Resource', {
      // The name pattern allows no two separators in a row, so the cut path loses a trailing hyphen.
      name: `${this.node.path.replace(/[^0-9a-zA-Z]+/g, '-').slice(0, 50).replace(/-+$/, '')}-${this.node.addr.slice(0, 8)}`,
      description: `Documents under ${DatasetPrefix.DOCUMENTS} of the dataset store`,
      roleArn: this.role.roleArn,
      knowledgeBaseConfiguration: {
        type: 'VECTOR',
        vectorKnowledgeBaseConfiguration: {
          embeddingModelArn,
          embeddingModelConfiguration: { bedrockEmbeddingModelConfiguration: { dimensions: this.dimensions, embeddingDataType: 'FLOAT32' } },
        },
      },
      storageConfiguration,
    });
    kb.node.addDependency(this.role);
    for (const d of dependencies ?? []) kb.node.addDependency(d);
    this.knowledgeBaseId = kb.attrKnowledgeBaseId;
    this.knowledgeBaseArn = kb.attrKnowledgeBaseArn;

    const chunking = props.chunking ?? { maxTokens: 300, overlapPercentage: 20 };
    const dataSource = new bedrock.CfnDataSource(this, 'Documents', {
      knowledgeBaseId: kb.attrKnowledgeBaseId,
      name: 'documents',
      description: `s3://<dataset store>/${DatasetPrefix.DOCUMENTS}`,
      dataSourceConfiguration: { type: 'S3', s3Configuration: { bucketArn: props.datasets.bucket.bucketArn, inclusionPrefixes: [DatasetPrefix.DOCUMENTS] } },
      vectorIngestionConfiguration: { chunkingConfiguration: { chunkingStrategy: 'FIXED_SIZE', fixedSizeChunkingConfiguration: chunking } },
      serverSideEncryptionConfiguration: { kmsKeyArn: key.keyArn },
      // Deleting the data source must not delete the vectors of documents that are still in the store.
      dataDeletionPolicy: 'RETAIN',
    });
    this.dataSourceId = dataSource.attrDataSourceId;

    if (props.ingestOnUpload) this.addIngestOnUpload(props, key, dataSource);
  }

  /** bedrock:Retrieve on this knowledge base. */
  grantRetrieve(grantee: iam.IGrantable): iam.Grant {
    return grantRetrieve(grantee, this.knowledgeBaseArn);
  }

  /** Start, watch and list ingestion jobs (what `npm run ingest` calls). */
  grantIngest(grantee: iam.IGrantable): iam.Grant {
    return grantIngest(grantee, this.knowledgeBaseArn);
  }

  private addIngestOnUpload(props: KnowledgeBaseProps, key: kms.IKey, dataSource: bedrock.CfnDataSource): void {
    const start = new tasks.CallAwsService(this, 'StartIngestion', {
      service: 'bedrockagent',
      action: 'startIngestionJob',
      parameters: { KnowledgeBaseId: this.knowledgeBaseId, DataSourceId: dataSource.attrDataSourceId, Description: 'Started by a document upload' },
      iamResources: [this.knowledgeBaseArn],
      iamAction: 'bedrock:StartIngestionJob',
    });
    // One job runs at a time per data source: uploads that arrive meanwhile wait and retry.
    // 1, 1.5, 2.25 ... minutes, at most 10 between attempts: the 9 retries wait about 51 minutes in all, within the timeout.
    start.addRetry({ errors: ['BedrockAgent.ConflictException', 'BedrockAgent.ThrottlingException'], interval: Duration.minutes(1), maxAttempts: 10, backoffRate: 1.5, maxDelay: Duration.minutes(10) });
    allowCloudWatchLogs(key);
    const machine = new sfn.StateMachine(this, 'Ingest', {
      definitionBody: sfn.DefinitionBody.fromChainable(start),
      comment: 'Starts a knowledge base ingestion job',
      tracingEnabled: true,
      logs: { destination: new logs.LogGroup(this, 'IngestLogs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR, encryptionKey: key, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN }), level: sfn.LogLevel.ALL },
      timeout: Duration.hours(2),
    });
    justify(machine, { kind: 'wildcard-resources', resources: ['*'], reason: 'Step Functions log delivery (logs:*LogDelivery) and X-Ray tracing support no resource-level permissions.' });
    (this as { ingestionStateMachine?: sfn.IStateMachine }).ingestionStateMachine = machine;
    new events.Rule(this, 'OnDocumentUpload', {
      description: `Ingests documents into ${this.node.path} when they land under documents/`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created', 'Object Deleted'],
        detail: { bucket: { name: [props.datasets.bucket.bucketName] }, object: { key: [{ prefix: DatasetPrefix.DOCUMENTS }] } },
      },
      targets: [new targets.SfnStateMachine(machine, {
        role: new iam.Role(this, 'IngestTriggerRole', { assumedBy: accountServicePrincipal(this, 'events.amazonaws.com'), description: `Starts ingestion of ${this.node.path} for changes under documents/` }),
      })],
    });
  }
}

function validate(scope: Construct, props: KnowledgeBaseProps, modelId: string, store: VectorStore): number {
  const problems: string[] = [];
  const model = Object.hasOwn(EMBEDDING_MODELS, modelId) ? EMBEDDING_MODELS[modelId] : undefined;
  let dimensions = props.embeddingDimensions ?? model?.default ?? 0;
  if (!model) {
    problems.push(`embeddingModelId "${modelId}" is not an embedding model knowledge bases support; allowed: ${Object.keys(EMBEDDING_MODELS).join(', ')}.`);
  } else if (!model.dimensions.includes(dimensions)) {
    problems.push(`embeddingDimensions is ${dimensions}, but ${modelId} produces vectors of ${model.dimensions.join(' or ')} dimensions.`);
  }
  if (store.dimensions !== undefined && store.dimensions !== dimensions) {
    problems.push(`The vector index has ${store.dimensions} dimensions, but ${modelId} embeds into ${dimensions}: every ingestion would fail. Make them equal (set embeddingDimensions, or the vector store's dimensions).`);
  }
  dimensions = store.dimensions ?? dimensions;
  const chunking = props.chunking;
  if (chunking && (!Number.isInteger(chunking.maxTokens) || chunking.maxTokens < 20 || chunking.maxTokens > 8192)) {
    problems.push(`chunking.maxTokens is ${chunking.maxTokens}; use a whole number from 20 to 8192.`);
  }
  if (chunking && (!Number.isInteger(chunking.overlapPercentage) || chunking.overlapPercentage < 1 || chunking.overlapPercentage > 99)) {
    problems.push(`chunking.overlapPercentage is ${chunking.overlapPercentage}; use a whole number from 1 to 99.`);
  }
  throwIfProblems(scope, 'KnowledgeBase', problems);
  return dimensions;
}

function grantRetrieve(grantee: iam.IGrantable, knowledgeBaseArn: string): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:Retrieve'], resourceArns: [knowledgeBaseArn] });
}

function grantIngest(grantee: iam.IGrantable, knowledgeBaseArn: string): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: ['bedrock:StartIngestionJob', 'bedrock:GetIngestionJob', 'bedrock:ListIngestionJobs'], resourceArns: [knowledgeBaseArn] });
}
