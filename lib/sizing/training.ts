/**
 * Fine-tuning estimate: memory of full fine-tuning, LoRA and QLoRA, the course's rule of thumb beside it, the
 * cheapest instance (or number of instances) that holds the run, and its time and cost for a token budget.
 */
import { AcceleratorKind } from './accelerators';
import { describeAccelerators, InstanceCatalog, shardUnits, type InstanceSpec } from './instances';
import { ModelCatalog, resolveArchitecture, type ModelArchitecture, type Unvalidated } from './models';
import { embeddingParameters } from './precision';
import { requireArchitecture } from './serving';
import { BYTES_PER_GB, bytesToGiB, SECONDS_PER_HOUR, TERA } from './units';
import { IssueCollector, type FieldNames } from './validation';

export enum TrainingMethod {
  /** Every weight trains: mixed-precision AdamW. */
  FULL = 'full',
  /** Frozen bf16 base plus low-rank adapters (arXiv 2106.09685). */
  LORA = 'lora',
  /** Frozen NF4 base plus low-rank adapters (arXiv 2305.14314). */
  QLORA = 'qlora',
}

export const TRAINING_METHODS: readonly TrainingMethod[] = Object.values(TrainingMethod);
export type TrainingMethodLike = TrainingMethod | `${TrainingMethod}`;

/** HF transformers "Anatomy of Model's Memory": fp32 master + bf16 copy (6) + fp32 gradients (4) + AdamW (8). */
export const MIXED_PRECISION_ADAMW_BYTES = { weights: 6, gradients: 4, optimizer: 8 } as const;
/**
 * LoRA/QLoRA adapters: peft keeps adapter weights in fp32 (4 bytes) and autocast computes in bf16 without a stored
 * copy; gradients are fp32 (4). The base model's frozen weights carry no gradient or optimizer state.
 */
export const ADAPTER_BYTES = { weights: 4, gradients: 4 } as const;

/**
 * The optimizer, for its state bytes per trainable parameter: AdamW keeps two fp32 moments (8 bytes; the Trainer's
 * default `adamw_torch`, which the kit's scripts use); bitsandbytes' 8-bit AdamW (and its paged form, the QLoRA
 * paper's) keeps two 8-bit moments (2 bytes; bitsandbytes 8-bit optimizers, arXiv 2110.02861).
 */
export enum TrainingOptimizer {
  /** Two fp32 moments: the Trainer's `adamw_torch`, what the kit's scripts use. */
  ADAMW = 'adamw',
  /** bitsandbytes' 8-bit AdamW. */
  ADAMW_8BIT = 'adamw-8bit',
  /** bitsandbytes' paged 8-bit AdamW (the QLoRA paper's). */
  PAGED_ADAMW_8BIT = 'paged-adamw-8bit',
}
/** An optimizer, or its name (`'adamw-8bit'`), as the TypeScript free functions take it. */
export type TrainingOptimizerLike = TrainingOptimizer | `${TrainingOptimizer}`;
export const TRAINING_OPTIMIZERS: readonly TrainingOptimizer[] = Object.values(TrainingOptimizer);
const OPTIMIZER_STATE_BYTES: Readonly<Record<TrainingOptimizer, number>> = {
  [TrainingOptimizer.ADAMW]: 8, [TrainingOptimizer.ADAMW_8BIT]: 2, [TrainingOptimizer.PAGED_ADAMW_8BIT]: 2,
};
/** A run's devices must keep this share of their usable memory free: the kit's margin ⚠, as for serving. */
export const MIN_TRAINING_HEADROOM_FRACTION = 0.05;
/**
 * Instance families with EFA networking, which a training run across instances needs (gradients and sharded
 * states cross the network every step): the instances of SageMaker's distributed data parallel library
 * (ml.p4d, ml.p4de; sizing-facts.md §4) and ⚠ p5, p5e, p5en and trn1.32xlarge, listed with EFA in the EC2
 * accelerated-computing pages (not re-read here).
 */
export const EFA_TRAINING_INSTANCES: ReadonlySet<string> = new Set(['ml.p4d.24xlarge', 'ml.p4de.24xlarge', 'ml.p5.48xlarge', 'ml.p5e.48xlarge', 'ml.p5en.48xlarge', 'ml.trn1.32xlarge']);
/** Course "Generative AI with LLMs" week 1 ⚠ (quoted secondarily): ~24 GB (decimal) per 1B parameters at fp32. */
export const RULE_OF_THUMB_BYTES_PER_PARAM = 24;
/**
 * NF4 with double quantization (QLoRA paper): 4 bits per weight, an 8-bit absmax per block of 64 and an fp32
 * constant per 256 blocks: 0.5 + 1/64 + 4/(64 x 256) = 0.515869 bytes per weight (0.127 bits of overhead).
 */
export const NF4_BYTES_PER_WEIGHT = 0.5 + 1 / 64 + 4 / (64 * 256);
/** LoRA targets q, k, v, o, gate, up and down projections (PEFT "all-linear" on Llama-style blocks). */
export const DEFAULT_LORA_RANK = 16;
export const DEFAULT_MFU = 0.4;
export const DEFAULT_SEQUENCE_LENGTH = 2048;
/** Headroom for the CUDA context and allocator fragmentation: the kit's assumption, as for serving. */
export const DEFAULT_TRAINING_MEMORY_UTILIZATION = 0.9;
export const DEFAULT_MAX_INSTANCES = 16;
/**
 * The entry scripts save a merged model in safetensors shards of at most this many bytes (modeling.py
 * MERGE_MAX_SHARD_SIZE = "2GB"); safetensors builds a whole shard in host memory before writing it.
 */
export const MERGE_SHARD_BYTES = 2e9;
/**
 * Host memory of the training process besides the model it merges: Python, torch and CUDA libraries, the
 * tokenizer and data loader. ⚠ The kit's allowance, not a measured figure.
 */
export const TRAINING_PROCESS_HOST_BYTES = 4 * 2 ** 30;
/** Share of the instance's memory the job may use; the rest is the OS's and SageMaker's agents'. ⚠ The kit's allowance. */
export const DEFAULT_HOST_MEMORY_UTILIZATION = 0.9;

/** How a training run is set up, beside its model and method: what the estimate assumes unless told. */
export interface TrainingSettings {
  /** Tokens per training sequence. @default 2048 */
  readonly sequenceLength?: number;
  /** Sequences per device per step. @default 1 */
  readonly microBatchSize?: number;
  /** Recompute activations in the backward pass (HF gradient_checkpointing). @default true */
  readonly gradientCheckpointing?: boolean;
  /** LoRA/QLoRA rank r. @default 16 */
  readonly loraRank?: number;
  /** Training tokens per epoch. @default - no time or cost: instances are ranked by price per hour */
  readonly tokens?: number;
  /** @default 1 */
  readonly epochs?: number;
  /** Model FLOPS utilization: the share of peak the run achieves. @default 0.4 */
  readonly mfu?: number;
  /** Share of accelerator memory training may fill. @default 0.9 */
  readonly memoryUtilization?: number;
  /** The most instances to spread one run over. @default 16 */
  readonly maxInstances?: number;
  /**
   * LoRA/QLoRA: the job merges the adapter into a 16-bit copy of the base on the host after training (the entry
   * scripts' --merge-adapter, on by default), so the instance's host memory must hold that copy.
   * @default true
   */
  readonly mergeAdapter?: boolean;
  /** @default InstanceCatalog.DEFAULT */
  readonly instances?: InstanceCatalog;
  /** @default ModelCatalog.DEFAULT */
  readonly models?: ModelCatalog;
}

/**
 * TypeScript and JavaScript only: the input of the free functions, which jsii does not carry (its model is a catalog id or an architecture); other languages size with `Estimate`.
 *
 * @jsii ignore
 */
export interface TrainingInput extends TrainingSettings {
  readonly model: string | ModelArchitecture;
  readonly method: TrainingMethodLike;
  /** @default 'adamw' (the kit's training scripts) */
  readonly optimizer?: TrainingOptimizerLike;
}

export interface TrainingMemory {
  readonly trainableParameters: number;
  /** Weights as held: fp32 master and bf16 copy (full), or the frozen base plus adapter weights. */
  readonly weightsGiB: number;
  readonly gradientsGiB: number;
  readonly optimizerStatesGiB: number;
  /** weights + gradients + optimizer states: what ZeRO-3 / FSDP shards across devices. */
  readonly statesGiB: number;
  /** Activations of one micro-batch on each device (not shardable by data parallelism). ⚠ an estimate. */
  readonly activationsGiB: number;
  /** statesGiB + activationsGiB: everything on one device. */
  readonly totalGiB: number;
  /** The course's rule of thumb, decimal GB, for comparison. */
  readonly ruleOfThumbGB: number;
  /**
   * Host memory at the job's peak: merging the adapter into the 16-bit base on the CPU (the base, one shard
   * being written, the process), or the process alone when nothing is merged.
   */
  readonly hostGiB: number;
}

/** Instances that hold one training job, whatever is known of their price. */
export interface TrainingFit {
  readonly instanceType: string;
  readonly accelerators: string;
  readonly instanceCount: number;
  /** GPUs or NeuronCores over all instances; states are sharded across all of them (ZeRO-3 / FSDP). */
  readonly devices: number;
  readonly perDeviceGiB: number;
  readonly usablePerDeviceGiB: number;
}

/**
 * TypeScript and JavaScript only: its `null` fields have no form in other languages (`sizing.Estimate.training` gives the
 * same numbers with absent values).
 *
 * @jsii ignore
 */
export interface TrainingCandidate extends TrainingFit {
  /** Price of all `instanceCount` instances. */
  readonly usdPerHour: number | null;
  /** @default null without a token budget */
  readonly hours: number | null;
  readonly usdCost: number | null;
}

export interface TrainingRejection {
  readonly instanceType: string;
  readonly reason: string;
}

/**
 * TypeScript and JavaScript only: its `null` fields have no form in other languages yet (the estimate CLI's JSON
 * carries the same numbers).
 *
 * @jsii ignore
 */
export interface TrainingEstimate {
  readonly model: string;
  readonly method: TrainingMethod;
  readonly sequenceLength: number;
  readonly microBatchSize: number;
  readonly gradientCheckpointing: boolean;
  readonly loraRank: number | null;
  readonly tokens: number | null;
  readonly epochs: number;
  readonly mfu: number;
  readonly memory: TrainingMemory;
  /** 6 x N (full) or 4 x N (adapters) FLOPs per token x tokens x epochs; null without tokens. */
  readonly flops: number | null;
  /** The cheapest run (or, without tokens, the lowest price per hour); null when nothing holds it. */
  readonly recommended: TrainingCandidate | null;
  readonly candidates: TrainingCandidate[];
  readonly rejected: TrainingRejection[];
  readonly advice: string[];
}

export function validateTrainingInput(input: Unvalidated<TrainingInput>, names: FieldNames = {}): string[] {
  const { architecture, issues } = resolveArchitecture(input.model, input.models ?? ModelCatalog.DEFAULT, names);
  const options = validateTrainingOptions(input, names);
  const c = new IssueCollector(names);
  if (architecture !== undefined && options.length === 0 && input.tokens !== undefined) {
    const method = input.method as TrainingMethod;
    c.finiteResult('The compute', trainingFlops(architecture, method, input.tokens, input.epochs ?? 1), ['tokens', 'epochs'],
      'give the training tokens per epoch and the passes over them as they are, e.g. 50000000 and 3');
  }
  return [...issues, ...options, ...c.issues];
}

/**
 * Training FLOPs: forward 2N + backward 4N per token (Chinchilla's 6N). Adapters skip the frozen weights'
 * gradients (2N of the backward), so ~4N; the LoRA paper reports the matching speed-up. Recomputation is not
 * counted (MFU, not HFU).
 */
function trainingFlops(model: ModelArchitecture, method: TrainingMethod, tokens: number, epochs: number): number {
  return (method === TrainingMethod.FULL ? 6 : 4) * (model.activeParameters ?? model.parameters) * tokens * epochs;
}

/** Problems with everything but the model itself. */
export function validateTrainingOptions(input: Unvalidated<TrainingInput>, names: FieldNames = {}): string[] {
  const c = new IssueCollector(names);
  if (input.method === undefined) c.add(`${c.name('method')} is missing: use one of ${TRAINING_METHODS.join(', ')}.`);
  c.oneOf('method', input.method, TRAINING_METHODS, 'full fine-tuning, LoRA adapters, or LoRA on a 4-bit base');
  c.integer('sequenceLength', input.sequenceLength, 1, 'tokens per training sequence, e.g. 2048');
  c.integer('microBatchSize', input.microBatchSize, 1, 'sequences per device per step, e.g. 1');
  c.integer('loraRank', input.loraRank, 1, 'LoRA rank r, e.g. 16');
  c.positive('tokens', input.tokens, 'training tokens per epoch, e.g. 50000000');
  c.positive('epochs', input.epochs, 'passes over the data, e.g. 3');
  c.fraction('mfu', input.mfu, 'model FLOPS utilization, e.g. 0.4');
  c.fraction('memoryUtilization', input.memoryUtilization, 'share of accelerator memory, e.g. 0.9');
  c.integer('maxInstances', input.maxInstances, 1, 'instances one run may use, e.g. 16');
  c.oneOf('optimizer', input.optimizer, TRAINING_OPTIMIZERS, 'AdamW with fp32 states, or bitsandbytes 8-bit AdamW');
  return [...c.issues];
}

/** Sizes fine-tuning `input.model` with `input.method`. Throws SizingInputError on bad input. */
export function estimateTraining(input: TrainingInput, names: FieldNames = {}): TrainingEstimate {
  const c = new IssueCollector(names);
  c.addAll(validateTrainingInput(input, names));
  c.throwIfAny();
  const model = requireArchitecture(input.model, input.models);
  const method = input.method as TrainingMethod;
  const sequenceLength = input.sequenceLength ?? DEFAULT_SEQUENCE_LENGTH;
  const microBatchSize = input.microBatchSize ?? 1;
  const gradientCheckpointing = input.gradientCheckpointing ?? true;
  const loraRank = method === TrainingMethod.FULL ? null : input.loraRank ?? DEFAULT_LORA_RANK;
  const epochs = input.epochs ?? 1;
  const mfu = input.mfu ?? DEFAULT_MFU;
  const utilization = input.memoryUtilization ?? DEFAULT_TRAINING_MEMORY_UTILIZATION;
  const tokens = input.tokens ?? null;

  const merge = method !== TrainingMethod.FULL && (input.mergeAdapter ?? true);
  const memory = trainingMemory(model, method, loraRank ?? 0, sequenceLength, microBatchSize, gradientCheckpointing, merge, input.optimizer ?? TrainingOptimizer.ADAMW);
  const flops = tokens === null ? null : trainingFlops(model, method, tokens, epochs);

  const candidates: TrainingCandidate[] = [];
  const rejected: TrainingRejection[] = [];
  for (const spec of (input.instances ?? InstanceCatalog.DEFAULT).all()) {
    const outcome = fitTraining(spec, method, memory, utilization, input.maxInstances ?? DEFAULT_MAX_INSTANCES, flops, mfu);
    if ('reason' in outcome) rejected.push(outcome);
    else candidates.push(outcome);
  }
  candidates.sort(flops === null ? byHourlyPrice : byRunCost);
  const recommended = candidates[0] ?? null;
  const advice: string[] = [];
  if (recommended === null) {
    advice.push(method === TrainingMethod.QLORA
      ? 'No instance holds this run: shorten the sequences, use a smaller model, or raise maxInstances.'
      : 'No instance holds this run: try LoRA or QLoRA, shorten the sequences, or raise maxInstances.');
  } else if (recommended.instanceCount > 1) {
    advice.push(`The run spans ${recommended.instanceCount} instances: data parallel with ZeRO-3 / FSDP full sharding of weights, gradients and optimizer states over all ${recommended.devices} devices.`);
  }
  const chosen = (input.instances ?? InstanceCatalog.DEFAULT).lookup(recommended?.instanceType ?? '');
  if (chosen && !chosen.accelerator.supportsBf16) {
    advice.push(`${chosen.accelerator.name} (${chosen.accelerator.generation}) has no bf16: mixed precision runs in fp16 with loss scaling.`);
  }
  if (method === TrainingMethod.QLORA) advice.push('QLoRA needs bitsandbytes (NVIDIA GPUs only); paged optimizers absorb memory spikes.');
  return {
    model: model.id, method, sequenceLength, microBatchSize, gradientCheckpointing, loraRank, tokens, epochs, mfu,
    memory, flops, recommended, candidates, rejected, advice,
  };
}

/**
 * Adapter parameters: r x (d_in + d_out) per adapted matrix (LoRA paper) on q, k, v, o and the gate, up and
 * down projections of every layer (of every expert for a mixture of experts).
 */
export function loraParameters(model: ModelArchitecture, rank: number): number {
  const h = hiddenSize(model);
  const q = (model.attentionHeads ?? model.kvHeads) * model.headDim;
  const kv = model.kvHeads * model.headDim;
  const ffn = model.intermediateSize ?? 4 * h;
  const attention = (h + q) + 2 * (h + kv) + (q + h);
  const mlp = 3 * (h + ffn) * (model.experts ?? 1);
  return rank * (attention + mlp) * (model.layers + (model.encoderLayers ?? 0));
}

/** The hidden size, or for a custom model without it sqrt(N / (12 L)) (a transformer holds ~12 h^2 per layer). */
export function hiddenSize(model: ModelArchitecture): number {
  return model.hiddenSize ?? Math.round(Math.sqrt(model.parameters / (12 * (model.layers + (model.encoderLayers ?? 0)))));
}

/**
 * Activation bytes of one micro-batch on one device. ⚠ Korthikanti et al. 2022 (arXiv 2205.05198): a layer
 * stores about 34 x s x b x h bytes in 16-bit with flash attention (no s^2 scores). With recomputation only
 * each layer's input (2 x s x b x h) is kept, plus one layer's activations while it is recomputed. The logits
 * add s x b x vocab x 4 bytes (fp32 for the loss).
 */
export function activationBytes(model: ModelArchitecture, sequenceLength: number, microBatchSize: number, checkpointing: boolean): number {
  const sbh = sequenceLength * microBatchSize * hiddenSize(model);
  const layers = model.layers + (model.encoderLayers ?? 0);
  const perLayerFull = 34 * sbh;
  const layersBytes = checkpointing ? layers * 2 * sbh + perLayerFull : layers * perLayerFull;
  const logits = model.vocabSize === undefined ? 0 : sequenceLength * microBatchSize * model.vocabSize * 4;
  return layersBytes + logits;
}

function trainingMemory(
  model: ModelArchitecture, method: TrainingMethod, rank: number, sequenceLength: number, microBatchSize: number, checkpointing: boolean, merge: boolean,
  optimizerKind: TrainingOptimizerLike,
): TrainingMemory {
  const n = model.parameters;
  const full = method === TrainingMethod.FULL;
  const adam = full
    ? { ...MIXED_PRECISION_ADAMW_BYTES, optimizer: OPTIMIZER_STATE_BYTES[optimizerKind as TrainingOptimizer] }
    : { ...ADAPTER_BYTES, optimizer: OPTIMIZER_STATE_BYTES[optimizerKind as TrainingOptimizer] };
  const trainable = full ? n : loraParameters(model, rank);
  const baseBytes = method === TrainingMethod.FULL ? 0
    : method === TrainingMethod.LORA ? 2 * n
      // bitsandbytes leaves embeddings and lm_head in 16-bit.
      : (n - embeddingParameters(model)) * NF4_BYTES_PER_WEIGHT + embeddingParameters(model) * 2;
  const weights = baseBytes + trainable * adam.weights;
  const gradients = trainable * adam.gradients;
  const optimizer = trainable * adam.optimizer;
  const states = weights + gradients + optimizer;
  const activations = activationBytes(model, sequenceLength, microBatchSize, checkpointing);
  return {
    trainableParameters: trainable,
    weightsGiB: bytesToGiB(weights),
    gradientsGiB: bytesToGiB(gradients),
    optimizerStatesGiB: bytesToGiB(optimizer),
    statesGiB: bytesToGiB(states),
    activationsGiB: bytesToGiB(activations),
    totalGiB: bytesToGiB(states + activations),
    ruleOfThumbGB: (n * RULE_OF_THUMB_BYTES_PER_PARAM) / BYTES_PER_GB,
    hostGiB: bytesToGiB(TRAINING_PROCESS_HOST_BYTES + (merge ? 2 * n + Math.max(MERGE_SHARD_BYTES, 2 * embeddingParameters(model) / (model.tieWordEmbeddings ? 1 : 2)) : 0)),
  };
}

function fitTraining(
  spec: InstanceSpec, method: TrainingMethod, memory: TrainingMemory, utilization: number, maxInstances: number,
  flops: number | null, mfu: number,
): TrainingCandidate | TrainingRejection {
  const reject = (reason: string): TrainingRejection => ({ instanceType: spec.instanceType, reason });
  const { accelerator } = spec;
  if (!accelerator.supportsTraining) return reject(`${accelerator.name} is built for inference: train on GPUs or Trainium`);
  if (method === TrainingMethod.QLORA && accelerator.kind === AcceleratorKind.NEURON) {
    return reject('QLoRA needs bitsandbytes 4-bit kernels, which run on NVIDIA GPUs only');
  }
  const hostUsable = spec.hostMemoryGiB * DEFAULT_HOST_MEMORY_UTILIZATION;
  if (memory.hostGiB > hostUsable) {
    return reject(`the job needs ${memory.hostGiB.toFixed(1)} GiB of host memory (merging the adapter into the 16-bit base on the CPU), ` +
      `${spec.instanceType} has ${spec.hostMemoryGiB} GiB (${hostUsable.toFixed(1)} usable)`);
  }
  const units = shardUnits(spec);
  const usableEach = bytesToGiB(units.memoryBytesEach) * utilization;
  // Never fill a device to the last byte: the states and activations get the usable memory less the margin.
  const spare = usableEach * (1 - MIN_TRAINING_HEADROOM_FRACTION) - memory.activationsGiB;
  if (spare <= 0) {
    return reject(`activations alone take ${memory.activationsGiB.toFixed(1)} GiB per ${units.label}; one ${accelerator.shortName} ` +
      `${units.label === 'GPU' ? '' : 'NeuronCore '}gives ${usableEach.toFixed(1)} GiB usable: shorten the sequences or the micro-batch`);
  }
  const instanceCount = Math.ceil(memory.statesGiB / (spare * units.count));
  if (instanceCount > 1 && !EFA_TRAINING_INSTANCES.has(spec.instanceType)) {
    return reject(`needs ${instanceCount} instances (${memory.statesGiB.toFixed(1)} GiB of states over ${units.count} ${units.label}s each), and a run across instances ` +
      `needs EFA networking, which ${spec.instanceType} lacks: use one larger instance, or an EFA instance (p4d, p4de, p5, trn1.32xlarge)`);
  }
  if (instanceCount > maxInstances) {
    return reject(`needs ${instanceCount} instances (${memory.statesGiB.toFixed(1)} GiB of states over ${units.count} ${units.label}s each, ` +
      `${spare.toFixed(1)} GiB free per ${units.label} after activations); the limit is ${maxInstances}`);
  }
  const devices = instanceCount * units.count;
  const usdPerHour = spec.usdPerHour === undefined ? null : spec.usdPerHour * instanceCount;
  const peakFlopsPerSecond = (devices / accelerator.coresPerDevice) * accelerator.peakDenseTflops * TERA;
  const hours = flops === null ? null : flops / (peakFlopsPerSecond * mfu) / SECONDS_PER_HOUR;
  return {
    instanceType: spec.instanceType,
    accelerators: describeAccelerators(spec),
    instanceCount,
    devices,
    perDeviceGiB: memory.statesGiB / devices + memory.activationsGiB,
    usablePerDeviceGiB: usableEach,
    usdPerHour,
    hours,
    usdCost: hours === null || usdPerHour === null ? null : hours * usdPerHour,
  };
}

function byHourlyPrice(a: TrainingCandidate, b: TrainingCandidate): number {
  return nullsLast(a.usdPerHour, b.usdPerHour) || a.instanceCount - b.instanceCount || a.instanceType.localeCompare(b.instanceType);
}

function byRunCost(a: TrainingCandidate, b: TrainingCandidate): number {
  return nullsLast(a.usdCost, b.usdCost) || a.instanceCount - b.instanceCount || (a.hours ?? 0) - (b.hours ?? 0) || a.instanceType.localeCompare(b.instanceType);
}

function nullsLast(a: number | null, b: number | null): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a - b;
}
