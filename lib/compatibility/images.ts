/**
 * What each serving and training image the kit uses needs from its host, and where it exists: CUDA version,
 * NVIDIA driver, the GPU compute capabilities its engine is built for, the Neuron stack, and the regions whose
 * DLC registry holds the repository:tag.
 *
 * Sources (read 2026-12-02; each row names its own):
 * - Regions and accounts: aws/sagemaker-python-sdk@a24812666d25 `sagemaker-core/src/sagemaker/core/image_uri_config/*.json`,
 *   vendored (only the entries the kit uses) under `data/sagemaker-python-sdk/` (see its README.md).
 * - Image contents: aws/deep-learning-containers@e0ecedea6a1c `docs/src/data/**.yml` (engine and CUDA per tag),
 *   `docs/vllm/changelog/index.md` (CUDA 13.0.2 "requires NVIDIA driver 580+"), `docs/get_started/using_dlcs.md`.
 * - Driver per CUDA release: `./cuda.ts` (NVIDIA CUDA Toolkit Release Notes).
 * - GPU architectures: vllm-project/vllm `CMakeLists.txt` and `docker/Dockerfile`, NVIDIA/TensorRT-LLM
 *   `docs/source/reference/support-matrix.md`, huggingface/text-generation-inference@v3.3.6, pytorch/pytorch
 *   `.ci/manywheel/build_cuda.sh` (see each row).
 */
import { cudaDriverRequirement } from './cuda';
import djlLmi from './data/sagemaker-python-sdk/djl-lmi.json';
import djlTensorRtLlm from './data/sagemaker-python-sdk/djl-tensorrtllm.json';
import huggingface from './data/sagemaker-python-sdk/huggingface.json';
import huggingfaceLlm from './data/sagemaker-python-sdk/huggingface-llm.json';
import huggingfaceVllm from './data/sagemaker-python-sdk/huggingface-vllm.json';
import huggingfaceVllmNeuronx from './data/sagemaker-python-sdk/huggingface-vllm-neuronx.json';
import { type SourceRef, sourced } from './source';

/** The SDK snapshot the vendored registry files come from. */
export const SDK_SOURCE = {
  repository: 'aws/sagemaker-python-sdk',
  commit: 'a24812666d258d9d19c9a82d0c9385ca0bd3ba01',
  version: '3.20.0 (sagemaker-core 2.20.0)',
  directory: 'sagemaker-core/src/sagemaker/core/image_uri_config',
} as const;

const SDK_FILES = {
  'djl-lmi.json': djlLmi,
  'djl-tensorrtllm.json': djlTensorRtLlm,
  'huggingface-llm.json': huggingfaceLlm,
  'huggingface-vllm.json': huggingfaceVllm,
  'huggingface-vllm-neuronx.json': huggingfaceVllmNeuronx,
  'huggingface.json': huggingface,
} as const;

/** A vendored SDK registry file. */
export type SdkFileName = keyof typeof SDK_FILES;

/** Which SDK entry gives an image's regions. */
export interface RegistryEntry extends SourceRef {
  readonly sdkFile: SdkFileName;
  /** Keys from the file's root to the entry holding `registries`, e.g. `['versions', '0.36.0']`. */
  readonly path: readonly string[];
  /** The entry's `tag_prefix` (or the tag the SDK builds from it). */
  readonly sdkTag: string;
  /** False when the SDK has no entry for the exact tag and the closest version entry stands in. */
  readonly exactTag: boolean;
}

/** The NVIDIA driver an image needs (GPU images only). */
export interface DriverRequirement extends SourceRef {
  /** CUDA toolkit in the image, major.minor. */
  readonly cuda: string;
  /** Lowest driver branch that runs the image natively: the toolkit driver of its CUDA release (`cuda.ts`). */
  readonly minimumDriverMajor: number;
  /** The full toolkit driver version, e.g. `580.65.06`. */
  readonly minimumDriverVersion: string;
  /**
   * Whether the image ships NVIDIA's cuda-compat forward-compatibility layer and enables it at start, which lets
   * it start on an older datacenter driver (AWS's own CUDA 13 vLLM examples use a 550 AMI this way).
   */
  readonly forwardCompatibility: 'bundled' | 'not-bundled' | 'unknown';
  readonly notes?: string;
}

/** The GPU compute capabilities an image's engine is built for. */
export interface GpuArchitectureSupport extends SourceRef {
  /** Compute capabilities the kernels are compiled for (SASS), ascending. */
  readonly targets: readonly number[];
  /** PTX of the highest target is included, so newer GPUs can JIT it. */
  readonly ptx: boolean;
  /** Lowest compute capability the engine supports. */
  readonly minimum: number;
  readonly notes?: string;
}

/** The AWS Neuron stack of a Neuron image. */
export interface NeuronStack extends SourceRef {
  readonly neuronSdk: string;
  readonly optimumNeuron: string;
  /** neuronx-cc pinned by that optimum-neuron release: the Hub cache registry is keyed by it. */
  readonly neuronxCc: string;
  readonly vllm: string;
}

export interface ImageFacts extends SourceRef {
  readonly repository: string;
  readonly tag: string;
  readonly accelerator: 'gpu' | 'neuron';
  /** The inference or training engine and its version, e.g. `vLLM 0.26.0 (LMI 28.0.0)`. */
  readonly engine: string;
  readonly driver?: DriverRequirement;
  readonly gpuArchitectures?: GpuArchitectureSupport;
  readonly neuron?: NeuronStack;
  readonly registry: RegistryEntry;
}

const DLC = 'aws/deep-learning-containers@e0ecedea6a1c';
const SDK = `${SDK_SOURCE.repository}@${SDK_SOURCE.commit.slice(0, 12)} ${SDK_SOURCE.directory}`;

function driver(cudaTag: string, forwardCompatibility: DriverRequirement['forwardCompatibility'], source: string, unconfirmed?: string): DriverRequirement {
  const requirement = cudaDriverRequirement(cudaTag);
  if (requirement === undefined) throw new Error(`No driver row for ${cudaTag} in cuda.ts.`);
  return {
    cuda: requirement.cuda, minimumDriverMajor: requirement.toolkitDriverMajor, minimumDriverVersion: requirement.toolkitDriver,
    forwardCompatibility, ...(requirement.cuda === '13.0' ? { notes: CUDA13_ON_SAGEMAKER } : {}),
    ...sourced(`${requirement.source}; ${source}`, unconfirmed),
  };
}

/** What AWS's DLC docs say about CUDA 13 images on SageMaker endpoints. */
const CUDA13_ON_SAGEMAKER = 'The DLC docs say "the default SageMaker host AMI has incompatible NVIDIA drivers for CUDA 13.0 images" ' +
  '(docs/vllm/deployment/sagemaker.md). Their vLLM examples set al2-ami-sagemaker-inference-gpu-3-1 (driver 550, CUDA-compat ' +
  'mounting disabled), relying on the bundled cuda-compat layer; their SGLang example sets al2023-ami-sagemaker-inference-gpu-4-1 ' +
  '(driver 580, native). Neither was run here.';

function registry(sdkFile: SdkFileName, path: readonly string[], sdkTag: string, exactTag: boolean, unconfirmed?: string): RegistryEntry {
  return { sdkFile, path, sdkTag, exactTag, ...sourced(`${SDK}/${sdkFile} (${path.join('/')})`, unconfirmed) };
}

/** vLLM built with CUDA >= 13: CMake keeps 7.5;8.0;8.6;8.7;8.9;9.0;10.0;11.0;12.0 of the requested list. */
const VLLM_CUDA13_ARCHITECTURES: GpuArchitectureSupport = {
  targets: [7.5, 8.0, 8.9, 9.0, 10.0, 12.0], ptx: false, minimum: 7.5,
  notes: 'The release build asks for 7.0 7.5 8.0 8.9 9.0 10.0 12.0; with CUDA >= 13.0 CMakeLists.txt intersects it with ' +
    '7.5;8.0;8.6;8.7;8.9;9.0;10.0;11.0;12.0, dropping 7.0. cc 8.6 (A10G) runs the 8.0 cubins. Marlin has limited Turing ' +
    'support (MARLIN_SM75_ARCHS) and FP8 Marlin kernels only for 8.9 and 12.x; FlashAttention needs cc >= 8.0.',
  ...sourced(
    'vllm-project/vllm@000a1ee93b2d CMakeLists.txt (CUDA_SUPPORTED_ARCHS for CMAKE_CUDA_COMPILER_VERSION >= 13.0); ' +
    'vllm-project/vllm@dead20baf70d docker/Dockerfile (ARG torch_cuda_arch_list); ' +
    `${DLC} docker/vllm/Dockerfile.amzn2023 (torch_cuda_arch_list '7.0 7.5 8.0 8.9 9.0 10.0 10.3 12.0')`,
    'Read on main-branch commits, not at the v0.25.1/v0.26.0 release tags the images are built from; no GPU was run.',
  ),
};

/** The images the kit deploys or trains with (lib/serving/containers.ts, sizing-facts.md §3). */
export const IMAGE_FACTS: readonly ImageFacts[] = [
  {
    repository: 'djl-inference', tag: '0.36.0-lmi28.0.0-cu130', accelerator: 'gpu', engine: 'vLLM 0.26.0 (LMI 28.0.0, DJL Serving 0.36.0)',
    driver: driver('cu130', 'bundled',
      `${DLC} docs/vllm/changelog/index.md ("CUDA 13.0.2 ... requires NVIDIA driver 580+"); ` +
      'deepjavalibrary/djl-serving@7e13b081383b (branch 0.36.0-lmi27-dlc) and @d21927c4a692 (master) serving/docker/lmi.Dockerfile ' +
      '(nvidia/cuda:13.0.2 base, cuda-compat-13-0, dockerd-entrypoint-with-cuda-compat.sh)',
      'lmi28 has no dlc branch in the snapshot: its Dockerfile was read on master and on the lmi27 branch.'),
    gpuArchitectures: VLLM_CUDA13_ARCHITECTURES,
    registry: registry('djl-lmi.json', ['versions', '0.36.0'], '0.36.0-lmi27.0.0-cu130', false,
      'The SDK has no lmi28.0.0 entry; its 0.36.0 entry (lmi27.0.0) stands in: same DJL 0.36.0 line, same repository.'),
    ...sourced(`${DLC} docs/src/data/djl-inference/0.36-lmi28.0.0-gpu.yml (cuda cu130, engine "LMI 28.0.0, vLLM 0.26.0")`),
  },
  {
    repository: 'djl-inference', tag: '0.33.0-tensorrtllm0.21.0-cu128', accelerator: 'gpu', engine: 'TensorRT-LLM 0.21.0 (DJL Serving 0.33.0)',
    driver: driver('cu128', 'bundled',
      'deepjavalibrary/djl-serving@8b3b685b65f0 (branch 0.33.0-dlc) serving/docker/tensorrt-llm.Dockerfile ' +
      '(nvidia/cuda:12.8.1 base, cuda-compat-12-8, dockerd-entrypoint-with-cuda-compat.sh; ARG trtllm_version=0.21.0rc1)'),
    gpuArchitectures: {
      targets: [8.0, 8.6, 8.9, 9.0, 10.0], ptx: false, minimum: 8.0,
      notes: 'Supported: Blackwell, Grace Hopper, Hopper, Ada Lovelace, Ampere. "If a GPU architecture is not listed, the ' +
        'TensorRT-LLM team does not develop or test the software on the architecture and support is limited to community ' +
        'support": Turing (T4, 7.5) is not listed. FP8 needs SM89 or SM90 (precision table).',
      ...sourced('NVIDIA/TensorRT-LLM@03dad6287acb docs/source/reference/support-matrix.md (Hardware; Software: Precision)',
        'Read at a commit of the TensorRT 10.9 / container 25.03 era, not at tag v0.21.0; targets are the listed families, not a build flag.'),
    },
    registry: registry('djl-tensorrtllm.json', ['versions', '0.33.0'], '0.33.0-tensorrtllm0.21.0-cu128', true),
    ...sourced(`${DLC} docs/src/data/djl-inference/0.33-tensorrtllm0.21.0-gpu.yml (cuda cu128, engine "TensorRT-LLM 0.21.0")`),
  },
  {
    repository: 'huggingface-pytorch-tgi-inference', tag: '2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04', accelerator: 'gpu',
    engine: 'Text Generation Inference 3.3.6 (PyTorch 2.7)',
    driver: driver('cu124', 'unknown',
      'huggingface/text-generation-inference@v3.3.6 (efb94e0d3db6) Dockerfile (nvidia/cuda:12.4.1-devel builder, ' +
      'nvidia/cuda:12.4.0-base-ubuntu22.04 runtime; no cuda-compat package installed)',
      'Whether the nvidia/cuda base image carries cuda-compat for the 470 default driver of g4dn/g5/p4d was not verified.'),
    gpuArchitectures: {
      targets: [7.5, 8.0, 8.6, 9.0], ptx: true, minimum: 7.5,
      notes: 'Custom kernels are built with TORCH_CUDA_ARCH_LIST="8.0;8.6;9.0+PTX"; FlashAttention v2 needs cc >= 8.0, ' +
        'cc 7.5 falls back to FlashAttention v1, any other capability raises "GPU with CUDA capability X Y is not supported". ' +
        'The docs name H100, A100, A10G and T4.',
      ...sourced('huggingface/text-generation-inference@v3.3.6 Dockerfile, server/text_generation_server/layers/attention/cuda.py, ' +
        'docs/source/installation_nvidia.md',
        'The sm_75 build of FlashAttention v1 (server/Makefile-flash-att, Narsil/flash-attention) was not inspected; T4 not run.'),
    },
    registry: registry('huggingface-llm.json', ['inference', 'versions', '3.3.6'], '2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04', true),
    ...sourced(`${SDK}/huggingface-llm.json (3.3.6: tag_prefix 2.7.0-tgi3.3.6, py311, container_version gpu cu124-ubuntu22.04)`),
  },
  {
    repository: 'huggingface-vllm', tag: '0.25.1-transformers5.10.2-gpu-py312-cu130-ubuntu22.04', accelerator: 'gpu',
    engine: 'vLLM 0.25.1 (transformers 5.10.2)',
    driver: driver('cu130', 'bundled',
      `${DLC} docs/vllm/changelog/index.md ("CUDA 13.0.2 ... requires NVIDIA driver 580+"), ` +
      'docker/huggingface/vllm/Dockerfile (start_cuda_compat.sh), .github/config/image/huggingface-vllm/sagemaker-0.25.yml ' +
      '(base vllm:0.25.1-gpu-py312-cu130-ubuntu22.04-sagemaker-v1.0, cuda_version 13.0.2), docs/vllm/deployment/sagemaker.md ' +
      '("GPU deployments require inference_ami_version")'),
    gpuArchitectures: {
      ...VLLM_CUDA13_ARCHITECTURES,
      source: `${VLLM_CUDA13_ARCHITECTURES.source}; ${DLC}@d8183394d7 .github/config/image/vllm/sagemaker-ubuntu.yml (base_image vllm/vllm-openai:v0.25.1)`,
    },
    registry: registry('huggingface-vllm.json', ['inference', 'versions', '0.21.0'], '0.21.0-transformers5.8.1-gpu-py312-cu130-ubuntu22.04', false,
      'The SDK\'s newest huggingface-vllm entry is 0.21.0; its regions stand in for 0.25.1 (same repository, same cu130 line).'),
    ...sourced(`${DLC} docs/src/data/huggingface-vllm/0.25.1-gpu-sagemaker.yml (cuda cu130, transformers 5.10.2, py312)`),
  },
  {
    repository: 'huggingface-vllm-inference-neuronx', tag: '0.11.0-optimum0.4.5-neuronx-py310-sdk2.26.1-ubuntu22.04', accelerator: 'neuron',
    engine: 'vLLM 0.11.0 with optimum-neuron 0.4.5',
    neuron: {
      neuronSdk: '2.26.1', optimumNeuron: '0.4.5', neuronxCc: '2.21.33363.0', vllm: '0.11.0',
      ...sourced('huggingface/optimum-neuron@v0.4.5 (abf5985828e5) pyproject.toml ("neuronx-cc==2.21.33363.0"); ' +
        `${DLC} docs/src/data/huggingface-vllm-inference-neuronx/0.11-neuronx-sdk2.26.1.yml`),
    },
    registry: registry('huggingface-vllm-neuronx.json', ['inference', 'versions', '0.4.4'], '0.11.0-optimum0.4.4-neuronx-py310-sdk2.26.1-ubuntu22.04', false,
      'The SDK\'s newest entry is optimum 0.4.4 (same vLLM 0.11.0, same SDK 2.26.1); its regions stand in for 0.4.5.'),
    ...sourced(`${DLC} docs/src/data/huggingface-vllm-inference-neuronx/0.11-neuronx-sdk2.26.1.yml (optimum 0.4.5, sdk 2.26.1, py310)`),
  },
  {
    repository: 'huggingface-pytorch-training', tag: '2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04', accelerator: 'gpu',
    engine: 'PyTorch 2.9.0 (transformers 5.3.0)',
    driver: driver('cu130', 'bundled', `${DLC} docs/pytorch/index.md ("CUDA Forward Compatibility": the entrypoint prepends ` +
      '/usr/local/cuda/compat when the host driver is older), docs/pytorch/deployment/sagemaker.md',
      'The forward-compatibility section is the PyTorch DLC\'s; the Hugging Face training image built on it was not inspected.'),
    gpuArchitectures: {
      targets: [7.5, 8.0, 8.6, 9.0, 10.0, 12.0], ptx: true, minimum: 7.5,
      notes: 'PyTorch cu130 wheels (x86_64): TORCH_CUDA_ARCH_LIST="7.5;8.0;8.6;9.0;10.0;12.0+PTX". cc 8.9 runs the 8.6 cubins.',
      ...sourced('pytorch/pytorch .ci/manywheel/build_cuda.sh, case 13.0 (as stored in the search index; commit not identified); ' +
        'NVIDIA "CUDA Toolkit 13.0 Release Notes" 2.6.2 "Deprecated Architectures"',
        'Assumes the image uses upstream cu130 PyTorch wheels; its torch build was not inspected.'),
    },
    registry: registry('huggingface.json', ['training', 'versions', '5.3.0', 'pytorch2.9.0'], '2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04', true),
    ...sourced(`${DLC} docs/src/data/huggingface-pytorch-training/2.9-gpu-sagemaker.yml (cuda cu130, transformers 5.3.0, py312)`),
  },
];

/**
 * Thrown for an image this module has no facts for.
 *
 * TypeScript and JavaScript only. An Error subclass cannot cross to other languages: there the same message arrives as the
 * runtime's error (for example `RuntimeError` in Python).
 *
 * @jsii ignore
 */
export class UnknownImageError extends Error {
  public constructor(repository: string, tag: string) {
    super(`No compatibility facts for ${repository}:${tag}: known images are ` +
      `${IMAGE_FACTS.map((i) => `${i.repository}:${i.tag}`).join(', ')}.`);
    this.name = 'UnknownImageError';
  }
}

/** The facts of an image; undefined for one the kit does not know (a custom image). */
export function imageFacts(repository: string, tag: string): ImageFacts | undefined {
  return IMAGE_FACTS.find((i) => i.repository === repository && i.tag === tag);
}

/** The `registries` map (region -> account) of an SDK entry. */
export function sdkRegistries(sdkFile: SdkFileName, path: readonly string[]): Readonly<Record<string, string>> {
  let node: unknown = SDK_FILES[sdkFile];
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !(key in node)) throw new Error(`${sdkFile} has no entry ${path.join('/')}.`);
    node = (node as Record<string, unknown>)[key];
  }
  const registries = typeof node === 'object' && node !== null ? (node as Record<string, unknown>).registries : undefined;
  if (typeof registries !== 'object' || registries === null) throw new Error(`${sdkFile} ${path.join('/')} has no registries.`);
  for (const [region, account] of Object.entries(registries)) {
    if (typeof account !== 'string') throw new Error(`${sdkFile} ${path.join('/')}: account of ${region} is not a string.`);
  }
  return registries as Record<string, string>;
}

/** The regions (sorted) whose DLC registry holds the image, per the SDK entry it maps to. */
export function imageRegions(repository: string, tag: string): readonly string[] {
  const facts = imageFacts(repository, tag);
  if (facts === undefined) throw new UnknownImageError(repository, tag);
  return Object.keys(sdkRegistries(facts.registry.sdkFile, facts.registry.path)).sort();
}

/** Whether the image exists in a region's DLC registry. */
export function imageAvailableIn(repository: string, tag: string, region: string): boolean {
  return imageRegions(repository, tag).includes(region);
}

/**
 * The account of the DLC registry that holds `repository` in `region`, from the SDK entries of the kit's images
 * for that repository; undefined when none of them lists the region.
 */
export function registryAccount(repository: string, region: string): string | undefined {
  for (const facts of IMAGE_FACTS.filter((i) => i.repository === repository)) {
    const account = sdkRegistries(facts.registry.sdkFile, facts.registry.path)[region];
    if (account !== undefined) return account;
  }
  return undefined;
}

/**
 * Whether kernels built for `support` run on a GPU of compute capability `cc`: a cubin runs on GPUs of the same
 * major version and an equal or higher minor version (NVIDIA CUDA C++ Programming Guide, "Binary Compatibility");
 * PTX of the highest target JIT-compiles for newer GPUs.
 */
export function runsOnComputeCapability(support: GpuArchitectureSupport, cc: number): boolean {
  if (cc < support.minimum) return false;
  const [major, minor] = splitCc(cc);
  if (support.targets.some((t) => { const [tMajor, tMinor] = splitCc(t); return tMajor === major && tMinor <= minor; })) return true;
  const highest = support.targets[support.targets.length - 1];
  return support.ptx && highest !== undefined && cc >= highest;
}

function splitCc(cc: number): [number, number] {
  const major = Math.floor(cc + 1e-9);
  return [major, Math.round((cc - major) * 10)];
}
