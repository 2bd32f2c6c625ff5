/** The "does not fit" message constructs fail synth with. */
import { assessInstance, checkInstanceFits, checkServingFit, estimateServing, InstanceType, Precision } from '../../lib/sizing';

const SCOPE = { model: 'meta-llama/Llama-3.1-70B-Instruct', precision: Precision.BF16, contextTokens: 8192, concurrency: 4 } as const;

describe('checkInstanceFits', () => {
  const estimate = estimateServing(SCOPE);

  test('explains a too-small instance with the numbers and the cheapest that fits', () => {
    expect(checkInstanceFits(estimate, InstanceType.G5_2XLARGE)).toBe(
      'Llama-3.1-70B-Instruct at bf16 needs 157.1 GiB (weights 131.4, KV cache 10.0, reserve 10%); ml.g5.2xlarge has 24.0 GiB. ' +
      'Cheapest that fits: ml.g6e.12xlarge (TP 4).');
  });

  test('explains a tensor-parallel limit', () => {
    expect(checkInstanceFits(estimate, 'ml.inf2.48xlarge')).toBe(
      'Llama-3.1-70B-Instruct at bf16 needs 157.1 GiB (weights 131.4, KV cache 10.0, reserve 10%); ml.inf2.48xlarge has 384.0 GiB, ' +
      'but tensor parallelism must divide the 64 attention and 8 KV heads, so one copy spans at most 8 of 24 NeuronCores (128.0 GiB). ' +
      'Cheapest that fits: ml.g6e.12xlarge (TP 4).');
  });

  test('explains an unsupported precision', () => {
    expect(checkServingFit({ model: 'meta-llama/Llama-3.1-8B-Instruct', precision: 'fp8', instanceType: 'ml.g5.2xlarge' })).toBe(
      'Llama-3.1-8B-Instruct at fp8 needs 10.0 GiB (weights 8.5, KV cache 0.5, reserve 10%); ml.g5.2xlarge has 24.0 GiB, ' +
      'but fp8 needs FP8 tensor cores (Ada or Hopper); NVIDIA A10G is Ampere. Cheapest that fits: ml.g6.xlarge (TP 1).');
  });

  test('returns undefined when the instance holds the model', () => {
    expect(checkInstanceFits(estimate, 'ml.g6e.12xlarge')).toBeUndefined();
    expect(checkInstanceFits(estimate, InstanceType.P5_48XLARGE)).toBeUndefined();
  });

  test('does not judge an instance the catalog does not know; assessInstance says so', () => {
    expect(checkInstanceFits(estimate, 'ml.g7.2xlarge')).toBeUndefined();
    expect(assessInstance(estimate, 'ml.g7.2xlarge')).toMatchObject({ status: 'unknown-instance', message: expect.stringMatching(/^ml.g7.2xlarge is not in the instance catalog/) });
  });

  test('assessInstance returns the candidate when it fits', () => {
    expect(assessInstance(estimate, 'ml.p4d.24xlarge')).toMatchObject({ status: 'fits', candidate: { tensorParallelDegree: 8 } });
  });

  test('when nothing fits, suggests a lighter precision', () => {
    expect(checkServingFit({ model: 'meta-llama/Llama-3.1-405B-Instruct', precision: 'fp32', instanceType: 'ml.p5.48xlarge' }))
      .toMatch(/; ml.p5.48xlarge has 640.0 GiB. No single instance in the catalog can hold Llama-3.1-405B-Instruct at fp32 .*lower the precision to bf16/);
  });

  test('fails when the scope is invalid, with the construct\'s prop names', () => {
    expect(() => checkServingFit({ ...SCOPE, concurrency: -1, instanceType: 'ml.g5.2xlarge' }, { concurrency: 'expectedConcurrency' }))
      .toThrow(/expectedConcurrency is -1/);
  });
});
