/**
 * Container settings from the sizing engine's answer: `compatibilityProblems` rejects container x quantization
 * x accelerator combinations that cannot run, and `containerEnvironment` writes the exact environment each
 * container dialect reads. Pure: the InferenceEndpoint construct calls it and turns errors into synth errors.
 */
import { checkRevision } from './revision';
import { AcceleratorKind } from '../sizing/accelerators';
import { describeAccelerators, shardUnits, type InstanceSpec } from '../sizing/instances';
import { precisionSpec } from '../sizing/precision';
import { DEFAULT_MEMORY_UTILIZATION } from '../sizing/serving';
import { ContainerFamily, type ServingContainer } from './containers';
import { QuantizationMethod, type Quantization } from './quantization';

export interface ContainerSettingsInput {
  readonly container: ServingContainer;
  readonly quantization: Quantization;
  /** What the container loads: a Hugging Face id, or '/opt/ml/model' for weights delivered from S3. */
  readonly modelId: string;
  /** Hugging Face revision: a 40-character commit id (pinned), a tag or a branch (`checkRevision`). @default - none */
  readonly revision?: string;
  /** The instance (from lib/sizing InstanceCatalog.DEFAULT.get(...)), for hardware checks and core counts. */
  readonly instance: InstanceSpec;
  /** GPUs or NeuronCores one model copy spans (from the sizing engine's candidate). */
  readonly tensorParallelDegree: number;
  readonly maxInputTokens: number;
  readonly maxOutputTokens: number;
  /** Requests one instance decodes at once (rolling batch size). */
  readonly maxConcurrentRequests: number;
  /** @default false */
  readonly trustRemoteCode?: boolean;
  /**
   * LoRA adapters will be attached (inference components with `BaseInferenceComponentName`): LMI loads them
   * only with `option.enable_lora=true` (djl-serving serving/docs/adapters.md).
   * @default false
   */
  readonly enableLora?: boolean;
}

/**
 * Thrown by `containerEnvironment`; `problems` holds one sentence per problem, each with what to do.
 *
 * TypeScript and JavaScript only. An Error subclass cannot cross to other languages: there the same message arrives as the
 * runtime's error (for example `RuntimeError` in Python).
 *
 * @jsii ignore
 */
export class IncompatibleSettingsError extends Error {
  public readonly problems: readonly string[];

  public constructor(problems: readonly string[]) {
    const plural = problems.length === 1 ? 'problem' : 'problems';
    super(`Cannot configure the serving container (${problems.length} ${plural}):\n  - ${problems.join('\n  - ')}`);
    this.name = 'IncompatibleSettingsError';
    this.problems = problems;
  }
}

/** Which engine actually runs the model: what decides the quantization rules. */
type Engine = 'vllm' | 'trtllm' | 'tgi' | 'neuron';

function engineOf(container: ServingContainer): Engine {
  switch (container.family) {
    case ContainerFamily.LMI: return container.lmiRollingBatch ?? 'vllm';
    case ContainerFamily.HF_VLLM: return 'vllm';
    case ContainerFamily.TGI: return 'tgi';
    case ContainerFamily.NEURON: return 'neuron';
  }
}

const GPU_INSTANCES = 'a GPU instance (ml.g5, ml.g6, ml.g6e, ml.p4d, ml.p5)';
const FP8_INSTANCES = 'an instance with L4, L40S, H100 or H200 GPUs (ml.g6, ml.g6e, ml.p5, ml.p5e)';

/**
 * Every reason the combination cannot work, each a full sentence naming container, quantization and
 * instance/accelerator, and what to use instead. Empty when compatible.
 */
export function compatibilityProblems(container: ServingContainer, quantization: Quantization, instance: InstanceSpec): string[] {
  const accelerator = instance.accelerator;
  const subject = `${container.name} with ${quantization} on ${instance.instanceType} (${describeAccelerators(instance)})`;
  const engine = engineOf(container);
  const method = quantization.method;
  const problems: string[] = [];

  const kindMatches = container.acceleratorKind === accelerator.kind;
  if (!kindMatches && container.acceleratorKind === AcceleratorKind.GPU) {
    problems.push(`${subject}: ${container.name} is a CUDA image for NVIDIA GPUs and the ${accelerator.name} is a Neuron device; ` +
      `use ServingContainer.NEURON on this instance, or ${GPU_INSTANCES} for ${container.name}.`);
  } else if (!kindMatches) {
    problems.push(`${subject}: ${container.name} runs only on AWS Neuron devices (Inferentia2, Trainium) and the ${accelerator.name} ` +
      'is a GPU; use an inf2 or trn1 instance, or a GPU container (ServingContainer.LMI_VLLM or HF_VLLM) on this instance.');
  }

  if (engine === 'neuron' && method !== QuantizationMethod.NONE) {
    // optimum-neuron compiles the model ahead of time at the checkpoint's 16-bit dtype; the kit has no Neuron
    // quantization setting, and bitsandbytes has CUDA kernels only (vLLM supported-hardware table, read 2026-08).
    const why = isBitsAndBytes(method)
      ? 'bitsandbytes has kernels for CUDA GPUs only'
      : 'optimum-neuron compiles the model at its 16-bit dtype and the kit has no Neuron setting for this quantization';
    problems.push(`${subject}: ${why}; use Quantization.NONE on Neuron (a larger inf2 or trn1 instance if the model does not fit), ` +
      `or serve ${quantization} from a GPU container on ${GPU_INSTANCES}.`);
  } else {
    problems.push(...quantizationProblems(subject, container, quantization, engine));
  }

  if (kindMatches && accelerator.kind === AcceleratorKind.GPU) {
    if (precisionSpec(quantization.precision).requiresFp8Hardware && !accelerator.supportsFp8) {
      problems.push(`${subject}: fp8 needs FP8 tensor cores (Ada Lovelace or Hopper) and the ${accelerator.name} is ${accelerator.generation}; ` +
        `use ${FP8_INSTANCES}, or Quantization.awq() with an AWQ checkpoint on this instance.`);
    }
    // TensorRT-LLM support matrix (nvidia.github.io/TensorRT-LLM 0.18.2, read 2026-08): Ampere (SM80/86), Ada
    // (SM89) and Hopper (SM90); Turing is not listed. bf16 needs compute capability 8.0 too (Transformer Engine
    // support matrix), so the catalog's supportsBf16 flag marks the GPUs TensorRT-LLM supports.
    if (engine === 'trtllm' && !accelerator.supportsBf16) {
      problems.push(`${subject}: TensorRT-LLM supports Ampere, Ada Lovelace and Hopper GPUs and the ${accelerator.name} is ${accelerator.generation}; ` +
        'use ServingContainer.LMI_VLLM on this instance, or an ml.g5, ml.g6 or newer instance for TensorRT-LLM.');
    }
  }
  return problems;
}

function quantizationProblems(subject: string, container: ServingContainer, quantization: Quantization, engine: Engine): string[] {
  const method = quantization.method;
  const problems: string[] = [];
  if (method === QuantizationMethod.INT8_SMOOTHQUANT && engine !== 'trtllm') {
    // LMI: SmoothQuant is a TensorRT-LLM option (trt_llm_user_guide.md); vLLM and TGI have no SmoothQuant setting.
    problems.push(`${subject}: INT8 SmoothQuant is applied by TensorRT-LLM while it compiles the engine and ${container.name} ` +
      'has no such setting; use ServingContainer.LMI_TENSORRT_LLM, or Quantization.FP8 or Quantization.awq() with this container.');
  }
  if (method === QuantizationMethod.AWQ && !quantization.preQuantized && engine !== 'trtllm') {
    // LMI vLLM quantizes at load only to fp8 or bitsandbytes (vllm_user_guide.md); TGI's awq "requires a specific
    // AWQ quantized model" (TGI launcher docs).
    problems.push(`${subject}: ${container.name} serves AWQ checkpoints only and cannot quantize full-precision weights to AWQ at load; ` +
      'use an AWQ checkpoint (e.g. hugging-quants/...-AWQ-INT4) with Quantization.awq(), or ServingContainer.LMI_TENSORRT_LLM, ' +
      'which quantizes to AWQ while compiling.');
  }
  if ((method === QuantizationMethod.GPTQ || (method === QuantizationMethod.AWQ && quantization.preQuantized)) && engine === 'trtllm') {
    // LMI TensorRT-LLM: OPTION_QUANTIZE=<smoothquant|awq|fp8> quantizes full-precision weights at compile time
    // (trt_llm_user_guide.md); it takes Hugging Face fp16/bf16 checkpoints, not GPTQ/AWQ ones.
    const checkpoint = method === QuantizationMethod.GPTQ ? 'GPTQ' : 'AWQ';
    problems.push(`${subject}: TensorRT-LLM quantizes full-precision weights while it compiles the engine and does not load ${checkpoint} checkpoints; ` +
      'give it the full-precision model with Quantization.awq({ preQuantized: false }), or serve the checkpoint with ' +
      'ServingContainer.LMI_VLLM, HF_VLLM or HF_TGI.');
  }
  if (isBitsAndBytes(method) && engine === 'trtllm') {
    problems.push(`${subject}: TensorRT-LLM has no bitsandbytes support (LMI offers smoothquant, awq and fp8); use ` +
      'Quantization.INT8_SMOOTHQUANT or Quantization.awq({ preQuantized: false }), or serve bitsandbytes with ServingContainer.HF_TGI.');
  }
  if (method === QuantizationMethod.BITSANDBYTES_INT8 && engine === 'vllm') {
    // vLLM docs, BitsAndBytes (read 2026-08): "Inflight quantization: load as 4bit quantization"; 8-bit only
    // from pre-quantized checkpoints.
    problems.push(`${subject}: vLLM quantizes with bitsandbytes at load to 4 bits only (8-bit needs a pre-quantized checkpoint); ` +
      'use Quantization.BITSANDBYTES_NF4, or ServingContainer.HF_TGI for bitsandbytes int8.');
  }
  return problems;
}

function isBitsAndBytes(method: QuantizationMethod): boolean {
  return method === QuantizationMethod.BITSANDBYTES_INT8 || method === QuantizationMethod.BITSANDBYTES_NF4;
}

/** Problems with the numbers and ids, independent of the combination. */
function limitProblems(input: ContainerSettingsInput): string[] {
  const problems: string[] = [];
  const positiveInteger = (field: string, value: number, hint: string) => {
    if (!Number.isInteger(value) || value < 1) problems.push(`${field} is ${String(value)}: use a whole number of at least 1 (${hint}).`);
  };
  if (input.modelId.trim() === '') {
    problems.push('modelId is empty: use a Hugging Face model id (e.g. meta-llama/Llama-3.1-8B-Instruct) or /opt/ml/model for weights from S3.');
  }
  const revision = input.revision === undefined ? undefined : checkRevision(input.revision);
  if (revision?.problem) problems.push(revision.problem);
  positiveInteger('maxInputTokens', input.maxInputTokens, 'prompt tokens per request, e.g. 4096');
  positiveInteger('maxOutputTokens', input.maxOutputTokens, 'generated tokens per request, e.g. 1024');
  positiveInteger('maxConcurrentRequests', input.maxConcurrentRequests, 'requests one instance decodes at once, e.g. 8');
  const tp = input.tensorParallelDegree;
  const units = shardUnits(input.instance);
  if (!Number.isInteger(tp) || tp < 1) {
    problems.push(`tensorParallelDegree is ${String(tp)}: use a whole number from 1 to ${units.count} (${units.label}s on ${input.instance.instanceType}).`);
  } else if (tp > units.count) {
    const per = input.instance.accelerator.coresPerDevice > 1 ? `, ${input.instance.accelerator.coresPerDevice} per chip` : '';
    problems.push(`tensorParallelDegree is ${tp}, but ${input.instance.instanceType} has ${units.count} ${units.label}s ` +
      `(${describeAccelerators(input.instance)}${per}): one model copy spans at most ${units.count}; lower the degree or choose an instance with more ${units.label}s.`);
  }
  return problems;
}

/**
 * The exact environment the container receives (string values), or throws IncompatibleSettingsError listing
 * every problem (compatibilityProblems plus limits, e.g. a tensor-parallel degree over the instance's devices).
 */
export function containerEnvironment(input: ContainerSettingsInput): Record<string, string> {
  const problems = [...compatibilityProblems(input.container, input.quantization, input.instance), ...limitProblems(input)];
  if (problems.length > 0) throw new IncompatibleSettingsError(problems);
  switch (input.container.family) {
    case ContainerFamily.LMI: return lmiEnvironment(input);
    case ContainerFamily.TGI: return tgiEnvironment(input);
    case ContainerFamily.HF_VLLM: return hfVllmEnvironment(input);
    case ContainerFamily.NEURON: return neuronEnvironment(input);
  }
}

const totalTokens = (input: ContainerSettingsInput) => input.maxInputTokens + input.maxOutputTokens;
const MEMORY_UTILIZATION = String(DEFAULT_MEMORY_UTILIZATION);

/**
 * vLLM's quantization value for what it quantizes at load: fp8, or bitsandbytes, which vLLM's docs describe only as
 * "load as 4bit quantization" (⚠ that the 4-bit type is NF4 is not confirmed; the sizing is int4 either way).
 * Pre-quantized AWQ/GPTQ checkpoints need no value:
 * vLLM reads the method from the checkpoint, and setting one "limits the optimizations that vLLM can apply"
 * (djl-serving vllm_user_guide.md; sizing-facts.md §3). Combinations rejected earlier never reach these tables.
 */
const VLLM_QUANTIZATION: Partial<Record<QuantizationMethod, string>> = {
  [QuantizationMethod.FP8]: 'fp8',
  [QuantizationMethod.BITSANDBYTES_NF4]: 'bitsandbytes',
};

/**
 * LMI TensorRT-LLM: the engine is built by serving/docker/partition/trt_llm_partition.py (djl-serving branch
 * 0.33.0-dlc), which reads the quantization only from `quant_algo` (parse_quant_config: a tensorrt_llm QuantAlgo
 * name); `option.quantize` is not read there. Values are TensorRT-LLM's QuantAlgo members.
 */
const TRTLLM_QUANT_ALGO: Partial<Record<QuantizationMethod, string>> = {
  [QuantizationMethod.FP8]: 'FP8',
  [QuantizationMethod.INT8_SMOOTHQUANT]: 'W8A8_SQ_PER_CHANNEL',
  [QuantizationMethod.AWQ]: 'W4A16_AWQ',
};

/** TGI launcher --max-concurrent-requests default (launcher.md). */
const TGI_DEFAULT_MAX_CONCURRENT_REQUESTS = 128;

/** TGI --quantize values (launcher.md): awq and gptq name the checkpoint's format; the others quantize at load. */
const TGI_QUANTIZE: Partial<Record<QuantizationMethod, string>> = {
  [QuantizationMethod.FP8]: 'fp8',
  [QuantizationMethod.AWQ]: 'awq',
  [QuantizationMethod.GPTQ]: 'gptq',
  [QuantizationMethod.BITSANDBYTES_INT8]: 'bitsandbytes',
  [QuantizationMethod.BITSANDBYTES_NF4]: 'bitsandbytes-nf4',
};

/**
 * djl-serving LMI (configurations.md; vllm_user_guide.md; trt_llm_user_guide.md; sizing-facts.md §3, read 2026-08).
 * Every `option.x` is also `OPTION_X`; vLLM engine arguments pass through the same way.
 * MAX_CONCURRENT_REQUESTS (the server's queue of waiting plus running requests, default 1000) is left at its
 * default on purpose: setting it to the batch size would turn queueing into rejected requests.
 */
function lmiEnvironment(input: ContainerSettingsInput): Record<string, string> {
  const engine = input.container.lmiRollingBatch ?? 'vllm';
  const bf16 = input.instance.accelerator.supportsBf16;
  const env: Record<string, string> = {
    HF_MODEL_ID: input.modelId,
    ...(input.revision !== undefined ? { HF_REVISION: input.revision } : {}),
    ...(input.trustRemoteCode ? { HF_MODEL_TRUST_REMOTE_CODE: 'true' } : {}),
    TENSOR_PARALLEL_DEGREE: String(input.tensorParallelDegree),
    OPTION_MAX_ROLLING_BATCH_SIZE: String(input.maxConcurrentRequests),
    ...(input.enableLora ? { OPTION_ENABLE_LORA: 'true' } : {}),
  };
  if (engine === 'vllm') {
    // No option.rolling_batch: set, it skips LMI's async mode (the default and supported path since v17) for the
    // legacy rolling-batch handler (LmiConfigRecommender.setRollingBatch, djl-serving v0.36.0). In async mode
    // max_rolling_batch_size becomes vLLM's max_num_seqs and other options pass through as engine arguments
    // (vllm_rb_properties.py).
    // option.dtype: fp16, bf16 ("only on G5/P4/P5 or newer"); the T4 has no bf16.
    env.OPTION_DTYPE = bf16 ? 'bf16' : 'fp16';
    env.OPTION_MAX_MODEL_LEN = String(totalTokens(input));
    env.OPTION_GPU_MEMORY_UTILIZATION = MEMORY_UTILIZATION;
    const quantize = VLLM_QUANTIZATION[input.quantization.method];
    if (quantize !== undefined) env.OPTION_QUANTIZE = quantize;
  } else {
    // The 0.33.0 image has no async mode for TensorRT-LLM: its recommender picks a rolling batch only for vLLM
    // (LmiConfigRecommender, branch 0.33.0-dlc), so the engine is named.
    env.OPTION_ROLLING_BATCH = 'trtllm';
    // trt_llm_partition.py builds the engine from trtllm-build arguments: max_input_len (longer prompts are
    // rejected) and max_seq_len (prompt plus output); max_rolling_batch_size becomes max_batch_size. dtype goes to
    // tensorrt_llm.LLM as given, which takes torch dtype names (parse_llm_kwargs).
    env.OPTION_DTYPE = bf16 ? 'bfloat16' : 'float16';
    env.OPTION_MAX_INPUT_LEN = String(input.maxInputTokens);
    env.OPTION_MAX_SEQ_LEN = String(totalTokens(input));
    const quantAlgo = TRTLLM_QUANT_ALGO[input.quantization.method];
    if (quantAlgo !== undefined) env.OPTION_QUANT_ALGO = quantAlgo;
  }
  return env;
}

/**
 * Text Generation Inference. sagemaker-entrypoint.sh maps HF_MODEL_ID, HF_MODEL_REVISION, SM_NUM_GPUS,
 * HF_MODEL_QUANTIZE and HF_MODEL_TRUST_REMOTE_CODE to the launcher; the launcher reads the other variables
 * itself (text-generation-inference docs/source/reference/launcher.md, read 2026-08).
 */
function tgiEnvironment(input: ContainerSettingsInput): Record<string, string> {
  const quantize = TGI_QUANTIZE[input.quantization.method];
  return {
    HF_MODEL_ID: input.modelId,
    ...(input.revision !== undefined ? { HF_MODEL_REVISION: input.revision } : {}),
    ...(input.trustRemoteCode ? { HF_MODEL_TRUST_REMOTE_CODE: 'true' } : {}),
    SM_NUM_GPUS: String(input.tensorParallelDegree),
    ...(quantize !== undefined ? { HF_MODEL_QUANTIZE: quantize } : {}),
    // DTYPE "cannot be used with --quantize"; TGI otherwise keeps the checkpoint's dtype, which is bf16 for
    // current models and has no kernels on the T4.
    ...(quantize === undefined && !input.instance.accelerator.supportsBf16 ? { DTYPE: 'float16' } : {}),
    MAX_INPUT_TOKENS: String(input.maxInputTokens),
    MAX_TOTAL_TOKENS: String(totalTokens(input)),
    // TGI's own default, max_input_tokens + 50: one full-length prompt (plus room for special tokens) fits a
    // prefill step. Written out so the environment says what the server does; a larger budget would batch more
    // prompts per prefill but reserve activation memory the sizing engine did not count.
    MAX_BATCH_PREFILL_TOKENS: String(input.maxInputTokens + 50),
    // Admission limit for running plus queued requests (default 128); TGI refuses requests beyond it. The batch
    // decoded at once is bounded by the KV cache TGI sizes from free memory, not by this. Raised to the sized
    // concurrency when that is larger, else kept at 128 so a burst queues, as in the other containers, instead of
    // failing: a limit equal to the batch (e.g. 1) would refuse every second concurrent request.
    MAX_CONCURRENT_REQUESTS: String(Math.max(TGI_DEFAULT_MAX_CONCURRENT_REQUESTS, input.maxConcurrentRequests)),
  };
}

/**
 * Hugging Face vLLM DLC: build_artifacts/sagemaker_entrypoint.sh (aws/deep-learning-containers, read 2026-08)
 * turns every SM_VLLM_<NAME>=<value> into `--<name-with-dashes> <value>` of the vLLM OpenAI server, and an empty
 * value into a bare flag, which is how boolean flags (--trust-remote-code) are given.
 */
function hfVllmEnvironment(input: ContainerSettingsInput): Record<string, string> {
  const quantize = VLLM_QUANTIZATION[input.quantization.method];
  return {
    SM_VLLM_MODEL: input.modelId,
    ...(input.revision !== undefined ? { SM_VLLM_REVISION: input.revision } : {}),
    ...(input.trustRemoteCode ? { SM_VLLM_TRUST_REMOTE_CODE: '' } : {}),
    // ⚠ Defensive: the entrypoint passes only --port 8080, and third-party deployment guides for this DLC (2026)
    // report failed health checks without an explicit host; --host 0.0.0.0 is harmless either way.
    SM_VLLM_HOST: '0.0.0.0',
    SM_VLLM_TENSOR_PARALLEL_SIZE: String(input.tensorParallelDegree),
    SM_VLLM_MAX_MODEL_LEN: String(totalTokens(input)),
    SM_VLLM_MAX_NUM_SEQS: String(input.maxConcurrentRequests),
    SM_VLLM_GPU_MEMORY_UTILIZATION: MEMORY_UTILIZATION,
    SM_VLLM_DTYPE: input.instance.accelerator.supportsBf16 ? 'bfloat16' : 'float16',
    ...(quantize !== undefined ? { SM_VLLM_QUANTIZATION: quantize } : {}),
  };
}

/**
 * optimum-neuron vLLM: docker/vllm entrypoint (huggingface/optimum-neuron, read 2026-08) turns every
 * SM_ON_<NAME>=<value> into `--<name>` of `optimum-cli neuron serve`, whose options are model,
 * tensor_parallel_size (NeuronCores), batch_size and sequence_length (optimum/commands/neuron/serve.py); other
 * options pass through to vLLM. The model is compiled for that fixed batch size and sequence length: serve
 * uses a pre-compiled Neuron model, or a matching configuration from the aws-neuron/optimum-neuron-cache hub cache,
 * and fails otherwise. It takes the dtype from the checkpoint (bf16 for current models), so none is set.
 * sizing-facts.md §3 lists the HF_NUM_CORES / MAX_BATCH_SIZE names of the older TGI Neuron image (tgi_env.py),
 * which this vLLM image does not read.
 */
function neuronEnvironment(input: ContainerSettingsInput): Record<string, string> {
  return {
    SM_ON_MODEL: input.modelId,
    // ⚠ Passed through to vLLM; serve.py itself reads the model config at the default revision without remote code.
    ...(input.revision !== undefined ? { SM_ON_REVISION: input.revision } : {}),
    ...(input.trustRemoteCode ? { SM_ON_TRUST_REMOTE_CODE: '' } : {}),
    SM_ON_TENSOR_PARALLEL_SIZE: String(input.tensorParallelDegree),
    SM_ON_BATCH_SIZE: String(input.maxConcurrentRequests),
    SM_ON_SEQUENCE_LENGTH: String(totalTokens(input)),
    // serve matches the hub cache on batch size, sequence length and TP degree exactly and otherwise raises "No
    // cached version found" (optimum/neuron/cache/hub_cache.py select_hub_cached_entries; commands/neuron/serve.py).
    // No list of cached shapes for this image's compiler could be sourced (lib/compatibility/neuron-cache.ts), so the
    // model may be compiled at startup: the flag (an empty value is a bare --allow_non_cached_model), with the host
    // memory the sizing engine asks for a compile and the longest startup SageMaker allows.
    SM_ON_ALLOW_NON_CACHED_MODEL: '',
  };
}
