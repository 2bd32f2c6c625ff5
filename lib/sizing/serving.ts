/**
 * Serving estimate: memory of weights and KV cache at a precision, every instance that holds the model
 * with the tensor-parallel degree it would use, the cheapest of them, why each other instance cannot,
 * and an upper bound on decode throughput and cost per token.
 */
import { AcceleratorKind } from './accelerators';
import { describeAccelerators, InstanceCatalog, shardUnits, type InstanceSpec, acceleratorMemoryBytes } from './instances';
import { displayName, ModelCatalog, resolveArchitecture, type ModelArchitecture, type Unvalidated } from './models';
import {
  bytesPerQuantizedWeight, isPrecision, kvCacheBytesPerToken, Precision, PRECISIONS, precisionSpec, weightBytes, type PrecisionLike,
} from './precision';
import { bytesToGiB, SECONDS_PER_HOUR } from './units';
import { engineReservePerGpu, type EngineReserve } from './engine-reserves';
import { IssueCollector, SizingInputError, type FieldNames, show } from './validation';

/** vLLM gpu_memory_utilization default (vllm config/cache.py); LMI examples set OPTION_GPU_MEMORY_UTILIZATION=0.9. */
export const DEFAULT_MEMORY_UTILIZATION = 0.9;
/**
 * A candidate must leave this share of the engine's budget free after weights, KV cache and the engine's own
 * reserves: the kit's margin ⚠ for what the estimate cannot see (fragmentation, a larger profiling batch).
 */
export const MIN_HEADROOM_FRACTION = 0.05;
/**
 * Expected decode throughput as a share of the bandwidth bound, from published measurements ⚠: vLLM on A10G
 * reached 0.5-0.82 of the bound, TGI-neuronx on inf2 0.21-0.28 (Llama-3-8B on inf2.xlarge: 16-48 tok/s against a
 * bound of 58-229), as quoted in the project's sizing review (2026-12); production stacks reach 60-85% of the
 * bound (Databricks, "LLM Inference Performance Engineering", sizing-facts.md §5). The low ends are used.
 */
export const EXPECTED_DECODE_EFFICIENCY: Readonly<Record<AcceleratorKind, number>> = { [AcceleratorKind.GPU]: 0.5, [AcceleratorKind.NEURON]: 0.21 };
/**
 * Host memory a Neuron compile needs, as a multiple of the 16-bit weights ⚠: an 8B model (16 GB of weights) was
 * killed compiling on a 32 GiB trn1.2xlarge (aws-neuron/nki-samples #87), so twice the weights is not enough.
 */
export const NEURON_COMPILE_HOST_FACTOR = 2.5;
export const DEFAULT_CONTEXT_TOKENS = 4096;

/** How much is served at once, beside the model and its precision: the environment's scope. */
export interface ServingScale {
  /** Tokens per sequence: max input plus max output tokens (vLLM max_model_len). @default 4096 */
  readonly contextTokens?: number;
  /** Sequences decoded at once, each with a full-context KV cache. @default 1 */
  readonly concurrency?: number;
  /** Fraction of accelerator memory the server may fill (vLLM gpu_memory_utilization). @default 0.9 */
  readonly memoryUtilization?: number;
  /** @default InstanceCatalog.DEFAULT */
  readonly instances?: InstanceCatalog;
  /** @default ModelCatalog.DEFAULT */
  readonly models?: ModelCatalog;
}

/**
 * What to serve and how much of it at once: the environment's scope.
 *
 * TypeScript and JavaScript only: the input of the free functions, which jsii does not carry (its model is a catalog id or an architecture); other languages size with `Estimate`.
 *
 * @jsii ignore
 */
export interface ServingInput extends ServingScale {
  /** A catalog id (Hugging Face id) or a custom architecture. */
  readonly model: string | ModelArchitecture;
  /** @default Precision.BF16 */
  readonly precision?: PrecisionLike;
}

export interface ServingMemory {
  readonly weightsBytes: number;
  readonly kvCacheBytesPerToken: number;
  readonly kvCacheBytes: number;
  readonly weightsGiB: number;
  readonly kvCacheGiB: number;
  /** Memory the server leaves free: totalGiB x (1 - memoryUtilization). */
  readonly reserveGiB: number;
  /** Accelerator memory needed: (weights + KV cache) / memoryUtilization = weights + KV cache + reserve. */
  readonly totalGiB: number;
  readonly memoryUtilization: number;
  /** Bytes one decode step reads besides the KV cache: weights (active experts only), minus the input embedding table, which is looked up rather than read. */
  readonly decodeWeightBytesReadPerStep: number;
}

/** What an instance that holds the model offers, whatever is known of its price. */
export interface ServingFit {
  readonly instanceType: string;
  /** e.g. `4x L40S`. */
  readonly accelerators: string;
  /**
   * Shards of one model copy, counted in GPUs or NeuronCores (the unit of TENSOR_PARALLEL_DEGREE /
   * HF_NUM_CORES): all of the instance's when the head counts allow (LMI's default "max"), else the largest
   * degree that divides them.
   */
  readonly tensorParallelDegree: number;
  /** Every degree that divides the head counts, fits the instance and holds the model. */
  readonly fittingTensorParallelDegrees: number[];
  /** Memory of the shards at `tensorParallelDegree`. */
  readonly memoryGiB: number;
  /** memoryGiB x memoryUtilization minus the engine's reserves: what weights and KV cache may fill. */
  readonly usableGiB: number;
  /** usableGiB minus weights and KV cache. */
  readonly headroomGiB: number;
  /** headroomGiB as a share of the engine's budget (memoryGiB x memoryUtilization). */
  readonly headroomFraction: number;
  /** Upper bound, all `concurrency` sequences together: bandwidth x TP / bytes read per step x concurrency. */
  readonly decodeTokensPerSecondUpperBound: number;
  /** The same bound for one of the sequences. */
  readonly decodeTokensPerSecondPerStreamUpperBound: number;
  /** The bound derated by EXPECTED_DECODE_EFFICIENCY: what to expect, all sequences together. */
  readonly expectedDecodeTokensPerSecond: number;
}

/**
 * An instance that holds the model.
 *
 * TypeScript and JavaScript only: its `null` fields have no form in other languages (`sizing.Estimate.serving` gives the
 * same numbers with absent values).
 *
 * @jsii ignore
 */
export interface ServingCandidate extends ServingFit {
  readonly acceleratorKind: AcceleratorKind;
  /** The engine's own memory on each GPU (activation peak, CUDA graphs, context); zeros on Neuron. */
  readonly engineReservePerShardGiB: { readonly activationPeak: number; readonly cudaGraphs: number; readonly context: number };
  /** @default null when no price is known */
  readonly usdPerHour: number | null;
  readonly priceSource: string | null;
  /** usdPerHour / (decodeTokensPerSecondUpperBound x 3600) x 1e6: a floor on cost per million output tokens. */
  readonly usdPerMillionTokens: number | null;
  /** usdPerHour over the expected throughput, per million output tokens. */
  readonly expectedUsdPerMillionTokens: number | null;
}

export enum RejectionCode {
  /** Not enough memory even on all the shards the head counts allow. */
  INSUFFICIENT_MEMORY = 'insufficient-memory',
  /** The instance has the memory, but the head counts limit tensor parallelism to fewer shards. */
  TENSOR_PARALLEL_LIMIT = 'tensor-parallel-limit',
  /** The accelerator (or the kit's containers on it) cannot run the precision or the model's dtype. */
  PRECISION_UNSUPPORTED = 'precision-unsupported',
  /** It would fit, but with less free memory than MIN_HEADROOM_FRACTION of the budget. */
  INSUFFICIENT_HEADROOM = 'insufficient-headroom',
  /** Host memory too small (a Neuron compile). */
  INSUFFICIENT_HOST_MEMORY = 'insufficient-host-memory',
}

export interface RejectedInstance {
  readonly instanceType: string;
  readonly code: RejectionCode;
  /** Why, in numbers. */
  readonly reason: string;
  /** Memory of all accelerators of the instance. */
  readonly acceleratorMemoryGiB: number;
  /** The largest degree that divides the head counts on this instance. */
  readonly maxTensorParallelDegree: number;
  /** GPUs or NeuronCores on the instance: what tensor parallelism counts. */
  readonly shardCount: number;
  /** `GPU` or `NeuronCore`. */
  readonly shardLabel: string;
  /** Usable memory at that degree. */
  readonly usableGiB: number;
}

/**
 * TypeScript and JavaScript only: its `null` fields have no form in other languages yet (the estimate CLI's JSON
 * carries the same numbers).
 *
 * @jsii ignore
 */
export interface ServingEstimate {
  readonly model: string;
  readonly architecture: ModelArchitecture;
  readonly precision: Precision;
  readonly contextTokens: number;
  readonly concurrency: number;
  readonly memory: ServingMemory;
  /** The cheapest candidate (tie: lower cost per token); unpriced candidates only when none has a price; null when none fits. */
  readonly recommended: ServingCandidate | null;
  /** Every instance that holds the model, cheapest first, unpriced last. */
  readonly candidates: ServingCandidate[];
  /** Every other instance of the catalog, with the reason. */
  readonly rejected: RejectedInstance[];
  /** When nothing fits: the first lighter precision (bf16, fp8, int8, int4) at which some instance would. */
  readonly lighterPrecisionThatFits: Precision | null;
  /** What to do next and caveats of the model, one sentence each. */
  readonly advice: string[];
}

/** Problems with a serving input, one sentence each (empty when valid). `names` renames fields in messages. */
export function validateServingInput(input: Unvalidated<ServingInput>, names: FieldNames = {}): string[] {
  const { architecture, issues } = resolveArchitecture(input.model, input.models ?? ModelCatalog.DEFAULT, names);
  return [...issues, ...validateServingOptions(input, names, architecture)];
}

/** Problems with everything but the model itself; the context is checked against `architecture` when given. */
export function validateServingOptions(input: Unvalidated<ServingInput>, names: FieldNames = {}, architecture?: ModelArchitecture): string[] {
  const c = new IssueCollector(names);
  if (input.precision !== undefined && !isPrecision(input.precision)) {
    c.add(`${c.name('precision')} is ${show(input.precision)}: use one of ${PRECISIONS.join(', ')} (int4 means AWQ, GPTQ or NF4).`);
  }
  c.integer('contextTokens', input.contextTokens, 1, 'prompt plus output tokens per sequence, e.g. 8192');
  c.integer('concurrency', input.concurrency, 1, 'sequences decoded at once, e.g. 4');
  c.fraction('memoryUtilization', input.memoryUtilization, 'share of accelerator memory the server may use, e.g. 0.9');
  const max = architecture?.maxContextTokens;
  const context = input.contextTokens;
  if (architecture && max !== undefined && context !== undefined && Number.isInteger(context) && context > max) {
    c.add(`${c.name('contextTokens')} is ${context}: ${architecture.id} supports at most ${max} tokens ` +
      '(max_position_embeddings); lower it, or describe a custom model with a larger maxContextTokens if you add rope scaling.');
  }
  return [...c.issues];
}

/** Sizes serving `input.model` on every instance of the catalog. Throws SizingInputError on bad input. */
export function estimateServing(input: ServingInput, names: FieldNames = {}): ServingEstimate {
  const c = new IssueCollector(names);
  c.addAll(validateServingInput(input, names));
  c.throwIfAny();
  const architecture = requireArchitecture(input.model, input.models);
  const precision = (input.precision ?? Precision.BF16) as Precision;
  const contextTokens = input.contextTokens ?? DEFAULT_CONTEXT_TOKENS;
  const concurrency = input.concurrency ?? 1;
  const utilization = input.memoryUtilization ?? DEFAULT_MEMORY_UTILIZATION;

  const instances = (input.instances ?? InstanceCatalog.DEFAULT).all();
  const evaluate = (p: Precision) => {
    const memory = servingMemory(architecture, p, contextTokens, concurrency, utilization);
    const outcomes = instances.map((spec) => assess(spec, architecture, p, memory, concurrency, contextTokens));
    return { memory, outcomes };
  };
  const { memory, outcomes } = evaluate(precision);
  const candidates = outcomes.filter((o): o is ServingCandidate => !('reason' in o)).sort(byCost);
  const rejected = outcomes.filter((o): o is RejectedInstance => 'reason' in o);
  const lighter = LIGHTER_ORDER.filter((p) => bytesPerQuantizedWeight(p) < bytesPerQuantizedWeight(precision));
  const lighterPrecisionThatFits = candidates.length > 0 ? null
    : lighter.find((p) => evaluate(p).outcomes.some((o) => !('reason' in o))) ?? null;
  const estimate: ServingEstimate = {
    model: architecture.id, architecture, precision, contextTokens, concurrency, memory,
    recommended: candidates[0] ?? null, candidates, rejected, lighterPrecisionThatFits, advice: [],
  };
  const chosen = instances.find((spec) => spec.instanceType === estimate.recommended?.instanceType);
  const fp16Instead = precision === Precision.BF16 && chosen !== undefined && !chosen.accelerator.supportsBf16
    ? [`${chosen.accelerator.name} (${chosen.accelerator.generation}) has no bf16: the server runs the model in fp16, with the same memory.`] : [];
  return { ...estimate, advice: [...servingAdvice(estimate), ...fp16Instead] };
}

/** Lighter precisions in the order of least quality loss, for suggestions. */
const LIGHTER_ORDER: readonly Precision[] = [Precision.BF16, Precision.FP8, Precision.INT8, Precision.INT4];

/** The architecture of a model already validated. */
export function requireArchitecture(model: string | ModelArchitecture, models = ModelCatalog.DEFAULT): ModelArchitecture {
  const { architecture, issues } = resolveArchitecture(model, models);
  if (architecture === undefined) throw new SizingInputError(issues);
  return architecture;
}

function servingMemory(
  model: ModelArchitecture, precision: Precision, contextTokens: number, concurrency: number, utilization: number,
): ServingMemory {
  const weightsBytes = weightBytes(model, precision).totalBytes;
  const perToken = kvCacheBytesPerToken(model, precision);
  const kvCacheBytes = perToken * contextTokens * concurrency;
  const totalBytes = (weightsBytes + kvCacheBytes) / utilization;
  const spec = precisionSpec(precision);
  const embeddingBytesEach = spec.keepsEmbeddingsAt16Bit ? 2 : spec.bytesPerElement;
  const inputEmbeddingBytes = model.tieWordEmbeddings || model.vocabSize === undefined || model.hiddenSize === undefined
    ? 0 : model.vocabSize * model.hiddenSize * embeddingBytesEach;
  const activeBytes = weightBytes(model, precision, model.activeParameters ?? model.parameters).totalBytes;
  return {
    weightsBytes,
    kvCacheBytesPerToken: perToken,
    kvCacheBytes,
    weightsGiB: bytesToGiB(weightsBytes),
    kvCacheGiB: bytesToGiB(kvCacheBytes),
    reserveGiB: bytesToGiB(totalBytes - weightsBytes - kvCacheBytes),
    totalGiB: bytesToGiB(totalBytes),
    memoryUtilization: utilization,
    decodeWeightBytesReadPerStep: activeBytes - inputEmbeddingBytes,
  };
}

/**
 * Tensor-parallel degrees allowed on an instance: powers of two and the full shard count (12 or 24
 * NeuronCores), at most the shards on the instance, dividing the attention heads. On GPUs the degree must also
 * divide the KV heads (vLLM's rule). On Neuron more cores than KV heads replicate them (a public Neuron
 * configuration serves Llama-3-70B, 8 KV heads, at 16 cores on inf2.48xlarge), so the degree may also be a
 * multiple of the KV heads; each core then keeps one KV head. Degrees that do not divide the attention heads
 * (12 or 24 cores for 64 heads) would need padded heads, which the kit does not count on.
 */
export function tensorParallelDegrees(spec: InstanceSpec, model: ModelArchitecture): number[] {
  const count = shardUnits(spec).count;
  const options = new Set<number>([count]);
  for (let tp = 1; tp <= count; tp *= 2) options.add(tp);
  const neuron = spec.accelerator.kind === AcceleratorKind.NEURON;
  return [...options]
    .filter((tp) => (model.attentionHeads ?? model.kvHeads) % tp === 0 && (model.kvHeads % tp === 0 || (neuron && tp % model.kvHeads === 0)))
    .sort((a, b) => a - b);
}

/** KV cache bytes one shard holds per token: the heads it serves, replicated when there are fewer than shards. */
function kvBytesPerShardPerToken(model: ModelArchitecture, perTokenBytes: number, tp: number): number {
  return (perTokenBytes / model.kvHeads) * Math.max(1, model.kvHeads / tp);
}

function reserveOf(spec: InstanceSpec, model: ModelArchitecture, tp: number): EngineReserve {
  return spec.accelerator.kind === AcceleratorKind.NEURON
    ? { activationPeakBytes: 0, cudaGraphBytes: 0, contextBytes: 0, totalBytes: 0 }
    : engineReservePerGpu(model, { tensorParallelDegree: tp });
}

function assess(
  spec: InstanceSpec, model: ModelArchitecture, precision: Precision, memory: ServingMemory,
  concurrency: number, contextTokens: number,
): ServingCandidate | RejectedInstance {
  const units = shardUnits(spec);
  const degrees = tensorParallelDegrees(spec, model);
  const maxDegree = degrees[degrees.length - 1];
  const budgetBytes = (tp: number) => tp * units.memoryBytesEach * memory.memoryUtilization;
  const usableBytes = (tp: number) => Math.max(0, budgetBytes(tp) - tp * reserveOf(spec, model, tp).totalBytes);
  // Per shard: its share of the weights and the KV heads it holds for every token of every sequence.
  const neededBytes = (tp: number) => memory.weightsBytes + tp * kvBytesPerShardPerToken(model, memory.kvCacheBytesPerToken, tp) * contextTokens * concurrency;
  const rejection = (code: RejectionCode, reason: string): RejectedInstance => ({
    instanceType: spec.instanceType, code, reason, acceleratorMemoryGiB: bytesToGiB(acceleratorMemoryBytes(spec)),
    maxTensorParallelDegree: maxDegree, shardCount: units.count, shardLabel: units.label, usableGiB: bytesToGiB(usableBytes(maxDegree)),
  });
  const accelerator = spec.accelerator;
  const neuron = accelerator.kind === AcceleratorKind.NEURON;

  if (neuron && !SIXTEEN_BIT.has(precision)) {
    return rejection(RejectionCode.PRECISION_UNSUPPORTED, `the kit's Neuron containers serve no quantization (optimum-neuron compiles at the checkpoint's 16-bit dtype); ${precision} needs a GPU`);
  }
  if (precisionSpec(precision).requiresFp8Hardware && !accelerator.supportsFp8 && !neuron && !FP8_WEIGHT_ONLY_GENERATIONS.has(accelerator.generation)) {
    return rejection(RejectionCode.PRECISION_UNSUPPORTED,
      `${precision} needs FP8 tensor cores (Ada or Hopper), or Marlin weight-only kernels (Ampere, Turing); ${accelerator.name} is ${accelerator.generation}`);
  }
  if (!neuron && !accelerator.supportsBf16 && model.refusesFp16) {
    return rejection(RejectionCode.PRECISION_UNSUPPORTED,
      `${accelerator.name} (${accelerator.generation}) has no bf16 and vLLM refuses fp16 for ${displayName(model.id)} (_FLOAT16_NOT_SUPPORTED_MODELS)`);
  }
  if (neuron) {
    const compileBytes = NEURON_COMPILE_HOST_FACTOR * weightBytes(model, Precision.BF16).totalBytes;
    if (spec.hostMemoryGiB < bytesToGiB(compileBytes)) {
      return rejection(RejectionCode.INSUFFICIENT_HOST_MEMORY,
        `compiling ${displayName(model.id)} for Neuron needs about ${gib(bytesToGiB(compileBytes))} GiB of host memory (${NEURON_COMPILE_HOST_FACTOR} x its 16-bit weights ⚠); ${spec.instanceType} has ${spec.hostMemoryGiB} GiB`);
    }
  }
  const fitting = degrees.filter((tp) => usableBytes(tp) >= neededBytes(tp));
  if (fitting.length === 0) {
    const need = `needs ${gib(bytesToGiB(neededBytes(maxDegree)))} GiB of weights and KV cache`;
    const reserve = reserveOf(spec, model, maxDegree);
    const reserveText = neuron ? '' : `, after the engine's ${gib(bytesToGiB(reserve.totalBytes))} GiB per GPU (activations ${gib(bytesToGiB(reserve.activationPeakBytes))}, CUDA graphs ${gib(bytesToGiB(reserve.cudaGraphBytes))}, context ${gib(bytesToGiB(reserve.contextBytes))})`;
    const has = `${gib(bytesToGiB(maxDegree * units.memoryBytesEach))} GiB (${gib(bytesToGiB(usableBytes(maxDegree)))} usable at ${memory.memoryUtilization.toFixed(2)}${reserveText})`;
    if (maxDegree === units.count) {
      const verb = spec.acceleratorCount === 1 ? 'has' : 'have';
      return rejection(RejectionCode.INSUFFICIENT_MEMORY, `${need}; ${describeAccelerators(spec)} ${verb} ${has}`);
    }
    const code = usableBytes(units.count) >= neededBytes(units.count) ? RejectionCode.TENSOR_PARALLEL_LIMIT : RejectionCode.INSUFFICIENT_MEMORY;
    return rejection(code, `${need}; ${tensorParallelRule(model, neuron)}, so one copy spans at most ` +
      `${maxDegree} of ${units.count} ${units.label}s: ${has}`);
  }
  const headroom = (maxDegree === units.count || fitting.includes(maxDegree) ? usableBytes(maxDegree) - neededBytes(maxDegree) : -1);
  const headroomFraction = headroom / budgetBytes(maxDegree);
  if (headroomFraction < MIN_HEADROOM_FRACTION) {
    return rejection(RejectionCode.INSUFFICIENT_HEADROOM,
      `holds it with only ${gib(bytesToGiB(Math.max(0, headroom)))} GiB (${(Math.max(0, headroomFraction) * 100).toFixed(1)}%) of the ${gib(bytesToGiB(budgetBytes(maxDegree)))} GiB budget free; ` +
      `the kit asks ${(MIN_HEADROOM_FRACTION * 100).toFixed(0)}% for what the estimate cannot see`);
  }

  const bandwidth = units.bandwidthBytesPerSecondEach * maxDegree;
  const stepBytes = memory.decodeWeightBytesReadPerStep + concurrency * memory.kvCacheBytesPerToken * contextTokens;
  const perStream = bandwidth / stepBytes;
  const aggregate = perStream * concurrency;
  const expected = aggregate * EXPECTED_DECODE_EFFICIENCY[accelerator.kind];
  const price = spec.usdPerHour ?? null;
  const reserve = reserveOf(spec, model, maxDegree);
  return {
    instanceType: spec.instanceType,
    accelerators: describeAccelerators(spec),
    acceleratorKind: accelerator.kind,
    tensorParallelDegree: maxDegree,
    fittingTensorParallelDegrees: fitting,
    memoryGiB: bytesToGiB(maxDegree * units.memoryBytesEach),
    usableGiB: bytesToGiB(usableBytes(maxDegree)),
    headroomGiB: bytesToGiB(headroom),
    headroomFraction,
    engineReservePerShardGiB: { activationPeak: bytesToGiB(reserve.activationPeakBytes), cudaGraphs: bytesToGiB(reserve.cudaGraphBytes), context: bytesToGiB(reserve.contextBytes) },
    usdPerHour: price,
    priceSource: spec.priceSource ?? null,
    decodeTokensPerSecondUpperBound: aggregate,
    decodeTokensPerSecondPerStreamUpperBound: perStream,
    usdPerMillionTokens: price === null ? null : (price / (aggregate * SECONDS_PER_HOUR)) * 1e6,
    expectedDecodeTokensPerSecond: expected,
    expectedUsdPerMillionTokens: price === null ? null : (price / (expected * SECONDS_PER_HOUR)) * 1e6,
  };
}

const SIXTEEN_BIT: ReadonlySet<Precision> = new Set([Precision.BF16, Precision.FP16, Precision.FP32]);
/**
 * GPU generations that run fp8 checkpoints weight-only with Marlin kernels (W8A16): vLLM's fp8 docs, as recorded
 * in shared/reference/compatibility-facts.md (read 2026-12-02). Same memory as fp8, slower matmuls.
 */
const FP8_WEIGHT_ONLY_GENERATIONS: ReadonlySet<string> = new Set(['Ampere', 'Turing']);

function byCost(a: ServingCandidate, b: ServingCandidate): number {
  if (a.usdPerHour !== null && b.usdPerHour !== null) {
    return a.usdPerHour - b.usdPerHour || (a.usdPerMillionTokens ?? 0) - (b.usdPerMillionTokens ?? 0) || a.instanceType.localeCompare(b.instanceType);
  }
  if (a.usdPerHour !== null) return -1;
  if (b.usdPerHour !== null) return 1;
  return a.memoryGiB - b.memoryGiB || a.instanceType.localeCompare(b.instanceType);
}

/**
 * The tensor-parallel rule in words, as tensorParallelDegrees applies it: on GPUs the degree divides the head
 * counts; on Neuron it divides the attention heads and divides or is a multiple of the KV heads.
 */
export function tensorParallelRule(model: ModelArchitecture, neuron: boolean): string {
  if (!neuron || model.attentionHeads === undefined || model.attentionHeads === model.kvHeads) return `tensor parallelism must divide ${headCounts(model)}`;
  return `tensor parallelism must divide the ${model.attentionHeads} attention heads and divide or be a multiple of the ${model.kvHeads} KV heads`;
}

export function headCounts(model: ModelArchitecture): string {
  return model.attentionHeads === undefined || model.attentionHeads === model.kvHeads
    ? `the ${model.kvHeads} KV heads`
    : `the ${model.attentionHeads} attention and ${model.kvHeads} KV heads`;
}

/** GiB with one decimal, for messages. */
export function gib(value: number): string {
  return value.toFixed(1);
}

/** What to do when no instance of the catalog holds the model. */
export function noInstanceFitsAdvice(estimate: ServingEstimate): string {
  const largest = Math.max(0, ...estimate.rejected.filter((r) => r.code !== RejectionCode.PRECISION_UNSUPPORTED).map((r) => r.usableGiB));
  const needed = estimate.memory.weightsGiB + estimate.memory.kvCacheGiB;
  const head = `No single instance in the catalog can hold ${displayName(estimate.model)} at ${estimate.precision} ` +
    `(${gib(needed)} GiB of weights and KV cache; the most any instance offers is ${gib(largest)} GiB usable)`;
  const kvHeavy = estimate.memory.kvCacheGiB > estimate.memory.weightsGiB ? ', or shorten the context or lower the concurrency' : '';
  const lighter = estimate.lighterPrecisionThatFits;
  return lighter === null
    ? `${head}: choose a smaller model${kvHeavy}.`
    : `${head}: lower the precision to ${lighter} (an instance then holds it) or choose a smaller model${kvHeavy}.`;
}

function servingAdvice(estimate: ServingEstimate): string[] {
  const advice: string[] = [];
  const best = estimate.recommended;
  if (best === null) advice.push(noInstanceFitsAdvice(estimate));
  else if (best.usdPerHour === null) advice.push('No fitting instance has a known price: pass prices (InstanceCatalog.withPrices, or --price) to rank them.');
  // Ranked by what each instance is expected to deliver (the bound derated by measurements), not the bound.
  const perToken = (c: ServingCandidate) => c.expectedUsdPerMillionTokens ?? Infinity;
  const lowest = estimate.candidates.reduce<ServingCandidate | undefined>((low, c) => (low === undefined || perToken(c) < perToken(low) ? c : low), undefined);
  if (best && lowest && lowest !== best && perToken(lowest) < perToken(best)) {
    advice.push(`Cheapest per token at the expected throughput: ${lowest.instanceType} ($${perToken(lowest).toFixed(2)} per million tokens ` +
      `against $${perToken(best).toFixed(2)}), if the traffic keeps it busy.`);
  }
  const tight = estimate.rejected.filter((r) => r.code === RejectionCode.INSUFFICIENT_HEADROOM).map((r) => r.instanceType);
  if (tight.length > 0) {
    advice.push(`Not recommended for lack of headroom (under ${MIN_HEADROOM_FRACTION * 100}% of the budget free): ${tight.join(', ')}; quantize, shorten the context or lower the concurrency to use them.`);
  }
  if (best?.acceleratorKind === AcceleratorKind.NEURON) {
    advice.push('Neuron instances need the model compiled for a fixed batch size and sequence length (optimum-neuron); the degree counts NeuronCores.');
  }
  advice.push(...(estimate.architecture.notes ?? []));
  return advice;
}
