/**
 * SageMaker inference AMIs (`ProductionVariant.InferenceAmiVersion`) with the NVIDIA driver and CUDA version each
 * carries, SageMaker's default driver per instance family for real-time endpoints that set no AMI, and a picker
 * for the AMI that gives at least a driver version.
 *
 * Sources (read 2026-12-02):
 * - The `InferenceAmiVersion` member documentation and the `ProductionVariantInferenceAmiVersion` enum of the
 *   SageMaker service model, as vendored in aws/sagemaker-python-sdk@a24812666d25
 *   `sagemaker-core/sample/sagemaker/2017-07-24/service-2.json` (last changed at 2c7775e89, 2026-08-07); the same five
 *   values are in @aws-sdk/client-sagemaker 3.1142.0 (`ProductionVariantInferenceAmiVersion`). API reference page
 *   "ProductionVariant".
 * - SageMaker developer guide, "Best practices to minimize interruptions during GPU driver upgrades"
 *   (docs.aws.amazon.com/sagemaker/latest/dg/inference-gpu-drivers.html), table "Current versions and supported
 *   instance families", Real-time rows: 470 / CUDA 11.4 for ml.p2, p3, p4d, p4de, g4dn, g5; 535 / CUDA 12.2 for
 *   ml.p5, g6; 550 / CUDA 12.4 for ml.p5e, p5en. A newer revision of the page (seen in its ja_jp copy) adds AMI
 *   columns and keeps 470 default for p4d, p4de, g4dn, g5 and 535 default for p5, g6.
 */
import { type SourceRef, sourced } from './source';

/** The values of the SageMaker `ProductionVariantInferenceAmiVersion` enum. */
export type InferenceAmiVersion =
  | 'al2-ami-sagemaker-inference-gpu-2'
  | 'al2-ami-sagemaker-inference-gpu-2-1'
  | 'al2-ami-sagemaker-inference-gpu-3-1'
  | 'al2023-ami-sagemaker-inference-gpu-4-1'
  | 'al2-ami-sagemaker-inference-neuron-2';

export interface InferenceAmiFacts extends SourceRef {
  readonly version: InferenceAmiVersion;
  readonly accelerator: 'gpu' | 'neuron';
  /** Amazon Linux 2 or Amazon Linux 2023. */
  readonly os: 'al2' | 'al2023';
  /** NVIDIA driver branch (GPU AMIs). */
  readonly nvidiaDriverMajor?: number;
  /** CUDA version of the driver (GPU AMIs). */
  readonly cuda?: string;
  /**
   * "NVIDIA Container Toolkit with disabled CUDA-compat mounting": the host does not mount its own compat libraries
   * over the container's, so an image that bundles cuda-compat can use it.
   */
  readonly cudaCompatMountingDisabled: boolean;
  /** Neuron driver version (Neuron AMIs). */
  readonly neuronDriver?: string;
}

const SERVICE_MODEL = 'aws/sagemaker-python-sdk@a24812666d25 sagemaker-core/sample/sagemaker/2017-07-24/service-2.json ' +
  '(ProductionVariant.InferenceAmiVersion documentation, enum ProductionVariantInferenceAmiVersion); ' +
  'SageMaker API reference "ProductionVariant"';

function gpuAmi(version: InferenceAmiVersion, os: 'al2' | 'al2023', nvidiaDriverMajor: number, cuda: string, cudaCompatMountingDisabled: boolean): InferenceAmiFacts {
  return { version, accelerator: 'gpu', os, nvidiaDriverMajor, cuda, cudaCompatMountingDisabled, ...sourced(SERVICE_MODEL) };
}

/** Every InferenceAmiVersion value, as the service model documents it. */
export const INFERENCE_AMIS: readonly InferenceAmiFacts[] = [
  gpuAmi('al2-ami-sagemaker-inference-gpu-2', 'al2', 535, '12.2', false),
  gpuAmi('al2-ami-sagemaker-inference-gpu-2-1', 'al2', 535, '12.2', true),
  gpuAmi('al2-ami-sagemaker-inference-gpu-3-1', 'al2', 550, '12.4', true),
  gpuAmi('al2023-ami-sagemaker-inference-gpu-4-1', 'al2023', 580, '13.0', true),
  {
    version: 'al2-ami-sagemaker-inference-neuron-2', accelerator: 'neuron', os: 'al2', cudaCompatMountingDisabled: false,
    neuronDriver: '2.19', ...sourced(`${SERVICE_MODEL} ("Accelerator: Inferentia2 and Trainium", "Neuron driver version: 2.19")`),
  },
];

/** SageMaker's default NVIDIA driver for a real-time endpoint without InferenceAmiVersion. */
export interface DefaultDriver extends SourceRef {
  /** Instance family, e.g. `ml.g5`. */
  readonly family: string;
  readonly nvidiaDriverMajor: number;
  readonly cuda: string;
}

const DRIVER_PAGE = 'SageMaker developer guide "Best practices to minimize interruptions during GPU driver upgrades" ' +
  '(docs.aws.amazon.com/sagemaker/latest/dg/inference-gpu-drivers.html), "Current versions and supported instance families", Real-time';

function defaultDriver(family: string, nvidiaDriverMajor: number, cuda: string): DefaultDriver {
  return { family, nvidiaDriverMajor, cuda, ...sourced(DRIVER_PAGE) };
}

/**
 * Default real-time drivers of the GPU families the kit's catalog knows. ml.g6e is listed in neither revision of
 * the page that was read: it has no row, and `defaultRealtimeDriver` answers undefined for it.
 */
export const DEFAULT_REALTIME_DRIVERS: readonly DefaultDriver[] = [
  defaultDriver('ml.g4dn', 470, '11.4'),
  defaultDriver('ml.g5', 470, '11.4'),
  defaultDriver('ml.p4d', 470, '11.4'),
  defaultDriver('ml.p4de', 470, '11.4'),
  defaultDriver('ml.g6', 535, '12.2'),
  defaultDriver('ml.p5', 535, '12.2'),
  defaultDriver('ml.p5e', 550, '12.4'),
  defaultDriver('ml.p5en', 550, '12.4'),
];

/** `ml.g5` for `ml.g5.2xlarge`. */
export function instanceFamily(instanceType: string): string {
  const parts = instanceType.split('.');
  return parts.length >= 3 ? `${parts[0]}.${parts[1]}` : instanceType;
}

/** The default real-time driver of an instance type; undefined for a family the page does not list. */
export function defaultRealtimeDriver(instanceType: string): DefaultDriver | undefined {
  const family = instanceFamily(instanceType);
  return DEFAULT_REALTIME_DRIVERS.find((d) => d.family === family);
}

/** The facts of an InferenceAmiVersion value; undefined for an unknown value. */
export function inferenceAmi(version: string): InferenceAmiFacts | undefined {
  return INFERENCE_AMIS.find((a) => a.version === version);
}

/**
 * The NVIDIA driver branch a real-time endpoint gets: the AMI's when `amiVersion` is set, else the family default;
 * undefined when unknown.
 */
export function realtimeDriverMajor(instanceType: string, amiVersion?: string): number | undefined {
  if (amiVersion !== undefined) return inferenceAmi(amiVersion)?.nvidiaDriverMajor;
  return defaultRealtimeDriver(instanceType)?.nvidiaDriverMajor;
}

/**
 * The GPU AMI with the lowest NVIDIA driver branch that is at least `minimumDriverMajor`; among AMIs with the same
 * driver, the one with CUDA-compat mounting disabled (what AWS's DLC examples use). Undefined when none is new enough.
 */
export function amiForDriver(minimumDriverMajor: number): InferenceAmiFacts | undefined {
  const candidates = INFERENCE_AMIS
    .filter((a) => a.accelerator === 'gpu' && (a.nvidiaDriverMajor ?? 0) >= minimumDriverMajor)
    .sort((a, b) => (a.nvidiaDriverMajor ?? 0) - (b.nvidiaDriverMajor ?? 0) || Number(b.cudaCompatMountingDisabled) - Number(a.cudaCompatMountingDisabled));
  return candidates[0];
}
