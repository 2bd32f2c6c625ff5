/**
 * CUDA toolkit versions and the NVIDIA driver each needs, for the CUDA versions the kit's images and
 * SageMaker's inference AMIs carry.
 *
 * Sources (read 2026-12-02):
 * - NVIDIA, "CUDA Toolkit 13.x Release Notes", Table 3 "CUDA Toolkit and Corresponding Driver Versions"
 *   (Linux x86_64 toolkit driver per release) and Table 2 "CUDA Toolkit 11.x, 12.x, and 13.x Minimum and Maximum
 *   Required Driver Versions" (minor-version compatibility: 13.x >= 580; 12.x >= 525 and < 580; 11.x >= 450);
 *   the same Table 2 is on NVIDIA's page "Minor Version Compatibility" (docs.nvidia.com/deploy/cuda-compatibility).
 *   Read through a copy of the 13.2 Update 2 notes stored in the search index (the per-release archive pages it
 *   found carry the same rows in their excerpts).
 * - Same release notes, 2.6.2 "Deprecated Architectures": offline compilation and library support for
 *   Maxwell, Pascal and Volta were removed in CUDA 13.0; Turing (7.5) remains supported.
 */
import { type SourceRef, sourced } from './source';

export interface CudaDriverRequirement extends SourceRef {
  /** Toolkit version, major.minor (the release the image or AMI names, e.g. `cu130` = 13.0). */
  readonly cuda: string;
  /** Linux x86_64 driver of the GA release in Table 3 ("Toolkit Driver Version"). */
  readonly toolkitDriver: string;
  /** Major driver branch of `toolkitDriver`: the branch that runs the toolkit with every feature. */
  readonly toolkitDriverMajor: number;
  /** Lowest driver branch with minor-version compatibility (limited feature set, e.g. no PTX JIT of newer PTX). */
  readonly minorVersionCompatibleDriverMajor: number;
  /** Lowest compute capability the toolkit still compiles for and ships libraries for. */
  readonly minimumComputeCapability: number;
}

const RELEASE_NOTES = 'NVIDIA "CUDA Toolkit 13.x Release Notes", Table 3 "CUDA Toolkit and Corresponding Driver Versions" and ' +
  'Table 2 (minor version compatibility); NVIDIA "Minor Version Compatibility" (docs.nvidia.com/deploy/cuda-compatibility)';
const ARCHITECTURES_13 = 'NVIDIA "CUDA Toolkit 13.0 Release Notes" 2.6.2 "Deprecated Architectures" (Maxwell, Pascal, Volta removed)';
const ARCHITECTURES_12 = 'NVIDIA "CUDA Toolkit 12.x Release Notes" deprecated architectures (Maxwell, Pascal, Volta deprecated, still built); ' +
  'pytorch/pytorch issue #157517';

function row(cuda: string, toolkitDriver: string, minorCompat: number, minimumComputeCapability: number, architectures: string, unconfirmed?: string): CudaDriverRequirement {
  return {
    cuda, toolkitDriver, toolkitDriverMajor: Number(toolkitDriver.split('.')[0]),
    minorVersionCompatibleDriverMajor: minorCompat, minimumComputeCapability,
    ...sourced(`${RELEASE_NOTES}; ${architectures}`, unconfirmed),
  };
}

const FLOOR_NOT_READ = 'The minimum compute capability of this release was not read in its own release notes (known: CUDA 12 dropped Kepler, 11 kept 3.5).';

/** One row per CUDA release the kit meets (GA rows of Table 3). */
export const CUDA_DRIVER_REQUIREMENTS: readonly CudaDriverRequirement[] = [
  row('11.4', '470.42.01', 450, 3.5, 'NVIDIA "CUDA Toolkit 11.x Release Notes"', FLOOR_NOT_READ),
  row('12.2', '535.54.03', 525, 5.0, ARCHITECTURES_12, FLOOR_NOT_READ),
  row('12.4', '550.54.14', 525, 5.0, ARCHITECTURES_12, FLOOR_NOT_READ),
  row('12.8', '570.26', 525, 5.0, ARCHITECTURES_12, FLOOR_NOT_READ),
  row('12.9', '575.51.03', 525, 5.0, ARCHITECTURES_12, FLOOR_NOT_READ),
  row('13.0', '580.65.06', 580, 7.5, ARCHITECTURES_13),
];

/** The driver requirement of a CUDA release (`13.0`, or an image tag's `cu130`); undefined for one not tabled. */
export function cudaDriverRequirement(cuda: string): CudaDriverRequirement | undefined {
  const version = /^cu(\d+)(\d)$/.exec(cuda);
  const normalized = version === null ? cuda : `${version[1]}.${version[2]}`;
  return CUDA_DRIVER_REQUIREMENTS.find((r) => r.cuda === normalized);
}
