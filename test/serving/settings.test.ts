/**
 * Container settings: the exact environment per container x quantization, and every rejected combination
 * with its message (compatibilityProblems) or limit (containerEnvironment).
 */
import { InstanceCatalog, AcceleratorKind } from '../../lib/sizing';
import {
  compatibilityProblems, ContainerFamily, containerEnvironment, IncompatibleSettingsError, Quantization, ServingContainer,
  type ContainerSettingsInput,
} from '../../lib/serving';

const instance = (type: string) => InstanceCatalog.DEFAULT.get(type);
const { LMI_VLLM, LMI_TENSORRT_LLM, HF_TGI, HF_VLLM, NEURON } = ServingContainer;
const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** 4x L40S, one model copy over all four; 3072 + 1024 tokens; 8 sequences at once. */
const GPU_INPUT = {
  modelId: MODEL, instance: instance('ml.g6e.12xlarge'), tensorParallelDegree: 4,
  maxInputTokens: 3072, maxOutputTokens: 1024, maxConcurrentRequests: 8,
} as const;
/** One Inferentia2 chip: 2 NeuronCores. */
const NEURON_INPUT = { ...GPU_INPUT, instance: instance('ml.inf2.8xlarge'), tensorParallelDegree: 2 } as const;

const LMI_BASE = {
  HF_MODEL_ID: MODEL, TENSOR_PARALLEL_DEGREE: '4', OPTION_MAX_ROLLING_BATCH_SIZE: '8', OPTION_DTYPE: 'bf16',
};
// No OPTION_ROLLING_BATCH for vLLM: LMI's async mode, the default (LmiConfigRecommender, djl-serving v0.36.0).
const LMI_VLLM_ENV = { ...LMI_BASE, OPTION_MAX_MODEL_LEN: '4096', OPTION_GPU_MEMORY_UTILIZATION: '0.9' };
// TensorRT-LLM 0.33.0: trtllm-build's max_input_len and max_seq_len, dtype as tensorrt_llm.LLM names it.
const TRTLLM_ENV = { ...LMI_BASE, OPTION_DTYPE: 'bfloat16', OPTION_ROLLING_BATCH: 'trtllm', OPTION_MAX_INPUT_LEN: '3072', OPTION_MAX_SEQ_LEN: '4096' };
const TGI_ENV = {
  HF_MODEL_ID: MODEL, SM_NUM_GPUS: '4', MAX_INPUT_TOKENS: '3072', MAX_TOTAL_TOKENS: '4096',
  MAX_BATCH_PREFILL_TOKENS: '3122', MAX_CONCURRENT_REQUESTS: '128',
};
const HF_VLLM_ENV = {
  SM_VLLM_MODEL: MODEL, SM_VLLM_HOST: '0.0.0.0', SM_VLLM_TENSOR_PARALLEL_SIZE: '4', SM_VLLM_MAX_MODEL_LEN: '4096',
  SM_VLLM_MAX_NUM_SEQS: '8', SM_VLLM_GPU_MEMORY_UTILIZATION: '0.9', SM_VLLM_DTYPE: 'bfloat16',
};
// SM_ON_ALLOW_NON_CACHED_MODEL: no cached shape can be relied on, so serve may compile (optimum-neuron serve.py).
const NEURON_ENV = { SM_ON_MODEL: MODEL, SM_ON_TENSOR_PARALLEL_SIZE: '2', SM_ON_BATCH_SIZE: '8', SM_ON_SEQUENCE_LENGTH: '4096', SM_ON_ALLOW_NON_CACHED_MODEL: '' };

function settings(container: ServingContainer, quantization: Quantization, overrides: Partial<ContainerSettingsInput> = {}): ContainerSettingsInput {
  const base = container.acceleratorKind === AcceleratorKind.NEURON ? NEURON_INPUT : GPU_INPUT;
  return { ...base, container, quantization, ...overrides };
}

/** The IncompatibleSettingsError `containerEnvironment` throws, or fails the test. */
function rejection(input: ContainerSettingsInput): IncompatibleSettingsError {
  try {
    containerEnvironment(input);
  } catch (e) {
    if (e instanceof IncompatibleSettingsError) return e;
    throw e;
  }
  throw new Error(`expected ${input.container.name} with ${input.quantization} to be rejected`);
}

describe('containerEnvironment', () => {
  test.each([
    ['LMI (vLLM)', LMI_VLLM, Quantization.NONE, LMI_VLLM_ENV],
    ['LMI (vLLM)', LMI_VLLM, Quantization.FP8, { ...LMI_VLLM_ENV, OPTION_QUANTIZE: 'fp8' }],
    ['LMI (vLLM)', LMI_VLLM, Quantization.awq(), LMI_VLLM_ENV],
    ['LMI (vLLM)', LMI_VLLM, Quantization.GPTQ, LMI_VLLM_ENV],
    ['LMI (vLLM)', LMI_VLLM, Quantization.BITSANDBYTES_NF4, { ...LMI_VLLM_ENV, OPTION_QUANTIZE: 'bitsandbytes' }],
    ['LMI (TensorRT-LLM)', LMI_TENSORRT_LLM, Quantization.NONE, TRTLLM_ENV],
    // trt_llm_partition.py (0.33.0-dlc) reads quantization only from quant_algo (tensorrt_llm QuantAlgo names).
    ['LMI (TensorRT-LLM)', LMI_TENSORRT_LLM, Quantization.FP8, { ...TRTLLM_ENV, OPTION_QUANT_ALGO: 'FP8' }],
    ['LMI (TensorRT-LLM)', LMI_TENSORRT_LLM, Quantization.INT8_SMOOTHQUANT, { ...TRTLLM_ENV, OPTION_QUANT_ALGO: 'W8A8_SQ_PER_CHANNEL' }],
    ['LMI (TensorRT-LLM)', LMI_TENSORRT_LLM, Quantization.awq({ preQuantized: false }), { ...TRTLLM_ENV, OPTION_QUANT_ALGO: 'W4A16_AWQ' }],
    ['Hugging Face TGI', HF_TGI, Quantization.NONE, TGI_ENV],
    ['Hugging Face TGI', HF_TGI, Quantization.FP8, { ...TGI_ENV, HF_MODEL_QUANTIZE: 'fp8' }],
    ['Hugging Face TGI', HF_TGI, Quantization.awq(), { ...TGI_ENV, HF_MODEL_QUANTIZE: 'awq' }],
    ['Hugging Face TGI', HF_TGI, Quantization.GPTQ, { ...TGI_ENV, HF_MODEL_QUANTIZE: 'gptq' }],
    ['Hugging Face TGI', HF_TGI, Quantization.BITSANDBYTES_INT8, { ...TGI_ENV, HF_MODEL_QUANTIZE: 'bitsandbytes' }],
    ['Hugging Face TGI', HF_TGI, Quantization.BITSANDBYTES_NF4, { ...TGI_ENV, HF_MODEL_QUANTIZE: 'bitsandbytes-nf4' }],
    ['Hugging Face vLLM', HF_VLLM, Quantization.NONE, HF_VLLM_ENV],
    ['Hugging Face vLLM', HF_VLLM, Quantization.FP8, { ...HF_VLLM_ENV, SM_VLLM_QUANTIZATION: 'fp8' }],
    ['Hugging Face vLLM', HF_VLLM, Quantization.awq(), HF_VLLM_ENV],
    ['Hugging Face vLLM', HF_VLLM, Quantization.GPTQ, HF_VLLM_ENV],
    ['Hugging Face vLLM', HF_VLLM, Quantization.BITSANDBYTES_NF4, { ...HF_VLLM_ENV, SM_VLLM_QUANTIZATION: 'bitsandbytes' }],
    ['Hugging Face vLLM (Neuron)', NEURON, Quantization.NONE, NEURON_ENV],
  ])('%s with %s', (_name, container, quantization, expected) => {
    // WHEN
    const env = containerEnvironment(settings(container, quantization));
    // THEN
    expect(env).toEqual(expected);
  });

  test.each([
    ['LMI (vLLM)', LMI_VLLM, { ...LMI_VLLM_ENV, HF_REVISION: 'abc123', HF_MODEL_TRUST_REMOTE_CODE: 'true' }],
    ['LMI (TensorRT-LLM)', LMI_TENSORRT_LLM, { ...TRTLLM_ENV, HF_REVISION: 'abc123', HF_MODEL_TRUST_REMOTE_CODE: 'true' }],
    ['Hugging Face TGI', HF_TGI, { ...TGI_ENV, HF_MODEL_REVISION: 'abc123', HF_MODEL_TRUST_REMOTE_CODE: 'true' }],
    // An empty SM_VLLM_/SM_ON_ value becomes a bare flag (--trust-remote-code) in the entrypoints.
    ['Hugging Face vLLM', HF_VLLM, { ...HF_VLLM_ENV, SM_VLLM_REVISION: 'abc123', SM_VLLM_TRUST_REMOTE_CODE: '' }],
    ['Hugging Face vLLM (Neuron)', NEURON, { ...NEURON_ENV, SM_ON_REVISION: 'abc123', SM_ON_TRUST_REMOTE_CODE: '' }],
  ])('%s passes the revision and trusts remote code when asked', (_name, container, expected) => {
    expect(containerEnvironment(settings(container, Quantization.NONE, { revision: 'abc123', trustRemoteCode: true }))).toEqual(expected);
  });

  test('weights from S3 load from /opt/ml/model', () => {
    expect(containerEnvironment(settings(LMI_VLLM, Quantization.NONE, { modelId: '/opt/ml/model' })).HF_MODEL_ID).toBe('/opt/ml/model');
  });

  describe('on a T4 (no bf16)', () => {
    const t4 = { instance: instance('ml.g4dn.12xlarge') };

    test('LMI and Hugging Face vLLM run in fp16', () => {
      expect(containerEnvironment(settings(LMI_VLLM, Quantization.NONE, t4)).OPTION_DTYPE).toBe('fp16');
      expect(containerEnvironment(settings(HF_VLLM, Quantization.awq(), t4)).SM_VLLM_DTYPE).toBe('float16');
    });

    test('TGI gets DTYPE=float16, but not together with a quantization (TGI rejects both)', () => {
      expect(containerEnvironment(settings(HF_TGI, Quantization.NONE, t4))).toEqual({ ...TGI_ENV, DTYPE: 'float16' });
      expect(containerEnvironment(settings(HF_TGI, Quantization.GPTQ, t4))).toEqual({ ...TGI_ENV, HF_MODEL_QUANTIZE: 'gptq' });
    });
  });

  test('TGI admits at least its default 128 requests, and the sized concurrency when larger', () => {
    expect(containerEnvironment(settings(HF_TGI, Quantization.NONE, { maxConcurrentRequests: 1 })).MAX_CONCURRENT_REQUESTS).toBe('128');
    expect(containerEnvironment(settings(HF_TGI, Quantization.NONE, { maxConcurrentRequests: 300 })).MAX_CONCURRENT_REQUESTS).toBe('300');
  });

  test('a tensor-parallel degree below the device count is kept (LMI runs several copies)', () => {
    expect(containerEnvironment(settings(LMI_VLLM, Quantization.NONE, { tensorParallelDegree: 2 })).TENSOR_PARALLEL_DEGREE).toBe('2');
    expect(containerEnvironment(settings(NEURON, Quantization.NONE, { instance: instance('ml.inf2.48xlarge'), tensorParallelDegree: 24 })).SM_ON_TENSOR_PARALLEL_SIZE).toBe('24');
  });

  test('a custom image speaks its family\'s dialect', () => {
    // GIVEN
    const custom = ServingContainer.custom('123456789012.dkr.ecr.us-east-1.amazonaws.com/my-lmi:1', ContainerFamily.LMI, AcceleratorKind.GPU);
    // THEN
    expect(containerEnvironment(settings(custom, Quantization.FP8))).toEqual({ ...LMI_VLLM_ENV, OPTION_QUANTIZE: 'fp8' });
  });
});

describe('compatibility matrix on a GPU that supports everything (L40S) and on Inferentia2', () => {
  const quantizations = [
    Quantization.NONE, Quantization.FP8, Quantization.INT8_SMOOTHQUANT, Quantization.awq(), Quantization.awq({ preQuantized: false }),
    Quantization.GPTQ, Quantization.BITSANDBYTES_INT8, Quantization.BITSANDBYTES_NF4,
  ];
  const allowed = (container: ServingContainer) => quantizations.map((q) =>
    compatibilityProblems(container, q, container === NEURON ? NEURON_INPUT.instance : GPU_INPUT.instance).length === 0);

  test.each([
    //                                 none  fp8    sq     awq    awq@load gptq  bnb8   nf4
    ['LMI (vLLM)', LMI_VLLM, [true, true, false, true, false, true, false, true]],
    ['LMI (TensorRT-LLM)', LMI_TENSORRT_LLM, [true, true, true, false, true, false, false, false]],
    ['Hugging Face TGI', HF_TGI, [true, true, false, true, false, true, true, true]],
    ['Hugging Face vLLM', HF_VLLM, [true, true, false, true, false, true, false, true]],
    ['Hugging Face vLLM (Neuron)', NEURON, [true, false, false, false, false, false, false, false]],
  ])('%s', (_name, container, expected) => {
    expect(allowed(container)).toEqual(expected);
  });
});

describe('compatibilityProblems', () => {
  test.each([LMI_VLLM, LMI_TENSORRT_LLM, HF_TGI, HF_VLLM])('fails when a GPU container (%s) runs on a Neuron instance', (container) => {
    expect(compatibilityProblems(container, Quantization.NONE, instance('ml.inf2.xlarge'))).toEqual([
      `${container.name} with none on ml.inf2.xlarge (1x Inferentia2): ${container.name} is a CUDA image for NVIDIA GPUs and the AWS Inferentia2 ` +
      `is a Neuron device; use ServingContainer.NEURON on this instance, or a GPU instance (ml.g5, ml.g6, ml.g6e, ml.p4d, ml.p5) for ${container.name}.`,
    ]);
  });

  test('fails when the Neuron container runs on a GPU instance', () => {
    expect(compatibilityProblems(NEURON, Quantization.NONE, instance('ml.g5.2xlarge'))).toEqual([
      'Hugging Face vLLM (Neuron) with none on ml.g5.2xlarge (1x A10G): Hugging Face vLLM (Neuron) runs only on AWS Neuron devices ' +
      '(Inferentia2, Trainium) and the NVIDIA A10G is a GPU; use an inf2 or trn1 instance, or a GPU container (ServingContainer.LMI_VLLM or HF_VLLM) on this instance.',
    ]);
  });

  test('fails when a custom image runs on the other kind of accelerator', () => {
    const custom = ServingContainer.custom('1.dkr.ecr.us-east-1.amazonaws.com/x:1', ContainerFamily.HF_VLLM, AcceleratorKind.GPU);
    expect(compatibilityProblems(custom, Quantization.NONE, instance('ml.trn1.2xlarge'))).toEqual([
      expect.stringContaining('is a CUDA image for NVIDIA GPUs and the AWS Trainium is a Neuron device'),
    ]);
  });

  test.each([
    ['ml.g5.2xlarge', '1x A10G', 'NVIDIA A10G', 'Ampere'],
    ['ml.g4dn.xlarge', '1x T4', 'NVIDIA T4', 'Turing'],
    ['ml.p4d.24xlarge', '8x A100 40GB', 'NVIDIA A100 40GB', 'Ampere'],
    ['ml.p4de.24xlarge', '8x A100 80GB', 'NVIDIA A100 80GB', 'Ampere'],
  ])('fails when fp8 runs on %s, whose GPU has no FP8 tensor cores', (type, accelerators, gpu, generation) => {
    expect(compatibilityProblems(LMI_VLLM, Quantization.FP8, instance(type))).toEqual([
      `LMI (vLLM) with FP8 (quantized at load) on ${type} (${accelerators}): fp8 needs FP8 tensor cores (Ada Lovelace or Hopper) and the ${gpu} is ${generation}; ` +
      'use an instance with L4, L40S, H100 or H200 GPUs (ml.g6, ml.g6e, ml.p5, ml.p5e), or Quantization.awq() with an AWQ checkpoint on this instance.',
    ]);
  });

  test.each([HF_TGI, HF_VLLM, LMI_TENSORRT_LLM])('fails when fp8 runs on an A10G with %s too', (container) => {
    expect(compatibilityProblems(container, Quantization.FP8, instance('ml.g5.12xlarge'))).toEqual([expect.stringContaining('fp8 needs FP8 tensor cores')]);
  });

  test('fp8 runs on Ada and Hopper', () => {
    for (const type of ['ml.g6.xlarge', 'ml.g6e.xlarge', 'ml.p5.48xlarge', 'ml.p5en.48xlarge']) {
      expect(compatibilityProblems(LMI_VLLM, Quantization.FP8, instance(type))).toEqual([]);
    }
  });

  test.each([Quantization.BITSANDBYTES_INT8, Quantization.BITSANDBYTES_NF4])('fails when bitsandbytes (%s) runs on Neuron', (quantization) => {
    expect(compatibilityProblems(NEURON, quantization, instance('ml.inf2.xlarge'))).toEqual([
      `Hugging Face vLLM (Neuron) with ${quantization} on ml.inf2.xlarge (1x Inferentia2): bitsandbytes has kernels for CUDA GPUs only; ` +
      'use Quantization.NONE on Neuron (a larger inf2 or trn1 instance if the model does not fit), ' +
      `or serve ${quantization} from a GPU container on a GPU instance (ml.g5, ml.g6, ml.g6e, ml.p4d, ml.p5).`,
    ]);
  });

  test.each([Quantization.FP8, Quantization.INT8_SMOOTHQUANT, Quantization.awq(), Quantization.awq({ preQuantized: false }), Quantization.GPTQ])(
    'fails when the Neuron container is given a quantization (%s)', (quantization) => {
      expect(compatibilityProblems(NEURON, quantization, instance('ml.trn1.32xlarge'))).toEqual([
        `Hugging Face vLLM (Neuron) with ${quantization} on ml.trn1.32xlarge (16x Trainium): optimum-neuron compiles the model at its 16-bit dtype ` +
        'and the kit has no Neuron setting for this quantization; use Quantization.NONE on Neuron (a larger inf2 or trn1 instance if the model does not fit), ' +
        `or serve ${quantization} from a GPU container on a GPU instance (ml.g5, ml.g6, ml.g6e, ml.p4d, ml.p5).`,
      ]);
    });

  test.each([LMI_VLLM, HF_TGI, HF_VLLM])('fails when INT8 SmoothQuant is asked of %s (TensorRT-LLM only)', (container) => {
    expect(compatibilityProblems(container, Quantization.INT8_SMOOTHQUANT, instance('ml.g6e.2xlarge'))).toEqual([
      `${container.name} with INT8 SmoothQuant (quantized at compile) on ml.g6e.2xlarge (1x L40S): INT8 SmoothQuant is applied by TensorRT-LLM ` +
      `while it compiles the engine and ${container.name} has no such setting; use ServingContainer.LMI_TENSORRT_LLM, or Quantization.FP8 or ` +
      'Quantization.awq() with this container.',
    ]);
  });

  test.each([LMI_VLLM, HF_VLLM, HF_TGI])('fails when %s is to quantize full-precision weights to AWQ at load', (container) => {
    expect(compatibilityProblems(container, Quantization.awq({ preQuantized: false }), instance('ml.g5.2xlarge'))).toEqual([
      `${container.name} with AWQ (quantized at load/compile) on ml.g5.2xlarge (1x A10G): ${container.name} serves AWQ checkpoints only and cannot ` +
      'quantize full-precision weights to AWQ at load; use an AWQ checkpoint (e.g. hugging-quants/...-AWQ-INT4) with Quantization.awq(), ' +
      'or ServingContainer.LMI_TENSORRT_LLM, which quantizes to AWQ while compiling.',
    ]);
  });

  test.each([
    ['AWQ', Quantization.awq()],
    ['GPTQ', Quantization.GPTQ],
  ])('fails when TensorRT-LLM is given a pre-quantized %s checkpoint', (checkpoint, quantization) => {
    expect(compatibilityProblems(LMI_TENSORRT_LLM, quantization, instance('ml.g5.12xlarge'))).toEqual([
      `LMI (TensorRT-LLM) with ${quantization} on ml.g5.12xlarge (4x A10G): TensorRT-LLM quantizes full-precision weights while it compiles ` +
      `the engine and does not load ${checkpoint} checkpoints; give it the full-precision model with Quantization.awq({ preQuantized: false }), ` +
      'or serve the checkpoint with ServingContainer.LMI_VLLM, HF_VLLM or HF_TGI.',
    ]);
  });

  test.each([Quantization.BITSANDBYTES_INT8, Quantization.BITSANDBYTES_NF4])('fails when TensorRT-LLM is asked for bitsandbytes (%s)', (quantization) => {
    expect(compatibilityProblems(LMI_TENSORRT_LLM, quantization, instance('ml.g6.12xlarge'))).toEqual([
      `LMI (TensorRT-LLM) with ${quantization} on ml.g6.12xlarge (4x L4): TensorRT-LLM has no bitsandbytes support (LMI offers smoothquant, ` +
      'awq and fp8); use Quantization.INT8_SMOOTHQUANT or Quantization.awq({ preQuantized: false }), or serve bitsandbytes with ServingContainer.HF_TGI.',
    ]);
  });

  test.each([LMI_VLLM, HF_VLLM])('fails when %s is asked for bitsandbytes int8 (vLLM quantizes in flight to 4 bits only)', (container) => {
    expect(compatibilityProblems(container, Quantization.BITSANDBYTES_INT8, instance('ml.g5.2xlarge'))).toEqual([
      `${container.name} with bitsandbytes int8 (quantized at load) on ml.g5.2xlarge (1x A10G): vLLM quantizes with bitsandbytes at load to 4 bits only ` +
      '(8-bit needs a pre-quantized checkpoint); use Quantization.BITSANDBYTES_NF4, or ServingContainer.HF_TGI for bitsandbytes int8.',
    ]);
  });

  test('fails when TensorRT-LLM runs on a T4 (Turing)', () => {
    expect(compatibilityProblems(LMI_TENSORRT_LLM, Quantization.NONE, instance('ml.g4dn.12xlarge'))).toEqual([
      'LMI (TensorRT-LLM) with none on ml.g4dn.12xlarge (4x T4): TensorRT-LLM supports Ampere, Ada Lovelace and Hopper GPUs and the NVIDIA T4 is Turing; ' +
      'use ServingContainer.LMI_VLLM on this instance, or an ml.g5, ml.g6 or newer instance for TensorRT-LLM.',
    ]);
  });

  test('reports every problem of a combination at once', () => {
    // GIVEN a pre-quantized AWQ checkpoint for TensorRT-LLM on a T4
    const problems = compatibilityProblems(LMI_TENSORRT_LLM, Quantization.awq(), instance('ml.g4dn.xlarge'));
    // THEN
    expect(problems).toEqual([expect.stringContaining('does not load AWQ checkpoints'), expect.stringContaining('NVIDIA T4 is Turing')]);
  });
});

describe('containerEnvironment limits', () => {
  test('fails when tensorParallelDegree exceeds the GPUs of the instance', () => {
    expect(rejection(settings(LMI_VLLM, Quantization.NONE, { instance: instance('ml.g5.12xlarge'), tensorParallelDegree: 8 })).problems).toEqual([
      'tensorParallelDegree is 8, but ml.g5.12xlarge has 4 GPUs (4x A10G): one model copy spans at most 4; lower the degree or choose an instance with more GPUs.',
    ]);
  });

  test('fails when tensorParallelDegree exceeds the NeuronCores (2 per chip)', () => {
    expect(rejection(settings(NEURON, Quantization.NONE, { instance: instance('ml.inf2.xlarge'), tensorParallelDegree: 4 })).problems).toEqual([
      'tensorParallelDegree is 4, but ml.inf2.xlarge has 2 NeuronCores (1x Inferentia2, 2 per chip): one model copy spans at most 2; ' +
      'lower the degree or choose an instance with more NeuronCores.',
    ]);
  });

  test.each([0, 1.5, Number.NaN])('fails when tensorParallelDegree is %s', (tensorParallelDegree) => {
    expect(rejection(settings(HF_VLLM, Quantization.NONE, { tensorParallelDegree })).problems).toEqual([
      `tensorParallelDegree is ${tensorParallelDegree}: use a whole number from 1 to 4 (GPUs on ml.g6e.12xlarge).`,
    ]);
  });

  test('fails when the token limits or the concurrency are not positive whole numbers', () => {
    expect(rejection(settings(HF_TGI, Quantization.NONE, { maxInputTokens: 0, maxOutputTokens: -5, maxConcurrentRequests: 2.5 })).problems).toEqual([
      'maxInputTokens is 0: use a whole number of at least 1 (prompt tokens per request, e.g. 4096).',
      'maxOutputTokens is -5: use a whole number of at least 1 (generated tokens per request, e.g. 1024).',
      'maxConcurrentRequests is 2.5: use a whole number of at least 1 (requests one instance decodes at once, e.g. 8).',
    ]);
  });

  test('fails when the model id or revision is empty', () => {
    expect(rejection(settings(LMI_VLLM, Quantization.NONE, { modelId: ' ', revision: '' })).problems).toEqual([
      'modelId is empty: use a Hugging Face model id (e.g. meta-llama/Llama-3.1-8B-Instruct) or /opt/ml/model for weights from S3.',
      'revision is empty: give a 40-character commit id, a tag or a branch of the Hugging Face repository, or leave it out.',
    ]);
  });

  test('fails with every problem at once: the combination and the limits', () => {
    // GIVEN fp8 on an A10G with TP over the instance's GPUs
    const error = rejection(settings(HF_VLLM, Quantization.FP8, { instance: instance('ml.g5.2xlarge'), tensorParallelDegree: 2 }));
    // THEN
    expect(error.problems).toEqual([expect.stringContaining('fp8 needs FP8 tensor cores'), expect.stringContaining('tensorParallelDegree is 2')]);
    expect(error.name).toBe('IncompatibleSettingsError');
    expect(error.message).toMatch(/^Cannot configure the serving container \(2 problems\):\n {2}- Hugging Face vLLM with FP8/);
  });
});
