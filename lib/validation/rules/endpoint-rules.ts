// Deploy-failure rules for SageMaker endpoints: settings CloudFormation accepts that fail when the endpoint
// is created or when the model loads, or that leave a production endpoint unobserved.
import { dlcRegistry, hasLocalNvmeStorage, startupTimeouts } from '../../serving';
import { InstanceCatalog, shardUnits } from '../../sizing/instances';
import { ModelCatalog } from '../../sizing/models';
import { weightBytes } from '../../sizing/precision';
import { bytesToGiB } from '../../sizing/units';
import { ENDPOINT_INSTANCE_TYPES } from './instance-types';
import { asArray, type CfnTemplate, type IDeployRule, literal, referenced, type RuleContext, type RuleFinding } from './template';

const ENDPOINT_CONFIG = 'AWS::SageMaker::EndpointConfig';
const MODEL = 'AWS::SageMaker::Model';
const ENDPOINT = 'AWS::SageMaker::Endpoint';
/** Deep Learning Containers repositories of LLM serving and training images (reference/sizing-facts.md). */
export const DLC_REPOSITORIES = ['djl-inference', 'huggingface-pytorch-tgi-inference', 'huggingface-vllm', 'huggingface-vllm-inference-neuronx', 'huggingface-pytorch-training'];
const MODEL_ID_VARIABLES = ['HF_MODEL_ID', 'SM_VLLM_MODEL', 'SM_ON_MODEL'];
const TP_VARIABLES = ['TENSOR_PARALLEL_DEGREE', 'SM_NUM_GPUS', 'SM_VLLM_TENSOR_PARALLEL_SIZE', 'SM_ON_TENSOR_PARALLEL_SIZE'];
const QUANTIZE_VARIABLES = ['OPTION_QUANTIZE', 'OPTION_QUANT_ALGO', 'HF_MODEL_QUANTIZE', 'SM_VLLM_QUANTIZATION'];

function variants(ctx: RuleContext): Record<string, unknown>[] {
  return asArray(ctx.resource.Properties?.ProductionVariants);
}

/** The container definition of the model a variant serves. */
function containerOf(template: CfnTemplate, variant: Record<string, unknown>): Record<string, unknown> | undefined {
  const model = referenced(template, variant.ModelName);
  return model?.Type === MODEL ? (model.Properties?.PrimaryContainer as Record<string, unknown> | undefined) : undefined;
}

function environmentOf(container: Record<string, unknown> | undefined): Record<string, unknown> {
  return (container?.Environment as Record<string, unknown> | undefined) ?? {};
}

function isLlmImage(image: string | undefined): boolean {
  return image !== undefined && DLC_REPOSITORIES.some((r) => image.includes(`/${r}:`));
}

export const KMS_KEY_ON_NVME: IDeployRule = {
  id: 'GENAI-SM1',
  title: 'Endpoint config sets KmsKeyId for an instance family with local NVMe storage',
  fix: 'Remove KmsKeyId (the instance storage is encrypted by its hardware), or choose an instance family without local storage (InferenceEndpoint does this for you).',
  resourceTypes: [ENDPOINT_CONFIG],
  check(ctx) {
    if (ctx.resource.Properties?.KmsKeyId === undefined) return [];
    return variants(ctx).flatMap((v, i) => {
      const type = literal(v.InstanceType);
      // SageMaker API reference, CreateEndpointConfig KmsKeyId: "you can't request a KmsKeyId when using an
      // instance type with local storage".
      return type && hasLocalNvmeStorage(type) ? [{ message: `${type} has local NVMe storage, so CreateEndpointConfig rejects KmsKeyId`, location: `ProductionVariants/${i}/InstanceType` }] : [];
    });
  },
};

export const STARTUP_TIMEOUT: IDeployRule = {
  id: 'GENAI-SM2',
  title: 'Container startup health check timeout too short to load the model',
  fix: 'Set ContainerStartupHealthCheckTimeoutInSeconds (and ModelDataDownloadTimeoutInSeconds) to at least the value named; InferenceEndpoint derives them from the model size.',
  resourceTypes: [ENDPOINT_CONFIG],
  check(ctx) {
    return variants(ctx).flatMap((v, i): RuleFinding[] => {
      const container = containerOf(ctx.template, v);
      if (!isLlmImage(literal(container?.Image))) return [];
      const env = environmentOf(container);
      const timeout = typeof v.ContainerStartupHealthCheckTimeoutInSeconds === 'number' ? v.ContainerStartupHealthCheckTimeoutInSeconds : undefined;
      const modelId = MODEL_ID_VARIABLES.map((k) => literal(env[k])).find((x) => x !== undefined);
      const entry = modelId ? ModelCatalog.DEFAULT.lookup(modelId) : undefined;
      const quantized = QUANTIZE_VARIABLES.some((k) => env[k] !== undefined);
      // A catalog model without a quantize setting loads its bf16 weights; otherwise only the floor applies.
      const needed = entry && !entry.managed && !quantized
        ? startupTimeouts(bytesToGiB(weightBytes(entry.architecture, 'bf16').totalBytes)).containerStartupHealthCheckTimeoutInSeconds
        : startupTimeouts(0).containerStartupHealthCheckTimeoutInSeconds;
      if (timeout !== undefined && timeout >= needed) return [];
      const what = entry && !quantized ? `${modelId} at bf16` : 'an LLM';
      return [{ message: `loading ${what} needs at least ${needed} s, but the timeout is ${timeout === undefined ? 'unset (SageMaker\'s default is far shorter)' : `${timeout} s`}`, location: `ProductionVariants/${i}/ContainerStartupHealthCheckTimeoutInSeconds` }];
    });
  },
};

export const TENSOR_PARALLEL_OVER_DEVICES: IDeployRule = {
  id: 'GENAI-SM3',
  title: 'Tensor-parallel degree above the accelerators of the instance',
  fix: 'Lower the degree to the GPUs (or NeuronCores) of the instance, or choose a larger instance; InferenceEndpoint sets it from the sizing engine.',
  resourceTypes: [ENDPOINT_CONFIG],
  check(ctx) {
    return variants(ctx).flatMap((v, i) => {
      const spec = InstanceCatalog.DEFAULT.lookup(literal(v.InstanceType) ?? '');
      if (!spec) return [];
      const env = environmentOf(containerOf(ctx.template, v));
      const units = shardUnits(spec);
      return TP_VARIABLES.flatMap((name) => {
        const degree = Number(literal(env[name]));
        return Number.isInteger(degree) && degree > units.count
          ? [{ message: `${name}=${degree}, but ${spec.instanceType} has ${units.count} ${units.label}s`, location: `ProductionVariants/${i}` }]
          : [];
      });
    });
  },
};

/** The account of a DLC image URI, when it is one. */
export function dlcImageAccount(image: string): { account: string; region: string; repository: string } | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:]+):/.exec(image);
  return m && DLC_REPOSITORIES.includes(m[3]) ? { account: m[1], region: m[2], repository: m[3] } : undefined;
}

/** Checks a DLC image against the stack's region; shared with the training rules. */
export function checkDlcImage(image: string | undefined, region: string | undefined, location: string): RuleFinding[] {
  if (image === undefined || region === undefined) return [];
  const parsed = dlcImageAccount(image);
  if (!parsed) return [];
  const expected = dlcRegistry(region);
  if (parsed.region !== region) return [{ message: `the image is in ${parsed.region}, but the stack deploys to ${region}; ECR pulls for SageMaker must come from the stack's region`, location }];
  if (expected && parsed.account !== expected.account) return [{ message: `the image is in account ${parsed.account}, but Deep Learning Containers in ${region} are published from ${expected.account}`, location }];
  return [];
}

export const DLC_ACCOUNT_MATCHES_REGION: IDeployRule = {
  id: 'GENAI-SM4',
  title: 'Deep Learning Containers image from the wrong account or region',
  fix: 'Use the registry of the stack\'s region (ServingContainer.imageUri(region) resolves it, China and GovCloud included).',
  resourceTypes: [MODEL],
  check(ctx) {
    const container = ctx.resource.Properties?.PrimaryContainer as Record<string, unknown> | undefined;
    return checkDlcImage(literal(container?.Image), ctx.region, 'PrimaryContainer/Image');
  },
};

export const ENDPOINT_INSTANCE_EXISTS: IDeployRule = {
  id: 'GENAI-SM5',
  title: 'Endpoint instance type that does not exist',
  fix: 'Use an instance type SageMaker hosting offers (InstanceType constants in lib/sizing).',
  resourceTypes: [ENDPOINT_CONFIG],
  check(ctx) {
    return variants(ctx).flatMap((v, i) => {
      const type = literal(v.InstanceType);
      return type && !ENDPOINT_INSTANCE_TYPES.has(type) ? [{ message: `${type} is not a SageMaker hosting instance type`, location: `ProductionVariants/${i}/InstanceType` }] : [];
    });
  },
};

export const PRODUCTION_ENDPOINT_OBSERVED: IDeployRule = {
  id: 'GENAI-SM6',
  title: 'Production endpoint without data capture or alarms',
  fix: 'Capture a sample of traffic (dataCaptureSamplingPercentage) and keep InferenceEndpoint\'s alarms on.',
  resourceTypes: [ENDPOINT],
  check(ctx) {
    if (!ctx.production) return [];
    const findings: RuleFinding[] = [];
    const config = referenced(ctx.template, ctx.resource.Properties?.EndpointConfigName);
    const capture = config?.Properties?.DataCaptureConfig as Record<string, unknown> | undefined;
    if (capture?.EnableCapture !== true) findings.push({ message: 'its endpoint config captures no traffic', location: 'EndpointConfigName' });
    const name = literal(ctx.resource.Properties?.EndpointName);
    const alarmed = Object.values(ctx.template.Resources ?? {}).some((r) => r.Type === 'AWS::CloudWatch::Alarm'
      && asArray(r.Properties?.Dimensions).some((d) => d.Name === 'EndpointName' && (name === undefined || d.Value === name)));
    if (!alarmed) findings.push({ message: 'no CloudWatch alarm watches it', location: 'EndpointName' });
    return findings;
  },
};

export const ENDPOINT_RULES: readonly IDeployRule[] = [
  KMS_KEY_ON_NVME, STARTUP_TIMEOUT, TENSOR_PARALLEL_OVER_DEVICES, DLC_ACCOUNT_MATCHES_REGION, ENDPOINT_INSTANCE_EXISTS, PRODUCTION_ENDPOINT_OBSERVED,
];
