/**
 * Accelerators of SageMaker ML instances. Memory per device is what the serving engine can allocate: for GPUs
 * the total CUDA reports (nvidia-smi), which is smaller than the EC2 API value (sagemaker-python-sdk
 * image_uri_config/instance_gpu_info.json, 2025-11; EC2 GpuInfo via skypilot-catalog catalogs/v7/aws/vms.csv),
 * kept beside it; for Neuron devices the aws-neuron-sdk hardware pages. nvidia-smi totals: shared/reference/
 * compatibility-facts.md "GPU memory the serving engine can see" (read 2026-12-02, as logged publicly on those
 * instances). A ⚠ marks a secondary figure: GPU bandwidths are vendor datasheet values quoted by third parties,
 * and every peak FLOPS figure is a vendor datasheet value (dense, no sparsity).
 */
import { BYTES_PER_GB, BYTES_PER_GIB, BYTES_PER_MIB } from './units';

/** GPUs and AWS Neuron devices need different containers and count tensor parallelism differently. */
export enum AcceleratorKind {
  GPU = 'gpu',
  NEURON = 'neuron',
}

export interface AcceleratorSpec {
  /** e.g. `NVIDIA A10G`. */
  readonly name: string;
  /** e.g. `A10G`, for tables. */
  readonly shortName: string;
  readonly kind: AcceleratorKind;
  /** Chip generation, e.g. `Ampere`; FP8 support follows from it. */
  readonly generation: string;
  /** Memory of one device (GPU or Neuron chip) in MiB that the serving engine can allocate: CUDA's total for a GPU. */
  readonly memoryPerDeviceMiB: number;
  /** The EC2 API's figure for the same memory, in MiB (larger than what CUDA reports for GPUs). */
  readonly apiMemoryPerDeviceMiB: number;
  /** Memory bandwidth of one device. */
  readonly memoryBandwidthBytesPerSecond: number;
  /** Peak dense bf16 (fp16 on T4) tensor throughput of one device, in TFLOPS. */
  readonly peakDenseTflops: number;
  /** FP8 tensor cores (NVIDIA Ada and Hopper; not Ampere or Turing). */
  readonly supportsFp8: boolean;
  /** bf16 arithmetic; T4 (Turing) trains and serves in fp16 instead. */
  readonly supportsBf16: boolean;
  /** NeuronCores per Neuron chip; 1 for a GPU. Tensor parallelism counts these. */
  readonly coresPerDevice: number;
  /** Fit for training (Inferentia is inference-only). */
  readonly supportsTraining: boolean;
}

const gbps = (gb: number) => gb * BYTES_PER_GB;
const gibps = (gib: number) => gib * BYTES_PER_GIB;

function gpu(
  name: string, generation: string, cudaMiB: number, apiMiB: number, bandwidthGBps: number, peakDenseTflops: number,
  supportsFp8: boolean, supportsBf16 = true,
): AcceleratorSpec {
  return {
    name: `NVIDIA ${name}`, shortName: name, kind: AcceleratorKind.GPU, generation, memoryPerDeviceMiB: cudaMiB, apiMemoryPerDeviceMiB: apiMiB,
    memoryBandwidthBytesPerSecond: gbps(bandwidthGBps), peakDenseTflops, supportsFp8, supportsBf16,
    coresPerDevice: 1, supportsTraining: true,
  };
}

export const ACCELERATORS = {
  // CUDA 15360 MiB, EC2 API 16384 MiB; 320 GB/s ⚠; 65 TFLOPS fp16 ⚠ vendor datasheet; Turing has no bf16.
  T4: gpu('T4', 'Turing', 15360, 16384, 320, 65, false, false),
  // CUDA 23028 MiB, EC2 API 24576 MiB; 600 GB/s ⚠; 125 TFLOPS ⚠ vendor datasheet of the A10 (the A10G runs at lower clocks).
  A10G: gpu('A10G', 'Ampere', 23028, 24576, 600, 125, false),
  // CUDA 23034 MiB, EC2 API 22888 MiB (the API's figure is the smaller here; CUDA's is what the engine sees); 300 GB/s ⚠; 121 TFLOPS ⚠.
  L4: gpu('L4', 'Ada Lovelace', 23034, 22888, 300, 121, true),
  // CUDA 46068 MiB, EC2 API 45776 MiB; 864 GB/s ⚠; 362 TFLOPS ⚠.
  L40S: gpu('L40S', 'Ada Lovelace', 46068, 45776, 864, 362, true),
  // CUDA 40960 MiB, EC2 API 40960 MiB; 1555 GB/s (instance_gpu_info.json); 312 TFLOPS ⚠.
  A100_40GB: gpu('A100 40GB', 'Ampere', 40960, 40960, 1555, 312, false),
  // CUDA 81920 MiB, EC2 API 81920 MiB; 2039 GB/s; 312 TFLOPS ⚠.
  A100_80GB: gpu('A100 80GB', 'Ampere', 81920, 81920, 2039, 312, false),
  // CUDA 81559 MiB, EC2 API 81920 MiB; 3350 GB/s ⚠; 989 TFLOPS ⚠ (SXM).
  H100: gpu('H100', 'Hopper', 81559, 81920, 3350, 989, true),
  // CUDA 143771 MiB; ⚠ no EC2 API value found: 141 GB nominal = 134468 MiB (rounded down); 4800 GB/s ⚠; 989 TFLOPS ⚠.
  H200: gpu('H200', 'Hopper', 143771, Math.floor(141e9 / BYTES_PER_MIB), 4800, 989, true),
  // aws-neuron-sdk general/arch/neuron-hardware/inferentia2.rst: 32 GiB and 820 GiB/s per chip, 2 NeuronCore-v2,
  // 190 TFLOPS fp16/bf16 ⚠ vendor datasheet. FP8 serving is modelled for NVIDIA only.
  INFERENTIA2: {
    name: 'AWS Inferentia2', shortName: 'Inferentia2', kind: AcceleratorKind.NEURON, generation: 'Inferentia2',
    memoryPerDeviceMiB: 32 * 1024, apiMemoryPerDeviceMiB: 32 * 1024, memoryBandwidthBytesPerSecond: gibps(820), peakDenseTflops: 190,
    supportsFp8: false, supportsBf16: true, coresPerDevice: 2, supportsTraining: false,
  },
  // aws-neuron-sdk general/arch/neuron-hardware/trainium.rst: 32 GiB and 820 GiB/s per chip, 2 NeuronCore-v2,
  // 190 TFLOPS fp16/bf16 ⚠ vendor datasheet.
  TRAINIUM: {
    name: 'AWS Trainium', shortName: 'Trainium', kind: AcceleratorKind.NEURON, generation: 'Trainium',
    memoryPerDeviceMiB: 32 * 1024, apiMemoryPerDeviceMiB: 32 * 1024, memoryBandwidthBytesPerSecond: gibps(820), peakDenseTflops: 190,
    supportsFp8: false, supportsBf16: true, coresPerDevice: 2, supportsTraining: true,
  },
} as const satisfies Record<string, AcceleratorSpec>;
