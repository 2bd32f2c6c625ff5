// Where an endpoint's weights come from. Each source binds itself to the endpoint's model: it writes the
// container definition (image and environment, or a model package; the S3 prefix SageMaker copies to
// /opt/ml/model), grants the endpoint's role what that needs, and says what the container is told to load.
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type { Construct } from 'constructs';
import { DatasetPrefix } from '../config/dataset-layout';
import { checkRevision, type RevisionKind } from '../serving/revision';
import type { IDatasetStore } from './dataset-store';

/** Which snapshot of a Hub model to serve. */
export interface HuggingFaceSourceOptions {
  /** A 40-character commit (pinned), a tag, a branch, or `refs/pr/N`. @default - the Hub's default branch */
  readonly revision?: string;
}

/** What the endpoint gives a source to bind to. */
export interface ModelSourceBindOptions {
  /** The endpoint's execution role: the source grants it what loading the weights needs. */
  readonly role: iam.IRole;
  /** The serving image. */
  readonly imageUri: string;
  /** The environment the serving container receives. */
  readonly environment: Record<string, string>;
}

/** What a source adds to the endpoint's model, from `ModelSource.bind`. */
export interface ModelSourceConfig {
  /** The model's primary container. */
  readonly containerDefinition: sagemaker.CfnModel.ContainerDefinitionProperty;
}

/** The directory SageMaker delivers S3 and model package artifacts to, and the container loads from. */
const MODEL_DIR = '/opt/ml/model';

/** Where the weights come from. */
export abstract class ModelSource {
  /**
   * Download from the Hugging Face Hub at startup. Pin `revision` to a commit for reproducible deploys.
   * Gated models need a token the container cannot get from SageMaker safely: copy them to S3 instead.
   */
  static huggingFace(modelId: string, options: HuggingFaceSourceOptions = {}): ModelSource {
    return new HubSource(modelId, options.revision);
  }

  /**
   * Uncompressed weights under a prefix of the dataset store (`models/...`): the output of the fine-tuning
   * workflow or of an optimization job. Delivered to /opt/ml/model before the container starts.
   */
  static fromDatasetStore(datasets: IDatasetStore, keyPrefix: string): ModelSource {
    return new DatasetStoreSource(datasets, keyPrefix);
  }

  /** A registered, approved model package (model registry): its image and artifacts come with it. */
  static modelPackage(modelPackageArn: string): ModelSource {
    return new ModelPackageSource(modelPackageArn);
  }

  /** The Hugging Face id the container downloads; undefined where SageMaker delivers the weights. */
  abstract readonly hubModelId?: string;
  /** The Hub revision, for a Hub source. */
  abstract readonly revision?: string;
  /** What the container is told to load (its model id): the Hub id, or the directory the weights arrive in. */
  abstract readonly containerModelId: string;
  /** The container must reach the network to get the weights, so it cannot be network-isolated. */
  abstract readonly needsNetwork: boolean;
  /** The serving image comes with the source (a model package), not from the endpoint's container choice. */
  abstract readonly bringsImage: boolean;

  /**
   * What `revision` names: `commit` (pinned), `pull-request`, or `branch-or-tag` (may move between deploys);
   * undefined without a revision (the Hub's default branch) or for an unusable one (reported at synth).
   */
  get revisionKind(): RevisionKind | undefined {
    return this.revision === undefined ? undefined : checkRevision(this.revision).kind;
  }

  /** What is wrong with the source, each as a sentence; empty when nothing is. */
  problems(): string[] {
    return [];
  }

  /** Adds the weights to the endpoint's model, granting its role what loading them needs. */
  abstract bind(scope: Construct, options: ModelSourceBindOptions): ModelSourceConfig;
}

class HubSource extends ModelSource {
  readonly containerModelId: string;
  readonly needsNetwork = true;
  readonly bringsImage = false;

  constructor(readonly hubModelId: string, readonly revision?: string) {
    super();
    this.containerModelId = hubModelId;
  }

  bind(_scope: Construct, options: ModelSourceBindOptions): ModelSourceConfig {
    return { containerDefinition: { image: options.imageUri, environment: options.environment } };
  }
}

/** Weights SageMaker delivers to /opt/ml/model before the container starts: no download, no network. */
abstract class DeliveredSource extends ModelSource {
  readonly hubModelId = undefined;
  readonly revision = undefined;
  readonly containerModelId = MODEL_DIR;
  readonly needsNetwork = false;
}

class DatasetStoreSource extends DeliveredSource {
  readonly bringsImage = false;

  constructor(private readonly datasets: IDatasetStore, private readonly keyPrefix: string) {
    super();
  }

  problems(): string[] {
    return this.keyPrefix.startsWith(DatasetPrefix.MODELS) ? []
      : [`source key prefix "${this.keyPrefix}" is not under ${DatasetPrefix.MODELS}; model weights live under the store's models/ prefix.`];
  }

  bind(_scope: Construct, options: ModelSourceBindOptions): ModelSourceConfig {
    this.datasets.grantRead(options.role, DatasetPrefix.MODELS);
    return {
      containerDefinition: {
        image: options.imageUri,
        environment: options.environment,
        modelDataSource: {
          s3DataSource: { s3Uri: `s3://${this.datasets.bucket.bucketName}/${this.keyPrefix}`, s3DataType: 'S3Prefix', compressionType: 'None' },
        },
      },
    };
  }
}

class ModelPackageSource extends DeliveredSource {
  readonly bringsImage = true;

  constructor(private readonly modelPackageArn: string) {
    super();
  }

  bind(_scope: Construct, options: ModelSourceBindOptions): ModelSourceConfig {
    return { containerDefinition: { modelPackageName: this.modelPackageArn, environment: options.environment } };
  }
}
