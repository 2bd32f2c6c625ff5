/**
 * Compute capability of each NVIDIA GPU in the kit's accelerator catalog (lib/sizing/accelerators.ts), and the
 * number formats it computes natively.
 *
 * Sources (read 2026-12-02):
 * - NVIDIA, "CUDA GPU Compute Capability" (developer.nvidia.com/cuda-gpus): 9.0 H200, H100; 8.9 L4, L40, L40S;
 *   8.6 A10 (and A40, A16, A2); 8.0 A100; 7.5 T4. The A10G is AWS's variant of the A10 (same GA102 Ampere chip) and
 *   is not listed by name.
 * - bf16 and fp8 by architecture: NVIDIA/TensorRT-LLM@03dad6287acb docs/source/reference/support-matrix.md,
 *   "Precision": Hopper (SM90) and Ada Lovelace (SM89) FP32, FP16, BF16, FP8; Ampere (SM80, SM86) FP32, FP16, BF16,
 *   no FP8. Turing (7.5) has no bf16 (shared/reference/compatibility-facts.md: "T4 has no bf16"; vLLM falls back to
 *   fp16 there).
 */
import { type SourceRef, sourced } from './source';

export interface GpuFacts extends SourceRef {
  /** Key in lib/sizing/accelerators.ts ACCELERATORS. */
  readonly acceleratorKey: 'T4' | 'A10G' | 'L4' | 'L40S' | 'A100_40GB' | 'A100_80GB' | 'H100' | 'H200';
  readonly name: string;
  readonly architecture: 'Turing' | 'Ampere' | 'Ada Lovelace' | 'Hopper';
  readonly computeCapability: number;
  /** Native bf16 arithmetic: compute capability >= 8.0. */
  readonly bf16: boolean;
  /** FP8 tensor cores: compute capability >= 8.9. */
  readonly fp8: boolean;
}

/** Lowest compute capability with native bf16. */
export const BF16_MIN_COMPUTE_CAPABILITY = 8.0;
/** Lowest compute capability with FP8 tensor cores. */
export const FP8_MIN_COMPUTE_CAPABILITY = 8.9;

const CUDA_GPUS = 'NVIDIA "CUDA GPU Compute Capability" (developer.nvidia.com/cuda-gpus)';
const PRECISION = 'NVIDIA/TensorRT-LLM@03dad6287acb docs/source/reference/support-matrix.md (Precision)';

function gpu(acceleratorKey: GpuFacts['acceleratorKey'], name: string, architecture: GpuFacts['architecture'], computeCapability: number, unconfirmed?: string): GpuFacts {
  return {
    acceleratorKey, name, architecture, computeCapability,
    bf16: computeCapability >= BF16_MIN_COMPUTE_CAPABILITY, fp8: computeCapability >= FP8_MIN_COMPUTE_CAPABILITY,
    ...sourced(`${CUDA_GPUS}; ${PRECISION}`, unconfirmed),
  };
}

export const GPU_FACTS: readonly GpuFacts[] = [
  gpu('T4', 'NVIDIA T4', 'Turing', 7.5),
  gpu('A10G', 'NVIDIA A10G', 'Ampere', 8.6, 'The NVIDIA page lists the A10 (8.6); the A10G is taken to be the same chip.'),
  gpu('L4', 'NVIDIA L4', 'Ada Lovelace', 8.9),
  gpu('L40S', 'NVIDIA L40S', 'Ada Lovelace', 8.9),
  gpu('A100_40GB', 'NVIDIA A100 40GB', 'Ampere', 8.0),
  gpu('A100_80GB', 'NVIDIA A100 80GB', 'Ampere', 8.0),
  gpu('H100', 'NVIDIA H100', 'Hopper', 9.0),
  gpu('H200', 'NVIDIA H200', 'Hopper', 9.0),
];

/** The facts of a GPU by its ACCELERATORS key (`A10G`) or short name (`A100 40GB`); undefined if unknown. */
export function gpuFacts(keyOrShortName: string): GpuFacts | undefined {
  return GPU_FACTS.find((g) => g.acceleratorKey === keyOrShortName || g.name === `NVIDIA ${keyOrShortName}`);
}
