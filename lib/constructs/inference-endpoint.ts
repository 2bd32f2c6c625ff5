// A SageMaker real-time endpoint for an LLM, sized by the sizing engine: the serving container and its
// settings, quantization, the instance and tensor-parallel degree, startup timeouts, encryption, data
// capture, autoscaling (or inference components) and alarms, all checked at synth.
import { checkRevision, type RevisionKind } from '../serving/revision';
import { Duration, type IResource, Names, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DatasetPrefix } from '../config/dataset-layout';
import { ContainerFamily, hostRequirements, Quantization, QuantizationMethod, ServingContainer, compatibilityProblems, containerEnvironment, hasLocalNvmeStorage, startupTimeouts } from '../serving';
import { AcceleratorKind } from '../sizing/accelerators';
import { InstanceCatalog, type InstanceType } from '../sizing/instances';
import type { ModelArchitecture } from '../sizing/models';
import { describeNeed, estimateServing, type ServingCandidate, type ServingEstimate } from '../sizing';
import type { IDatasetStore } from './dataset-store';
import { newAlarmTopic } from './private/alarm-topic';
import { createEndpointRole } from './private/endpoint-role';
import { resolveImage } from './private/image';
import { createKitKey } from './private/kms';
import { PropsError, throwIfProblems } from './private/problems';

/** Which snapshot of a Hub model to serve. */
export interface HuggingFaceSourceOptions {
  /** A 40-character commit (pinned), a tag, a branch, or `refs/pr/N`. @default - the Hub's default branch */
  readonly revision?: string;
}

/** Where the weights come from. */
export class ModelSource {
  /**
   * Download from the Hugging Face Hub at startup. Pin `revision` to a commit for reproducible deploys.
   * Gated models need a token the container cannot get from SageMaker safely: copy them to S3 instead.
   */
  static huggingFace(modelId: string, options: HuggingFaceSourceOptions = {}): ModelSource {
    return new ModelSource('hub', modelId, undefined, options.revision);
  }

  /**
   * Uncompressed weights under a prefix of the dataset store (`models/...`): the output of the fine-tuning
   * workflow or of an optimization job. Delivered to /opt/ml/model before the container starts.
   */
  static fromDatasetStore(datasets: IDatasetStore, keyPrefix: string): ModelSource {
    return new ModelSource('s3', keyPrefix, datasets);
  }

  /** A registered, approved model package (model registry): its image and artifacts come with it. */
  static modelPackage(modelPackageArn: string): ModelSource {
    return new ModelSource('package', modelPackageArn);
  }

  private constructor(
    readonly kind: 'hub' | 's3' | 'package',
    /** Hub id, key prefix, or model package ARN. */
    readonly location: string,
    readonly datasets?: IDatasetStore,
    readonly revision?: string,
  ) {}

  /**
   * What `revision` names: `commit` (pinned), `pull-request`, or `branch-or-tag` (may move between deploys);
   * undefined without a revision (the Hub's default branch) or for an unusable one (reported at synth).
   */
  get revisionKind(): RevisionKind | undefined {
    return this.revision === undefined ? undefined : checkRevision(this.revision).kind;
  }
}

/** What the autoscaling policy tracks. */
export class ScalingTarget {
  /** Invocations per instance per minute (SageMakerVariantInvocationsPerInstance). */
  static invocationsPerInstance(perMinute: number): ScalingTarget {
    return new ScalingTarget(appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE, perMinute);
  }

  /** Requests in flight per model copy, at high resolution (SageMakerVariantConcurrentRequestsPerModelHighResolution). */
  static concurrentRequestsPerModel(requests: number): ScalingTarget {
    return new ScalingTarget(appscaling.PredefinedMetric.SAGEMAKER_VARIANT_CONCURRENT_REQUESTS_PER_MODEL_HIGH_RESOLUTION, requests);
  }

  private constructor(readonly metric: appscaling.PredefinedMetric, readonly value: number) {}
}

export interface EndpointAutoScaling {
  /** Instances at the least. */
  readonly minInstances: number;
  /** Instances at the most. */
  readonly maxInstances: number;
  /** @default - concurrent requests per model = the batch one instance decodes */
  readonly target?: ScalingTarget;
  /** @default Duration.minutes(10): LLM instances take minutes to load, so scale in slowly */
  readonly scaleInCooldown?: Duration;
  /** @default Duration.minutes(2) */
  readonly scaleOutCooldown?: Duration;
}

/** Inference components: the model as copies on a managed pool of instances, plus LoRA adapters. */
export interface InferenceComponentsMode {
  /** @default 1 */
  readonly initialCopies?: number;
  /** Copies at the least; 0 lets the model scale to zero when idle. @default 1 */
  readonly minCopies?: number;
  /** @default - as many as maxInstances hold */
  readonly maxCopies?: number;
  /** LoRA adapters served on top of the base model: name -> key prefix in the dataset store. @default - none */
  readonly adapters?: Readonly<Record<string, string>>;
}

export interface EndpointAlarms {
  /**
   * Where alarms notify.
   * @default - a new KMS-encrypted SNS topic
   */
  readonly topic?: sns.ITopic;
  /** @default 5 server errors in 5 minutes */
  readonly serverErrorsThreshold?: number;
  /** @default Duration.seconds(60) at p90 */
  readonly modelLatencyThreshold?: Duration;
  /**
   * GPU compute busy, percent per GPU (the metric summed over GPUs, divided by their number), held for 15
   * minutes: the instances are saturated and requests queue. GPU memory is no signal for vLLM, TGI or TensorRT-LLM,
   * which reserve most of it at start.
   * @default 90
   */
  readonly gpuUtilizationPercent?: number;
  /** Host memory (MemoryUtilization) or disk (DiskUtilization) of an instance at or over this percent. @default 90 */
  readonly hostResourcePercent?: number;
}

/** The serving budget an endpoint is sized and configured for. */
export interface ServingLimits {
  /** The longest prompt, in tokens. */
  readonly maxInputTokens: number;
  /** The longest answer, in tokens. */
  readonly maxOutputTokens: number;
  /** Requests one instance (or model copy) decodes at once. */
  readonly concurrency: number;
}

export interface InferenceEndpointProps {
  /**
   * The execution role SageMaker runs the model as. It receives the policies the endpoint needs (image pull, logs,
   * metrics, weights, capture, VPC); its trust policy must let sagemaker.amazonaws.com assume it.
   * @default - a new role, assumable by SageMaker in this account only
   */
  readonly role?: iam.IRole;
  /** Where the weights come from. */
  readonly source: ModelSource;
  /**
   * The model to size, by its catalog id.
   * @default - `architecture`, or else the Hugging Face id of `source`, which must then be in the catalog
   */
  readonly model?: string;
  /** The model to size, for a model outside the catalog: the facts from its config.json. @default - `model` */
  readonly architecture?: ModelArchitecture;
  /** The serving budget: longest prompt, longest answer, and requests one instance decodes at once. */
  readonly limits: ServingLimits;
  /** @default ServingContainer.LMI_VLLM */
  readonly container?: ServingContainer;
  /** @default Quantization.NONE */
  readonly quantization?: Quantization;
  /**
   * The instance type. Validated against the model's memory needs.
   * @default - the cheapest instance that holds the model with this container and quantization
   */
  readonly instanceType?: InstanceType;
  /** Datasets: data capture goes to its captures prefix, and `ModelSource.fromDatasetStore` reads from it. @default - no data capture */
  readonly datasets?: IDatasetStore;
  /** Percentage of requests (and their responses) captured to the dataset store. @default - no capture */
  readonly dataCaptureSamplingPercentage?: number;
  /** @default - one instance, no autoscaling */
  readonly autoScaling?: EndpointAutoScaling;
  /** Serve through inference components instead of a single model per instance. @default - a single model */
  readonly inferenceComponents?: InferenceComponentsMode;
  /**
   * Encrypts the instance's ML storage volume. Not allowed on instance families with local NVMe storage
   * (SageMaker rejects it there; that storage is encrypted by the instance hardware).
   * @default - a new KMS key when the instance has no NVMe storage
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /** @default - no VPC */
  readonly vpc?: ec2.IVpc;
  /** @default - the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** @default - a new security group without ingress */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Block all network access from the container. Needs weights from S3 or a model package (no hub download).
   * @default - true when the weights come from S3 or a model package, false for the hub
   */
  readonly networkIsolation?: boolean;
}

/** An endpoint created elsewhere. */
export interface InferenceEndpointAttributes {
  readonly endpointName: string;
  /** The inference component to invoke, when the endpoint hosts components. @default - none */
  readonly inferenceComponentName?: string;
}

/** An invocable SageMaker endpoint. */
export interface IInferenceEndpoint extends IResource {
  readonly endpointName: string;
  readonly endpointArn: string;
  /**
   * The inference component that serves the model, when the endpoint hosts components: InvokeEndpoint then
   * needs it as InferenceComponentName (SageMaker API reference, InvokeEndpoint).
   */
  readonly inferenceComponentName?: string;
  /** InvokeEndpoint and InvokeEndpointWithResponseStream on this endpoint. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;
}

const VARIANT = 'AllTraffic';

/** What an endpoint created here and an imported one share: invoke grants and metrics. */
export abstract class EndpointBase extends Resource implements IInferenceEndpoint {
  abstract readonly endpointName: string;
  abstract readonly endpointArn: string;
  readonly inferenceComponentName?: string;

  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint', 'sagemaker:InvokeEndpointWithResponseStream'],
      resourceArns: [
        this.endpointArn,
        ...(this.inferenceComponentName ? [stack.formatArn({ service: 'sagemaker', resource: 'inference-component', resourceName: this.inferenceComponentName })] : []),
      ],
    });
  }
}

/** A sized, encrypted, monitored SageMaker endpoint serving an LLM. */
export class InferenceEndpoint extends EndpointBase {
  static fromEndpointAttributes(scope: Construct, id: string, attrs: InferenceEndpointAttributes): IInferenceEndpoint {
    class Import extends EndpointBase {
      readonly endpointName = attrs.endpointName;
      readonly inferenceComponentName = attrs.inferenceComponentName;
      readonly endpointArn = Stack.of(scope).formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: attrs.endpointName.toLowerCase() });
    }
    return new Import(scope, id);
  }

  readonly endpointName: string;
  readonly endpointArn: string;
  /** The execution role SageMaker runs the model as. */
  readonly role: iam.IRole;
  /**
   * The sizing behind the endpoint (memory, candidates, the reason each other instance was rejected).
   *
   * TypeScript and JavaScript only, as ServingEstimate is.
   *
   * @jsii ignore
   */
  readonly estimate: ServingEstimate;
  /**
   * The instance and tensor-parallel degree chosen.
   *
   * TypeScript and JavaScript only, as ServingEstimate is.
   *
   * @jsii ignore
   */
  readonly placement: ServingCandidate;
  readonly container: ServingContainer;
  readonly quantization: Quantization;
  /** The environment the container receives. */
  readonly environment: Readonly<Record<string, string>>;
  /** The alarms `addAlarms` made; empty until it is called. */
  readonly alarms: cloudwatch.Alarm[] = [];
  private topic?: sns.ITopic;
  private readonly acceleratorKind: AcceleratorKind;
  private readonly acceleratorCount: number;
  private readonly variantName = VARIANT;
  private componentName?: string;
  /**
   * The SageMaker inference AMI the endpoint pins because the image's CUDA needs a newer NVIDIA driver than the
   * instance family's default (e.g. al2023-ami-sagemaker-inference-gpu-4-1, driver 580, for CUDA 13.0 images).
   */
  readonly inferenceAmiVersion?: string;

  constructor(scope: Construct, id: string, props: InferenceEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.container = props.container ?? ServingContainer.LMI_VLLM;
    this.quantization = props.quantization ?? Quantization.NONE;
    const region = stack.region;
    validateProps(this, props, region);

    const sizingModel = props.architecture ?? props.model ?? (props.source.kind === 'hub' ? props.source.location : undefined)!;
    const { maxInputTokens, maxOutputTokens, concurrency } = props.limits;
    this.estimate = estimateServing({
      model: sizingModel,
      precision: this.quantization.precision,
      contextTokens: maxInputTokens + maxOutputTokens,
      concurrency,
    });
    this.placement = choosePlacement(this, this.estimate, this.container, this.quantization, props.instanceType);
    const instance = InstanceCatalog.DEFAULT.get(this.placement.instanceType);
    // The image must exist in the region, run on the GPU, and get a new enough driver (lib/compatibility).
    const host = hostRequirements(this.container, instance, Token.isUnresolved(region) ? undefined : region);
    throwIfProblems(this, 'InferenceEndpoint', host.problems);
    this.inferenceAmiVersion = host.inferenceAmiVersion;

    // Explicit names keep the role's log permissions, alarms and scaling exact (no wildcards).
    this.endpointName = Names.uniqueResourceName(this, { maxLength: 63, separator: '-' }).toLowerCase();
    this.endpointArn = stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: this.endpointName });

    const image = resolveImage(this, this.container);
    if (props.inferenceComponents) (this as { inferenceComponentName?: string }).inferenceComponentName = `${this.endpointName.slice(0, 55)}-model`;
    this.role = createEndpointRole(this, 'Role', {
      repositoryArn: props.source.kind === 'package' ? undefined : image.repositoryArn,
      endpointName: this.endpointName,
      inferenceComponentNames: props.inferenceComponents ? [this.inferenceComponentName!, ...Object.keys(props.inferenceComponents.adapters ?? {}).map((name) => adapterComponentName(this.endpointName, name))] : [],
      inVpc: props.vpc !== undefined,
      role: props.role,
    });

    const modelId = props.source.kind === 'hub' ? props.source.location : '/opt/ml/model';
    const adapters = Object.keys(props.inferenceComponents?.adapters ?? {}).length > 0;
    this.environment = containerEnvironment({
      enableLora: adapters,
      container: this.container,
      quantization: this.quantization,
      modelId,
      revision: props.source.revision,
      instance,
      tensorParallelDegree: this.placement.tensorParallelDegree,
      maxInputTokens,
      maxOutputTokens,
      maxConcurrentRequests: concurrency,
    });

    const networkIsolation = props.networkIsolation ?? props.source.kind !== 'hub';
    const vpcConfig = props.vpc ? this.vpcConfig(props) : undefined;
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      enableNetworkIsolation: networkIsolation,
      vpcConfig,
      primaryContainer: this.containerDefinition(props, image.imageUri),
    });
    model.node.addDependency(this.role);

    const timeouts = startupTimeouts(this.estimate.memory.weightsGiB, { compilesAtStartup: this.container.family === ContainerFamily.NEURON });
    const nvme = hasLocalNvmeStorage(this.placement.instanceType);
    // The volumes hold only the container's scratch space and a copy of the weights: the key goes with them.
    const volumeKey = nvme ? undefined : props.volumeEncryptionKey ?? createKitKey(this, 'VolumeKey', {
      description: `Encrypts the ML storage volumes of endpoint ${this.endpointName}`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const captureKey = props.datasets?.encryptionKey;
    if (props.dataCaptureSamplingPercentage !== undefined) props.datasets!.grantWrite(this.role, DatasetPrefix.CAPTURES);

    const ic = props.inferenceComponents;
    const volumeSizeInGb = endpointVolumeGB(this.placement.instanceType, this.estimate.memory.weightsGiB);
    const minInstances = props.autoScaling?.minInstances ?? 1;
    const maxInstances = props.autoScaling?.maxInstances ?? minInstances;
    const config = new sagemaker.CfnEndpointConfig(this, 'Config', {
      kmsKeyId: volumeKey?.keyArn,
      executionRoleArn: ic ? this.role.roleArn : undefined,
      productionVariants: [{
        variantName: this.variantName,
        instanceType: this.placement.instanceType,
        initialInstanceCount: minInstances === 0 ? 1 : minInstances,
        ...(ic ? {
          managedInstanceScaling: { status: 'ENABLED', minInstanceCount: minInstances, maxInstanceCount: maxInstances },
          routingConfig: { routingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
        } : {
          modelName: model.attrModelName,
          initialVariantWeight: 1,
          containerStartupHealthCheckTimeoutInSeconds: timeouts.containerStartupHealthCheckTimeoutInSeconds,
          modelDataDownloadTimeoutInSeconds: timeouts.modelDataDownloadTimeoutInSeconds,
        }),
        ...(volumeSizeInGb === undefined ? {} : { volumeSizeInGb }),
        ...(this.inferenceAmiVersion === undefined ? {} : { inferenceAmiVersion: this.inferenceAmiVersion }),
      }],
      dataCaptureConfig: props.dataCaptureSamplingPercentage === undefined ? undefined : {
        enableCapture: true,
        initialSamplingPercentage: props.dataCaptureSamplingPercentage,
        destinationS3Uri: props.datasets!.s3UriFor(DatasetPrefix.CAPTURES) + this.endpointName,
        kmsKeyId: captureKey?.keyArn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
        captureContentTypeHeader: { jsonContentTypes: ['application/json'] },
      },
    });
    if (volumeKey) volumeKey.grant(this.role, 'kms:CreateGrant', 'kms:DescribeKey');

    const endpoint = new sagemaker.CfnEndpoint(this, 'Resource', {
      endpointName: this.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
    });
    endpoint.node.addDependency(this.role);

    if (ic) {
      this.componentName = this.inferenceComponentName;
      this.addInferenceComponents(endpoint, model, ic, props, timeouts, instance.acceleratorCount);
    } else if (props.autoScaling) {
      this.addAutoScaling(endpoint, props.autoScaling, concurrency);
    }
    this.acceleratorKind = instance.accelerator.kind;
    this.acceleratorCount = instance.acceleratorCount;
  }

  /** Where the alarms notify, once `addAlarms` made them. */
  get alarmTopic(): sns.ITopic | undefined {
    return this.topic;
  }

  /**
   * CloudWatch alarms on the endpoint, notifying a topic: 5xx errors, p90 model latency, GPUs saturated (per GPU),
   * instance memory and disk. Call it once.
   * @returns the topic they notify
   */
  addAlarms(options: EndpointAlarms = {}): sns.ITopic {
    if (this.topic) throw new PropsError(this.node.path, ['addAlarms was already called: an endpoint has one set of alarms; pass every option in one call.']);
    this.topic = this.createAlarms(options, this.acceleratorKind, this.acceleratorCount);
    return this.topic;
  }

  private containerDefinition(props: InferenceEndpointProps, image: string): sagemaker.CfnModel.ContainerDefinitionProperty {
    const source = props.source;
    if (source.kind === 'package') {
      return { modelPackageName: source.location, environment: this.environment };
    }
    if (source.kind === 'hub') return { image, environment: this.environment };
    source.datasets!.grantRead(this.role, DatasetPrefix.MODELS);
    return {
      image,
      environment: this.environment,
      modelDataSource: {
        s3DataSource: {
          s3Uri: `s3://${source.datasets!.bucket.bucketName}/${source.location}`,
          s3DataType: 'S3Prefix',
          compressionType: 'None',
        },
      },
    };
  }

  private vpcConfig(props: InferenceEndpointProps): sagemaker.CfnModel.VpcConfigProperty {
    const subnets = props.vpc!.selectSubnets(props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS });
    const groups = props.securityGroups ?? [new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc!,
      description: `Endpoint ${this.endpointName}: egress only`,
      allowAllOutbound: true,
    })];
    return { subnets: subnets.subnetIds, securityGroupIds: groups.map((g) => g.securityGroupId) };
  }

  private addAutoScaling(endpoint: sagemaker.CfnEndpoint, scaling: EndpointAutoScaling, concurrency: number): void {
    const target = new appscaling.ScalableTarget(this, 'Scaling', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpointName}/variant/${this.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: scaling.minInstances,
      maxCapacity: scaling.maxInstances,
    });
    target.node.addDependency(endpoint);
    const goal = scaling.target ?? ScalingTarget.concurrentRequestsPerModel(concurrency);
    target.scaleToTrackMetric('Tracking', {
      predefinedMetric: goal.metric,
      targetValue: goal.value,
      scaleInCooldown: scaling.scaleInCooldown ?? Duration.minutes(10),
      scaleOutCooldown: scaling.scaleOutCooldown ?? Duration.minutes(2),
    });
  }

  private addInferenceComponents(
    endpoint: sagemaker.CfnEndpoint, model: sagemaker.CfnModel, ic: InferenceComponentsMode, props: InferenceEndpointProps,
    timeouts: ReturnType<typeof startupTimeouts>, devices: number,
  ): void {
    const base = new sagemaker.CfnInferenceComponent(this, 'Component', {
      inferenceComponentName: this.componentName,
      endpointName: endpoint.attrEndpointName,
      variantName: this.variantName,
      specification: {
        modelName: model.attrModelName,
        computeResourceRequirements: {
          numberOfAcceleratorDevicesRequired: Math.min(this.placement.tensorParallelDegree, devices),
          minMemoryRequiredInMb: 1024,
        },
        startupParameters: {
          containerStartupHealthCheckTimeoutInSeconds: timeouts.containerStartupHealthCheckTimeoutInSeconds,
          modelDataDownloadTimeoutInSeconds: timeouts.modelDataDownloadTimeoutInSeconds,
        },
      },
      runtimeConfig: { copyCount: ic.initialCopies ?? 1 },
    });
    for (const [name, prefix] of Object.entries(ic.adapters ?? {})) {
      props.datasets!.grantRead(this.role, DatasetPrefix.MODELS);
      const adapter = new sagemaker.CfnInferenceComponent(this, `Adapter${name}`, {
        inferenceComponentName: adapterComponentName(this.endpointName, name),
        endpointName: endpoint.attrEndpointName,
        specification: {
          baseInferenceComponentName: this.componentName,
          container: { artifactUrl: `s3://${props.datasets!.bucket.bucketName}/${prefix}` },
        },
      });
      adapter.node.addDependency(base);
    }
    const minCopies = ic.minCopies ?? 1;
    const maxCopies = ic.maxCopies ?? (props.autoScaling?.maxInstances ?? 1) * Math.max(1, Math.floor(devices / this.placement.tensorParallelDegree));
    const target = new appscaling.ScalableTarget(this, 'CopyScaling', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `inference-component/${this.componentName}`,
      scalableDimension: 'sagemaker:inference-component:DesiredCopyCount',
      minCapacity: minCopies,
      maxCapacity: maxCopies,
    });
    target.node.addDependency(base);
    target.scaleToTrackMetric('Tracking', {
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_INFERENCE_COMPONENT_CONCURRENT_REQUESTS_PER_COPY_HIGH_RESOLUTION,
      targetValue: props.limits.concurrency,
      scaleInCooldown: Duration.minutes(10),
      scaleOutCooldown: Duration.minutes(2),
    });
    if (minCopies === 0) {
      // Target tracking cannot scale out from zero copies (there is no per-copy metric): a request that finds
      // no copy raises NoCapacityInvocationFailures, which starts one (SageMaker developer guide, "Scale an
      // endpoint to zero instances").
      target.scaleOnMetric('FromZero', {
        metric: new cloudwatch.Metric({
          namespace: 'AWS/SageMaker',
          metricName: 'NoCapacityInvocationFailures',
          dimensionsMap: { InferenceComponentName: this.componentName! },
          statistic: 'Maximum',
          period: Duration.minutes(1),
        }),
        scalingSteps: [{ upper: 0, change: 0 }, { lower: 1, change: 1 }],
        adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
        cooldown: Duration.minutes(2),
      });
    }
  }

  private createAlarms(options: EndpointAlarms, kind: AcceleratorKind, gpus: number): sns.ITopic {
    const group = new Construct(this, 'Alarms');
    const topic = options.topic ?? newAlarmTopic(group);
    const action = new cw_actions.SnsAction(topic);
    const add = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const alarm = new cloudwatch.Alarm(group, id, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      this.alarms.push(alarm);
    };
    add('ServerErrors', this.metricInvocation5XXErrors({ period: Duration.minutes(5) }), options.serverErrorsThreshold ?? 5,
      `${this.endpointName}: the model container returned 5xx errors.`);
    const latency = options.modelLatencyThreshold ?? Duration.seconds(60);
    add('ModelLatency', this.metricModelLatency({ statistic: 'p90', period: Duration.minutes(5) }), latency.toSeconds() * 1_000_000,
      `${this.endpointName}: p90 model latency at or over ${latency.toHumanString()}.`);
    if (kind === AcceleratorKind.GPU) {
      // /aws/sagemaker/Endpoints GPU metrics run 0-100 times the number of GPUs (SageMaker developer guide, "Amazon
      // SageMaker AI metrics in Amazon CloudWatch"): divided by the GPU count, the threshold is per GPU.
      const perGpu = new cloudwatch.MathExpression({
        expression: `m / ${gpus}`,
        usingMetrics: { m: this.metricGpuUtilization({ period: Duration.minutes(5) }) },
        label: 'GPU utilization per GPU (%)',
        period: Duration.minutes(5),
      });
      const busy = options.gpuUtilizationPercent ?? 90;
      add('GpuSaturated', perGpu, busy, `${this.endpointName}: GPUs over ${busy}% busy for 15 minutes; requests queue. Scale out or lower the load.`, 3);
    }
    const host = options.hostResourcePercent ?? 90;
    add('HostMemory', this.metricHostMemoryUtilization({ period: Duration.minutes(5) }), host,
      `${this.endpointName}: instance memory at or over ${host}%; the container may be killed for memory.`);
    add('Disk', this.metricDiskUtilization({ period: Duration.minutes(5) }), host,
      `${this.endpointName}: instance disk at or over ${host}%; model downloads and logs may fail.`);
    return topic;
  }

  /** Invocations (AWS/SageMaker). */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'Invocations', 'Sum', props);
  }

  /** Requests the container answered with 5xx (AWS/SageMaker). */
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'Invocation5XXErrors', 'Sum', props);
  }

  /** Requests rejected with 4xx (AWS/SageMaker). */
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'Invocation4XXErrors', 'Sum', props);
  }

  /** Time the container took to answer, in microseconds (AWS/SageMaker). */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'ModelLatency', 'Average', props);
  }

  /** SageMaker's own overhead per request, in microseconds (AWS/SageMaker). */
  metricOverheadLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('AWS/SageMaker', 'OverheadLatency', 'Average', props);
  }

  /** GPU memory in use, percent summed over GPUs (/aws/sagemaker/Endpoints). */
  metricGpuMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'GPUMemoryUtilization', 'Average', props);
  }

  /** GPU compute in use, percent summed over GPUs (/aws/sagemaker/Endpoints). */
  metricGpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'GPUUtilization', 'Average', props);
  }

  /** Instance memory in use, percent (0-100, /aws/sagemaker/Endpoints). */
  metricHostMemoryUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'MemoryUtilization', 'Average', props);
  }

  /** Instance disk in use, percent (0-100, /aws/sagemaker/Endpoints). */
  metricDiskUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.variantMetric('/aws/sagemaker/Endpoints', 'DiskUtilization', 'Average', props);
  }

  private variantMetric(namespace: string, metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace,
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      statistic,
      ...props,
    });
  }
}

/** Adapter inference components are named after the endpoint and the adapter, within SageMaker's 63 characters. */
function adapterComponentName(endpointName: string, adapter: string): string {
  return `${endpointName.slice(0, 40)}-${adapter}`.slice(0, 63);
}

/**
 * The ML storage volume of an instance without local disks: "If the size of the model is larger than 30 GB and
 * you are using an instance without a local disk, you should increase" VolumeSizeInGB (SageMaker developer
 * guide, "Endpoint parameters for large model inference"). Room for the weights twice (download and load) and 20
 * GB for the container; undefined where SageMaker's default serves (instance storage, or small models).
 */
export function endpointVolumeGB(instanceType: string, weightsGiB: number): number | undefined {
  if (hasLocalNvmeStorage(instanceType)) return undefined;
  const weightsGB = (weightsGiB * 2 ** 30) / 1e9;
  if (weightsGB <= 30) return undefined;
  return Math.min(512, Math.ceil(2 * weightsGB + 20));
}

/** The instance: the one given (checked) or the cheapest that holds the model with this container and quantization. */
function choosePlacement(
  scope: Construct, estimate: ServingEstimate, container: ServingContainer, quantization: Quantization, instanceType?: InstanceType | string,
): ServingCandidate {
  const compatible = estimate.candidates.filter((c) =>
    compatibilityProblems(container, quantization, InstanceCatalog.DEFAULT.get(c.instanceType)).length === 0);
  const cheapest = compatible[0];
  const serving = `${container.name} and ${quantization.method === QuantizationMethod.NONE ? 'no quantization' : quantization}`;
  const alternative = cheapest
    ? `Cheapest that fits with ${serving}: ${cheapest.instanceType} (TP ${cheapest.tensorParallelDegree}).`
    : `No instance in the catalog holds it with ${serving}; quantize, shorten the context, lower the concurrency or choose a smaller model.`;
  if (instanceType === undefined) {
    if (!cheapest) {
      // Say why the combination fails where it would otherwise fit, rather than only that nothing fits.
      const nearest = estimate.candidates.find((c) => c.acceleratorKind === container.acceleratorKind) ?? estimate.candidates[0];
      const reasons = nearest ? compatibilityProblems(container, quantization, InstanceCatalog.DEFAULT.get(nearest.instanceType)) : [];
      throwIfProblems(scope, 'InferenceEndpoint', reasons.length > 0 ? reasons : [`${describeNeed(estimate)}. ${alternative}`]);
    }
    return cheapest;
  }
  const type = String(instanceType);
  const spec = InstanceCatalog.DEFAULT.lookup(type);
  if (spec === undefined) {
    throwIfProblems(scope, 'InferenceEndpoint', [`instanceType "${type}" is not in the instance catalog, so the kit cannot check that it holds the model; allowed: ${InstanceCatalog.DEFAULT.types().join(', ')}.`]);
  }
  const incompatible = compatibilityProblems(container, quantization, spec!);
  const fit = estimate.candidates.find((c) => c.instanceType === type);
  const rejection = estimate.rejected.find((r) => r.instanceType === type);
  const problems = [...incompatible];
  // The rejection reason restates the need; keep only what the instance has.
  if (!fit) problems.push(`${describeNeed(estimate)}; ${type}: ${(rejection?.reason ?? 'does not hold it').replace(/^needs [\d.,]+ GiB( of weights and KV cache)?; /, '')}. ${alternative}`);
  throwIfProblems(scope, 'InferenceEndpoint', problems);
  return fit!;
}

function validateProps(scope: Construct, props: InferenceEndpointProps, region: string): void {
  const problems: string[] = [];
  const { maxInputTokens, maxOutputTokens, concurrency } = props.limits;
  for (const [name, value] of [['limits.maxInputTokens', maxInputTokens], ['limits.maxOutputTokens', maxOutputTokens], ['limits.concurrency', concurrency]] as const) {
    if (!Number.isInteger(value) || value < 1) problems.push(`${name} is ${value}; use a whole number of at least 1.`);
  }
  if (props.model !== undefined && props.architecture !== undefined) {
    problems.push(`model is "${props.model}" and architecture is "${props.architecture.id}": give one, the catalog id or the architecture.`);
  }
  if (props.model === undefined && props.architecture === undefined && props.source.kind !== 'hub') {
    problems.push('model is missing: weights from S3 or a model package need the catalog id (or architecture) of the model to size it, e.g. model: "meta-llama/Llama-3.1-8B-Instruct".');
  }
  if (props.networkIsolation && props.source.kind === 'hub') {
    problems.push(`networkIsolation is true, but the weights come from the Hugging Face Hub (${props.source.location}), which an isolated container cannot reach. Copy the weights to S3 (ModelSource.fromDatasetStore) or turn isolation off.`);
  }
  const pct = props.dataCaptureSamplingPercentage;
  if (pct !== undefined) {
    if (!Number.isInteger(pct) || pct < 0 || pct > 100) problems.push(`dataCaptureSamplingPercentage is ${pct}; use a whole number from 0 to 100.`);
    if (!props.datasets) problems.push('dataCaptureSamplingPercentage is set but datasets is not: captures are written to the dataset store\'s captures/ prefix. Pass datasets.');
  }
  if (props.source.kind === 's3' && !props.source.location.startsWith(DatasetPrefix.MODELS)) {
    problems.push(`source key prefix "${props.source.location}" is not under ${DatasetPrefix.MODELS}; model weights live under the store's models/ prefix.`);
  }
  if (props.inferenceComponents?.adapters && !props.datasets) {
    problems.push('inferenceComponents.adapters are set but datasets is not: adapters are read from the dataset store. Pass datasets.');
  }
  const container = props.container ?? ServingContainer.LMI_VLLM;
  if (Object.keys(props.inferenceComponents?.adapters ?? {}).length > 0 && !(container.family === ContainerFamily.LMI && container.lmiRollingBatch === 'vllm')) {
    // LoRA adapter inference components load through LMI's vLLM adapter support (djl-serving serving/docs/adapters.md).
    problems.push(`inferenceComponents.adapters are set with ${container.name}; adapter inference components need LMI with vLLM (ServingContainer.LMI_VLLM).`);
  }
  const scaling = props.autoScaling;
  if (scaling) {
    const minAllowed = props.inferenceComponents ? 0 : 1;
    if (!Number.isInteger(scaling.minInstances) || scaling.minInstances < minAllowed) {
      problems.push(`autoScaling.minInstances is ${scaling.minInstances}; use a whole number of at least ${minAllowed}${minAllowed === 1 ? ' (only inference components scale to zero)' : ''}.`);
    }
    if (!Number.isInteger(scaling.maxInstances) || scaling.maxInstances < Math.max(1, scaling.minInstances)) {
      problems.push(`autoScaling.maxInstances is ${scaling.maxInstances}; use a whole number of at least minInstances (${scaling.minInstances}) and 1.`);
    }
  }
  if (props.inferenceComponents && props.container?.acceleratorKind === AcceleratorKind.NEURON) {
    problems.push('inferenceComponents are set with a Neuron container; the kit places inference components on GPU instances only. Use a GPU container or a single model per instance.');
  }
  const minCopies = props.inferenceComponents?.minCopies;
  if (minCopies !== undefined && (!Number.isInteger(minCopies) || minCopies < 0)) problems.push(`inferenceComponents.minCopies is ${minCopies}; use a whole number of at least 0.`);
  if (!Token.isUnresolved(region)) {
    try {
      props.container?.imageUri(region);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  throwIfProblems(scope, 'InferenceEndpoint', problems);
}
