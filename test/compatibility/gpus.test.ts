/** GPU facts: compute capability per catalog GPU, bf16/fp8 thresholds, agreement with the sizing catalog. */
import { BF16_MIN_COMPUTE_CAPABILITY, FP8_MIN_COMPUTE_CAPABILITY, GPU_FACTS, IMAGE_FACTS, READ_DATE, gpuFacts, runsOnComputeCapability } from '../../lib/compatibility';
import { ACCELERATORS, AcceleratorKind } from '../../lib/sizing';

describe('GPU facts', () => {
  test('every row is sourced', () => {
    for (const g of GPU_FACTS) {
      expect(g.source).toContain('developer.nvidia.com/cuda-gpus');
      expect(g.read).toBe(READ_DATE);
    }
  });

  test('compute capabilities', () => {
    expect(Object.fromEntries(GPU_FACTS.map((g) => [g.acceleratorKey, g.computeCapability]))).toEqual({
      T4: 7.5, A10G: 8.6, L4: 8.9, L40S: 8.9, A100_40GB: 8.0, A100_80GB: 8.0, H100: 9.0, H200: 9.0,
    });
  });

  test('bf16 from 8.0, fp8 from 8.9', () => {
    for (const g of GPU_FACTS) {
      expect(g.bf16).toBe(g.computeCapability >= BF16_MIN_COMPUTE_CAPABILITY);
      expect(g.fp8).toBe(g.computeCapability >= FP8_MIN_COMPUTE_CAPABILITY);
    }
    expect(gpuFacts('T4')).toMatchObject({ bf16: false, fp8: false });
    expect(gpuFacts('A100 40GB')).toMatchObject({ bf16: true, fp8: false });
    expect(gpuFacts('L4')).toMatchObject({ bf16: true, fp8: true });
    expect(gpuFacts('V100')).toBeUndefined();
  });

  test('every GPU of lib/sizing ACCELERATORS has a row, and its bf16/fp8 flags agree', () => {
    const gpus = Object.entries(ACCELERATORS).filter(([, spec]) => spec.kind === AcceleratorKind.GPU);
    expect(gpus.map(([key]) => key).sort()).toEqual(GPU_FACTS.map((g) => g.acceleratorKey).sort());
    for (const [key, spec] of gpus) {
      const facts = gpuFacts(key)!;
      expect(`${key} bf16=${facts.bf16} fp8=${facts.fp8}`).toBe(`${key} bf16=${spec.supportsBf16} fp8=${spec.supportsFp8}`);
      expect(gpuFacts(spec.shortName)).toBe(facts);
    }
  });

  test('only TensorRT-LLM leaves out a catalog GPU: the T4', () => {
    const unsupported = IMAGE_FACTS.filter((i) => i.gpuArchitectures).flatMap((i) =>
      GPU_FACTS.filter((g) => !runsOnComputeCapability(i.gpuArchitectures!, g.computeCapability)).map((g) => `${i.tag} ${g.acceleratorKey}`));
    expect(unsupported).toEqual(['0.33.0-tensorrtllm0.21.0-cu128 T4']);
  });
});
