/**
 * The serving containers the kit deploys: which image (repository:tag in the regional DLC registry), which
 * accelerator it runs on, and which settings dialect (`ContainerFamily`) its environment speaks.
 * Images and tags: sizing-facts.md §3 (newest seen 2026-08, from aws/deep-learning-containers releases and
 * the Hugging Face SageMaker docs).
 */
import { AcceleratorKind } from '../sizing/accelerators';
import { DLC_REGIONS, dlcRegistry, UnknownRegionError } from './regions';

/** The environment dialect a container speaks (a closed set: one settings translator each). */
export enum ContainerFamily {
  /** djl-serving Large Model Inference: HF_MODEL_ID, TENSOR_PARALLEL_DEGREE, OPTION_* (djl-serving configurations.md). */
  LMI = 'lmi',
  /** Text Generation Inference: HF_MODEL_ID, SM_NUM_GPUS, HF_MODEL_QUANTIZE, launcher env (TGI sagemaker-entrypoint.sh). */
  TGI = 'tgi',
  /** Hugging Face vLLM DLC: every SM_VLLM_<ARG> becomes `--<arg>` of the vLLM server (DLC sagemaker_entrypoint.sh). */
  HF_VLLM = 'hf-vllm',
  /** optimum-neuron vLLM: every SM_ON_<ARG> becomes `--<arg>` of `optimum-cli neuron serve` (optimum-neuron docker/vllm). */
  NEURON = 'neuron',
}

/** Which inference library an LMI image runs (OPTION_ROLLING_BATCH). */
export type LmiRollingBatch = 'vllm' | 'trtllm';

interface ServingContainerOptions {
  readonly name: string;
  readonly family: ContainerFamily;
  readonly acceleratorKind: AcceleratorKind;
  readonly repository?: string;
  readonly tag?: string;
  readonly customImageUri?: string;
  readonly lmiRollingBatch?: LmiRollingBatch;
}

/** A serving image and what it needs. An open set: `ServingContainer.custom()` takes any image. */
export class ServingContainer {
  /** LMI with vLLM (djl-inference:0.36.0-lmi28.0.0-cu130; the SDK "latest" alias was lmi27.0.0, sizing-facts.md §3). */
  public static readonly LMI_VLLM = new ServingContainer({
    name: 'LMI (vLLM)', family: ContainerFamily.LMI, acceleratorKind: AcceleratorKind.GPU,
    repository: 'djl-inference', tag: '0.36.0-lmi28.0.0-cu130', lmiRollingBatch: 'vllm',
  });

  /** LMI with TensorRT-LLM: compiles the model at startup (sizing-facts.md §3). */
  public static readonly LMI_TENSORRT_LLM = new ServingContainer({
    name: 'LMI (TensorRT-LLM)', family: ContainerFamily.LMI, acceleratorKind: AcceleratorKind.GPU,
    repository: 'djl-inference', tag: '0.33.0-tensorrtllm0.21.0-cu128', lmiRollingBatch: 'trtllm',
  });

  /** Hugging Face TGI. ⚠ TGI is in maintenance mode since 2025-12 (sizing-facts.md §3): prefer a vLLM image for new work. */
  public static readonly HF_TGI = new ServingContainer({
    name: 'Hugging Face TGI', family: ContainerFamily.TGI, acceleratorKind: AcceleratorKind.GPU,
    repository: 'huggingface-pytorch-tgi-inference', tag: '2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04',
  });

  /**
   * Hugging Face vLLM on GPU. The Hugging Face SageMaker docs (read 2026-08) list the same image as
   * `0.25.1-transformers5.10-...`; sizing-facts.md §3 and public deployments use the `5.10.2` tag kept here.
   */
  public static readonly HF_VLLM = new ServingContainer({
    name: 'Hugging Face vLLM', family: ContainerFamily.HF_VLLM, acceleratorKind: AcceleratorKind.GPU,
    repository: 'huggingface-vllm', tag: '0.25.1-transformers5.10.2-gpu-py312-cu130-ubuntu22.04',
  });

  /** Hugging Face vLLM on AWS Neuron (optimum-neuron 0.4.5, Neuron SDK 2.26.1): inf2 and trn1. */
  public static readonly NEURON = new ServingContainer({
    name: 'Hugging Face vLLM (Neuron)', family: ContainerFamily.NEURON, acceleratorKind: AcceleratorKind.NEURON,
    repository: 'huggingface-vllm-inference-neuronx', tag: '0.11.0-optimum0.4.5-neuronx-py310-sdk2.26.1-ubuntu22.04',
  });

  /**
   * Escape hatch: any image URI; `family` says which settings dialect it speaks. A custom LMI image is taken
   * to run vLLM unless its URI names TensorRT-LLM (`tensorrtllm` or `trtllm`), as the DLC tags do.
   */
  public static custom(imageUri: string, family: ContainerFamily, acceleratorKind: AcceleratorKind): ServingContainer {
    if (imageUri.trim() === '') throw new Error('ServingContainer.custom needs an image URI, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/my-lmi:1.0.');
    const lmiRollingBatch = family === ContainerFamily.LMI ? (/tensorrtllm|trtllm/i.test(imageUri) ? 'trtllm' : 'vllm') : undefined;
    return new ServingContainer({ name: `custom image ${imageUri} (${family})`, family, acceleratorKind, customImageUri: imageUri, lmiRollingBatch });
  }

  /** For messages, e.g. `LMI (vLLM)`. */
  public readonly name: string;
  public readonly family: ContainerFamily;
  /** GPU or Neuron: the instances the image runs on. */
  public readonly acceleratorKind: AcceleratorKind;
  /** ECR repository in the DLC registry; undefined for custom images. */
  public readonly repository?: string;
  public readonly tag?: string;
  public readonly customImageUri?: string;
  /** LMI images only: the inference library (OPTION_ROLLING_BATCH). */
  public readonly lmiRollingBatch?: LmiRollingBatch;

  private constructor(options: ServingContainerOptions) {
    this.name = options.name;
    this.family = options.family;
    this.acceleratorKind = options.acceleratorKind;
    this.repository = options.repository;
    this.tag = options.tag;
    this.customImageUri = options.customImageUri;
    this.lmiRollingBatch = options.lmiRollingBatch;
  }

  /** The image URI in a region: `<account>.dkr.ecr.<region>.<domain>/<repository>:<tag>`; a custom image as given. */
  public imageUri(region: string): string {
    if (this.customImageUri !== undefined) return this.customImageUri;
    const registry = requireRegistry(region);
    return `${registry.account}.dkr.ecr.${region}.${registry.domain}/${this.repository}:${this.tag}`;
  }

  /** The ECR repository ARN in a region, for the execution role's pull permission; undefined for custom images. */
  public repositoryArn(region: string): string | undefined {
    if (this.customImageUri !== undefined) return undefined;
    const registry = requireRegistry(region);
    return `arn:${registry.partition}:ecr:${region}:${registry.account}:repository/${this.repository}`;
  }

  public toString(): string {
    return this.name;
  }
}

function requireRegistry(region: string) {
  const registry = dlcRegistry(region);
  if (registry === undefined) throw new UnknownRegionError(region, DLC_REGIONS);
  return registry;
}
