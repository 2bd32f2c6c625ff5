// A SageMaker real-time endpoint for an LLM, sized by the sizing engine: the serving container and its
// settings, quantization, the instance and tensor-parallel degree, startup timeouts, encryption, data
// capture, autoscaling (or inference components) and alarms, all checked at synth.
import { type Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { CapacitySchedule } from '../config/capacity-schedule';
import { DatasetPrefix } from '../config/dataset-layout';
import { ContainerFamily, hostRequirements, Quantization, ServingContainer, containerEnvironment, hasLocalNvmeStorage, startupTimeouts } from '../serving';
import { AcceleratorKind } from '../sizing/accelerators';
import { InstanceCatalog, type InstanceType } from '../sizing/instances';
import type { ModelArchitecture, ModelCatalog } from '../sizing/models';
import { estimateServing, type ServingCandidate, type ServingEstimate } from '../sizing';
import type { IDatasetStore } from './dataset-store';
import { EndpointBase, type IInferenceEndpoint, type InferenceEndpointAttributes } from './endpoint-base';
import type { EndpointAutoScaling, InferenceComponentsMode } from './endpoint-scaling';
import type { ModelSource } from './model-source';
import { createEndpointAlarms } from './private/endpoint-alarms';
import { addInferenceComponents, addSchedule, addVariantScaling } from './private/endpoint-capacity';
import { capacityMinimum, choosePlacement, validateProps } from './private/endpoint-checks';
import { ENDPOINT_VARIANT, adapterComponentName } from './private/endpoint-names';
import { createEndpointRole } from './private/endpoint-role';
import { resolveImage } from './private/image';
import { createKitKey } from './private/kms';
import { PropsError, throwIfProblems } from './private/problems';

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
  /**
   * The models `model` is looked up in: `ModelCatalog.DEFAULT.withModels(...)` for models of your own.
   * @default ModelCatalog.DEFAULT
   */
  readonly models?: ModelCatalog;
  /**
   * The instances the endpoint may run on, with their prices: `InstanceCatalog.DEFAULT.withPrices(...)` for your
   * own prices, so the cheapest instance that holds the model is chosen by them.
   * @default InstanceCatalog.DEFAULT
   */
  readonly instances?: InstanceCatalog;
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
   * Lower the minimum outside working hours (scheduled actions on the scalable target, in the schedule's time
   * zone): copies with inference components (down to 0), else instances (down to 1, with autoScaling).
   * @default - the same minimum around the clock
   */
  readonly schedule?: CapacitySchedule;
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

/** A sized, encrypted, monitored SageMaker endpoint serving an LLM. */
export class InferenceEndpoint extends EndpointBase {
  static fromEndpointAttributes(scope: Construct, id: string, attrs: InferenceEndpointAttributes): IInferenceEndpoint {
    class Import extends EndpointBase {
      readonly endpointName = attrs.endpointName;
      readonly inferenceComponentName = attrs.inferenceComponentName;
      readonly variantName = attrs.variantName ?? ENDPOINT_VARIANT;
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
  /** GPUs on each instance (SageMaker sums their utilization); 0 on Inferentia. */
  readonly gpusPerInstance: number;
  readonly variantName = ENDPOINT_VARIANT;
  /**
   * What Application Auto Scaling scales: the variant's instances, or the inference component's copies; add your
   * own scheduled actions or policies to it. Undefined for a fixed endpoint (no autoScaling, no components).
   */
  readonly scalableTarget?: appscaling.ScalableTarget;
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

    const sizingModel = props.architecture ?? props.model ?? props.source.hubModelId!;
    const { maxInputTokens, maxOutputTokens, concurrency } = props.limits;
    const instances = props.instances ?? InstanceCatalog.DEFAULT;
    this.estimate = estimateServing({
      model: sizingModel,
      models: props.models,
      instances,
      precision: this.quantization.precision,
      contextTokens: maxInputTokens + maxOutputTokens,
      concurrency,
    });
    this.placement = choosePlacement(this, this.estimate, this.container, this.quantization, instances, props.instanceType);
    const instance = instances.get(this.placement.instanceType);
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
      repositoryArn: props.source.bringsImage ? undefined : image.repositoryArn,
      endpointName: this.endpointName,
      inferenceComponentNames: props.inferenceComponents ? [this.inferenceComponentName!, ...Object.keys(props.inferenceComponents.adapters ?? {}).map((name) => adapterComponentName(this.endpointName, name))] : [],
      inVpc: props.vpc !== undefined,
      role: props.role,
    });

    const adapters = Object.keys(props.inferenceComponents?.adapters ?? {}).length > 0;
    this.environment = containerEnvironment({
      enableLora: adapters,
      container: this.container,
      quantization: this.quantization,
      modelId: props.source.containerModelId,
      revision: props.source.revision,
      instance,
      tensorParallelDegree: this.placement.tensorParallelDegree,
      maxInputTokens,
      maxOutputTokens,
      maxConcurrentRequests: concurrency,
    });

    const networkIsolation = props.networkIsolation ?? !props.source.needsNetwork;
    const vpcConfig = props.vpc ? this.vpcConfig(props) : undefined;
    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      enableNetworkIsolation: networkIsolation,
      vpcConfig,
      primaryContainer: props.source.bind(this, { role: this.role, imageUri: image.imageUri, environment: { ...this.environment } }).containerDefinition,
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
      this.scalableTarget = addInferenceComponents(this, endpoint, ic, {
        componentName: this.inferenceComponentName!, variantName: this.variantName, model, role: this.role, datasets: props.datasets,
        tensorParallelDegree: this.placement.tensorParallelDegree, devices: instance.acceleratorCount, timeouts, concurrency,
        maxInstances: props.autoScaling?.maxInstances,
        scheduledToZero: props.schedule?.offHoursMinimum === 0,
      });
    } else if (props.autoScaling) {
      this.scalableTarget = addVariantScaling(this, endpoint, this.variantName, props.autoScaling, concurrency);
    }
    if (props.schedule && this.scalableTarget) addSchedule(this.scalableTarget, props.schedule, capacityMinimum(props));
    this.acceleratorKind = instance.accelerator.kind;
    this.acceleratorCount = instance.acceleratorCount;
    this.gpusPerInstance = instance.accelerator.kind === AcceleratorKind.GPU ? instance.acceleratorCount : 0;
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
    const { topic, alarms } = createEndpointAlarms(this, this, options, { kind: this.acceleratorKind, count: this.acceleratorCount });
    this.alarms.push(...alarms);
    this.topic = topic;
    return this.topic;
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
