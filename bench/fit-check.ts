// An independent fit verdict for serving a model on an instance, computed from the reference facts
// (/work/shared/reference: sizing-facts.md, compatibility-facts.md, models.md, read 2026-12-02), not from the
// sizing engine: only the catalogs' data (model architectures, instance counts and host memory) come from lib/.
// Every figure below names its source; ⚠ marks an assumption of this check where the facts give no number.
import { type ModelArchitecture } from '../lib/sizing/models';
import { type InstanceSpec } from '../lib/sizing/instances';

export type FitPrecision = 'fp32' | 'bf16' | 'fp16' | 'fp8' | 'int8' | 'int4';
export type Verdict = 'safe' | 'tight' | 'unsafe' | 'unknown';

const MIB = 2 ** 20;
const GIB = 2 ** 30;

/** GPU memory CUDA reports (nvidia-smi totals, MiB), by accelerator short name: compatibility-facts.md "GPU memory the serving engine can see". */
export const CUDA_VISIBLE_MIB: Readonly<Record<string, number>> = {
  T4: 15360, A10G: 23028, L4: 23034, L40S: 46068, 'A100 40GB': 40960, 'A100 80GB': 81920, H100: 81559, H200: 143771,
};

/** Neuron devices: 32 GiB of HBM per chip, 2 NeuronCore-v2 each (sizing-facts.md §1, aws-neuron-sdk neuron-hardware pages). */
export const NEURON_DEVICES: Readonly<Record<string, { readonly hbmGiBPerChip: number; readonly coresPerChip: number }>> = {
  Inferentia2: { hbmGiBPerChip: 32, coresPerChip: 2 },
  Trainium: { hbmGiBPerChip: 32, coresPerChip: 2 },
};

/** vLLM gpu_memory_utilization default (sizing-facts.md §2: vllm config/cache.py; LMI examples set 0.9). */
export const GPU_MEMORY_UTILIZATION = 0.9;

/** vLLM's profiling activation peak: about 1.26 GiB for Llama-3-8B at 8192 batched tokens (vllm-project/vllm PR #10511). */
export const ACTIVATION_REFERENCE = { gib: 1.26, batchedTokens: 8192, hiddenSize: 4096, intermediateSize: 14336 } as const;

/** CUDA graphs: up to about 2.4 GiB seen (vllm-project/vllm issue #7553); taken whole unless graphs are off. */
export const CUDA_GRAPHS_GIB = 2.4;

/** CUDA context and NCCL per GPU: 0.5-1 GiB; 0.5 alone, 1 with tensor parallelism (NCCL buffers). */
export const CUDA_CONTEXT_GIB = { single: 0.5, tensorParallel: 1 } as const;

/** A fit with less than this share of the budget free is tight. */
export const SAFE_FREE_FRACTION = 0.05;

/**
 * Neuron compile host memory. The rule: less than 2x the bf16 weights of host memory is unsafe. The evidence
 * is stricter: Llama-3.1-8B-Instruct (8,030,261,248 parameters, 14.96 GiB at bf16) was killed compiling on a
 * 32 GiB trn1.2xlarge (aws-neuron/nki-samples #87), a ratio of 2.14; hosts at or below that ratio are unsafe too.
 */
export const NEURON_COMPILE = {
  ruleFactor: 2,
  /** 32 GiB / 14.96 GiB = 2.139. */
  observedFactor: 32 / ((8_030_261_248 * 2) / GIB),
} as const;

/** Bytes per weight (sizing-facts.md §2: fp32 4, fp16/bf16 2, int8/fp8 1, int4 0.5). */
const BYTES_PER_WEIGHT: Readonly<Record<FitPrecision, number>> = { fp32: 4, bf16: 2, fp16: 2, fp8: 1, int8: 1, int4: 0.5 };

/**
 * int4 as published, including group scales and zero points: the 8B AWQ shards total 5.73 GB with fp16
 * embeddings and lm_head (models.md), so (5.73e9 - 1,050,673,152 x 2) / 6,979,588,096 = 0.520 bytes per weight.
 */
const INT4_BYTES_WITH_METADATA = (5.73e9 - 1_050_673_152 * 2) / 6_979_588_096;

/** Accelerators with no bf16: Turing (compatibility-facts.md: "T4 has no bf16"); a bf16 request runs fp16. */
const NO_BF16 = new Set(['T4']);

/** vLLM refuses gemma2 in fp16 (_FLOAT16_NOT_SUPPORTED_MODELS, compatibility-facts.md). The catalog has no model type: match the id. */
export function isGemma2(model: ModelArchitecture): boolean {
  return /gemma-2-/i.test(model.id);
}

/** Experts routed per token, for the MoE activation peak: Mixtral is top-2 (models.md); ⚠ 2 when unknown. */
function expertsPerToken(model: ModelArchitecture): number {
  return (model.experts ?? 1) > 1 ? 2 : 1;
}

export interface FitInput {
  readonly model: ModelArchitecture;
  readonly precision: FitPrecision;
  /** Tokens per sequence (max_model_len / MAX_TOTAL_TOKENS). */
  readonly contextTokens: number;
  /** Sequences held at once, each with a full-context KV cache. */
  readonly concurrency: number;
  /** The instance as the catalog describes it: counts and host memory are read, not its memory figures. */
  readonly instance: InstanceSpec;
  /** Degree to check (GPUs or NeuronCores). @default - the largest degree that divides the head counts */
  readonly tensorParallelDegree?: number;
  /** CUDA graphs captured (off with enforce_eager). @default true */
  readonly cudaGraphs?: boolean;
}

/** Per shard (one GPU or NeuronCore), GiB. */
export interface FitNumbers {
  readonly tensorParallelDegree: number;
  readonly shards: number;
  readonly visibleGiBPerShard: number;
  readonly budgetGiBPerShard: number;
  readonly activationGiB: number;
  readonly cudaGraphsGiB: number;
  readonly cudaContextGiB: number;
  readonly weightsGiBPerShard: number;
  readonly kvCacheGiBPerShard: number;
  readonly neededGiBPerShard: number;
  readonly freeGiBPerShard: number;
  readonly freeFraction: number;
  readonly hostMemoryGiB: number;
  /** Host memory a Neuron compile needs; null on GPUs. */
  readonly compileHostNeedGiB: number | null;
}

export interface FitVerdict {
  readonly verdict: Verdict;
  readonly instanceType: string;
  /** The precision the server runs (fp16 for a bf16 request on a T4). */
  readonly servedPrecision: FitPrecision;
  /** Why, one sentence each: the rule broken, or the margin. */
  readonly reasons: readonly string[];
  readonly numbers: FitNumbers | null;
}

/** Weights in bytes: quantized checkpoints keep embeddings and lm_head at 16-bit (models.md, hugging-quants AWQ). */
export function weightsBytes(model: ModelArchitecture, precision: FitPrecision): number {
  const perWeight = precision === 'int4' ? INT4_BYTES_WITH_METADATA : BYTES_PER_WEIGHT[precision];
  if (BYTES_PER_WEIGHT[precision] >= 2) return model.parameters * perWeight;
  const embeddings = model.vocabSize !== undefined && model.hiddenSize !== undefined
    ? model.vocabSize * model.hiddenSize * (model.tieWordEmbeddings ? 1 : 2) : 0;
  return (model.parameters - embeddings) * perWeight + embeddings * 2;
}

/** KV cache bytes per token: 2 x layers x KV heads x head dim x 2 (16-bit cache; sizing-facts.md §2). */
export function kvBytesPerToken(model: ModelArchitecture, precision: FitPrecision): number {
  return 2 * model.layers * model.kvHeads * model.headDim * (precision === 'fp32' ? 4 : 2);
}

/**
 * The profiling activation peak on one GPU, scaled from the Llama-3-8B reference linearly with the batched
 * tokens and with hidden + intermediate size (⚠ the split between the two is assumed equal per element; the
 * intermediate part is column-parallel, so it is divided by the degree; an MoE counts its routed experts).
 * Batched tokens: the reference 8192, or one full-context prefill when longer (⚠ TGI's
 * MAX_BATCH_PREFILL_TOKENS defaults to input + 50; vLLM without chunked prefill batches a whole prompt).
 */
export function activationGiB(model: ModelArchitecture, contextTokens: number, tensorParallelDegree: number): number {
  const ref = ACTIVATION_REFERENCE;
  const hidden = model.hiddenSize ?? Math.sqrt(model.parameters / (12 * model.layers));
  const intermediate = (model.intermediateSize ?? 4 * hidden) * expertsPerToken(model);
  const tokens = Math.max(ref.batchedTokens, contextTokens);
  return ref.gib * (tokens / ref.batchedTokens) * ((hidden + intermediate / tensorParallelDegree) / (ref.hiddenSize + ref.intermediateSize));
}

/**
 * Degrees allowed: at most the shards, dividing the attention heads (heads are sharded evenly); on GPUs dividing
 * the KV heads too (vLLM). On Neuron a degree that is a multiple of the KV heads replicates them, one per core (a
 * public Neuron configuration serves Llama-3-70B, 8 KV heads, at degree 16 on inf2.48xlarge).
 */
export function dividesHeads(model: ModelArchitecture, tp: number, neuron = false): boolean {
  return (model.attentionHeads ?? model.kvHeads) % tp === 0 && (model.kvHeads % tp === 0 || (neuron && tp % model.kvHeads === 0));
}

/** The largest power-of-two degree (or all shards) that divides the head counts. */
export function largestDegree(model: ModelArchitecture, shards: number, neuron = false): number {
  const options = new Set<number>([shards]);
  for (let tp = 1; tp <= shards; tp *= 2) options.add(tp);
  return Math.max(...[...options].filter((tp) => dividesHeads(model, tp, neuron)), 1);
}

const gib = (bytes: number) => bytes / GIB;
const f1 = (x: number) => x.toFixed(1);

export function checkFit(input: FitInput): FitVerdict {
  const { model, contextTokens, concurrency, instance } = input;
  const name = instance.accelerator.shortName;
  const visibleMiB = CUDA_VISIBLE_MIB[name];
  const neuron = NEURON_DEVICES[name];
  const base = { instanceType: instance.instanceType };
  if (visibleMiB === undefined && neuron === undefined) {
    return { ...base, verdict: 'unknown', servedPrecision: input.precision, reasons: [`no visible-memory fact for ${name}`], numbers: null };
  }
  const reasons: string[] = [];
  const broken: string[] = [];

  // Precision the server runs.
  let served = input.precision;
  if (visibleMiB !== undefined && NO_BF16.has(name) && served === 'bf16') {
    served = 'fp16';
    reasons.push(`${name} has no bf16: the server runs fp16`);
  }
  if (visibleMiB !== undefined && served === 'fp16' && isGemma2(model)) {
    broken.push(`vLLM refuses gemma2 in fp16${input.precision === 'bf16' ? ` (bf16 falls back to fp16 on ${name})` : ''}`);
  }
  if (neuron !== undefined && !(served === 'bf16' || served === 'fp16')) {
    broken.push(`no quantization on Neuron: ${served} is not served`);
  }

  // Shards and the degree.
  const shards = instance.acceleratorCount * (neuron?.coresPerChip ?? 1);
  const tp = input.tensorParallelDegree ?? largestDegree(model, shards, neuron !== undefined);
  if (tp > shards) broken.push(`tensor parallel degree ${tp} exceeds the ${shards} ${neuron ? 'NeuronCores' : 'GPUs'}`);
  if (!dividesHeads(model, tp, neuron !== undefined)) {
    broken.push(`tensor parallel degree ${tp} does not divide the ${model.kvHeads} KV heads` +
      (model.attentionHeads !== undefined ? ` and ${model.attentionHeads} attention heads` : ''));
  }

  // Memory per shard.
  const visibleGiB = neuron ? neuron.hbmGiBPerChip / neuron.coresPerChip : (visibleMiB as number) * MIB / GIB;
  // ⚠ Neuron: the facts give no runtime reserve, so the whole HBM share is the budget (lenient).
  const budget = neuron ? visibleGiB : visibleGiB * GPU_MEMORY_UTILIZATION;
  const activation = neuron ? 0 : activationGiB(model, contextTokens, tp);
  const graphs = neuron || input.cudaGraphs === false ? 0 : CUDA_GRAPHS_GIB;
  const context = neuron ? 0 : tp > 1 ? CUDA_CONTEXT_GIB.tensorParallel : CUDA_CONTEXT_GIB.single;
  const weights = gib(weightsBytes(model, served)) / tp;
  // A shard holds its share of the KV heads, at least one whole head (replicated when TP exceeds them).
  const kv = gib(kvBytesPerToken(model, served) * contextTokens * concurrency) / Math.min(tp, model.kvHeads);
  const needed = activation + graphs + context + weights + kv;
  const free = budget - needed;
  const freeFraction = free / budget;

  // Neuron compile on the host.
  let compileNeed: number | null = null;
  if (neuron) {
    const bf16 = gib(weightsBytes(model, 'bf16'));
    compileNeed = bf16 * NEURON_COMPILE.ruleFactor;
    if (instance.hostMemoryGiB < compileNeed) {
      broken.push(`host memory ${instance.hostMemoryGiB} GiB < 2 x ${f1(bf16)} GiB bf16 weights: the Neuron compile is killed (nki-samples #87)`);
    } else if (instance.hostMemoryGiB <= bf16 * NEURON_COMPILE.observedFactor) {
      compileNeed = bf16 * NEURON_COMPILE.observedFactor;
      broken.push(`host memory ${instance.hostMemoryGiB} GiB is at most ${NEURON_COMPILE.observedFactor.toFixed(2)} x the ${f1(bf16)} GiB bf16 weights, ` +
        'the ratio at which an 8B compile was killed on a 32 GiB trn1.2xlarge (nki-samples #87)');
    }
  }

  const numbers: FitNumbers = {
    tensorParallelDegree: tp, shards, visibleGiBPerShard: visibleGiB, budgetGiBPerShard: budget, activationGiB: activation,
    cudaGraphsGiB: graphs, cudaContextGiB: context, weightsGiBPerShard: weights, kvCacheGiBPerShard: kv,
    neededGiBPerShard: needed, freeGiBPerShard: free, freeFraction, hostMemoryGiB: instance.hostMemoryGiB, compileHostNeedGiB: compileNeed,
  };
  const unit = neuron ? 'NeuronCore' : 'GPU';
  const sum = `per ${unit} at TP ${tp}: budget ${f1(budget)} GiB, need ${f1(needed)} (weights ${f1(weights)}, KV ${f1(kv)}` +
    (neuron ? ')' : `, activations ${f1(activation)}, CUDA graphs ${f1(graphs)}, context/NCCL ${f1(context)})`);
  if (free < 0) broken.push(`does not fit: ${sum}, short by ${f1(-free)} GiB`);
  if (broken.length > 0) return { ...base, verdict: 'unsafe', servedPrecision: served, reasons: [...reasons, ...broken], numbers };
  const tight = freeFraction < SAFE_FREE_FRACTION;
  reasons.push(`${tight ? 'tight' : 'fits'}: ${sum}, ${f1(free)} GiB (${(freeFraction * 100).toFixed(1)}%) free`);
  return { ...base, verdict: tight ? 'tight' : 'safe', servedPrecision: served, reasons, numbers };
}
