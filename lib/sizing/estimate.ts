// The sizing engine in the form every jsii language has: static methods taking named structs and returning
// structs whose unknown values are absent rather than null. The numbers are estimateServing's and
// estimateTraining's, unchanged.
import type { ModelArchitecture } from './models';
import type { Precision } from './precision';
import { estimateServing, type RejectedInstance, type ServingCandidate, type ServingFit, type ServingMemory, type ServingScale } from './serving';
import { SizingInputError } from './validation';
import { estimateTraining, type TrainingCandidate, type TrainingMemory, type TrainingMethod, type TrainingFit, type TrainingOptimizer, type TrainingRejection, type TrainingSettings } from './training';

/** What to size for serving: a catalog model (`model`) or one described by its `architecture`. */
export interface ServingSizingOptions extends ServingScale {
  /** A catalog id (Hugging Face id). @default - `architecture` is given */
  readonly model?: string;
  /** The facts of a model outside the catalog. @default - `model` is given */
  readonly architecture?: ModelArchitecture;
  /** @default Precision.BF16 */
  readonly precision?: Precision;
}

/** The engine's own memory on each GPU; zeros on Neuron. */
export interface EngineReservePerShard {
  /** The activation peak of a forward pass, GiB. */
  readonly activationPeak: number;
  /** CUDA graphs, GiB. */
  readonly cudaGraphs: number;
  /** The CUDA context and allocator, GiB. */
  readonly context: number;
}

/** An instance that holds the model, with what serving it costs. */
export interface ServingOption extends ServingFit {
  /** `gpu` or `neuron`. */
  readonly acceleratorKind: string;
  /** The engine's own memory on each GPU. */
  readonly engineReservePerShardGiB: EngineReservePerShard;
  /** On-demand price. @default - no price is known */
  readonly usdPerHour?: number;
  /** Where the price comes from. @default - no price is known */
  readonly priceSource?: string;
  /** A floor on the cost per million output tokens. @default - no price is known */
  readonly usdPerMillionTokens?: number;
  /** Cost per million output tokens at the expected throughput. @default - no price is known */
  readonly expectedUsdPerMillionTokens?: number;
}

/** What serving a model takes: its memory, the instances that hold it, cheapest first, and those that do not. */
export interface ServingSizing {
  readonly model: string;
  readonly precision: Precision;
  readonly contextTokens: number;
  readonly concurrency: number;
  readonly memory: ServingMemory;
  /** The cheapest option. @default - no instance holds the model */
  readonly recommended?: ServingOption;
  /** Every instance that holds the model, cheapest first, unpriced last. */
  readonly options: ServingOption[];
  /** Every other instance of the catalog, with the reason. */
  readonly rejected: RejectedInstance[];
  /** When nothing fits: the first lighter precision at which some instance would. @default - none, or something fits */
  readonly lighterPrecisionThatFits?: Precision;
  /** What to do next, and caveats of the model. */
  readonly advice: string[];
}

/** What to size for training: a catalog model (`model`) or one described by its `architecture`. */
export interface TrainingSizingOptions extends TrainingSettings {
  /** A catalog id (Hugging Face id). @default - `architecture` is given */
  readonly model?: string;
  /** The facts of a model outside the catalog. @default - `model` is given */
  readonly architecture?: ModelArchitecture;
  readonly method: TrainingMethod;
  /** @default TrainingOptimizer.ADAMW */
  readonly optimizer?: TrainingOptimizer;
}

/** Instances that run one training job, with its time and cost where the tokens are known. */
export interface TrainingOption extends TrainingFit {
  /** Price of all the instances. @default - no price is known */
  readonly usdPerHour?: number;
  /** @default - no token budget */
  readonly hours?: number;
  /** @default - no token budget or no price */
  readonly usdCost?: number;
}

/** What training a model takes: its memory, the instances that hold it, cheapest first, and those that do not. */
export interface TrainingSizing {
  readonly model: string;
  readonly method: TrainingMethod;
  readonly sequenceLength: number;
  readonly microBatchSize: number;
  readonly gradientCheckpointing: boolean;
  /** @default - full fine-tuning has no rank */
  readonly loraRank?: number;
  /** @default - no token budget */
  readonly tokens?: number;
  readonly epochs: number;
  readonly mfu: number;
  readonly memory: TrainingMemory;
  /** FLOPs of the run. @default - no token budget */
  readonly flops?: number;
  /** The cheapest run. @default - nothing holds it */
  readonly recommended?: TrainingOption;
  /** Every run that holds it, cheapest first. */
  readonly options: TrainingOption[];
  readonly rejected: TrainingRejection[];
  readonly advice: string[];
}

/**
 * The sizing engine: what memory, instances and cost serving or training a model takes.
 *
 * @example
 * import { sizing } from 'genai-lifecycle-cdk';
 * /// !hide
 * declare const console: { log(...values: unknown[]): void };
 * /// !show
 *
 * const serving = sizing.Estimate.serving({ model: 'Qwen/Qwen2.5-7B-Instruct', contextTokens: 8192, concurrency: 8 });
 * console.log(serving.recommended?.instanceType, serving.recommended?.usdPerHour);
 * const training = sizing.Estimate.training({ model: 'Qwen/Qwen2.5-7B-Instruct', method: sizing.TrainingMethod.QLORA, tokens: 50_000_000 });
 * console.log(training.recommended?.instanceType, training.recommended?.hours, training.recommended?.usdCost);
 */
export class Estimate {
  /** Sizes serving. Throws a SizingInputError naming every invalid field. */
  static serving(options: ServingSizingOptions): ServingSizing {
    const { model, architecture, ...rest } = options;
    const e = estimateServing({ ...rest, model: modelOf(model, architecture) });
    return {
      model: e.model, precision: e.precision, contextTokens: e.contextTokens, concurrency: e.concurrency, memory: e.memory,
      recommended: e.recommended ? servingOption(e.recommended) : undefined,
      options: e.candidates.map(servingOption),
      rejected: e.rejected,
      lighterPrecisionThatFits: e.lighterPrecisionThatFits ?? undefined,
      advice: e.advice,
    };
  }

  /** Sizes a training job. Throws a SizingInputError naming every invalid field. */
  static training(options: TrainingSizingOptions): TrainingSizing {
    const { model, architecture, optimizer, ...rest } = options;
    const e = estimateTraining({ ...rest, optimizer, model: modelOf(model, architecture) });
    return {
      model: e.model, method: e.method, sequenceLength: e.sequenceLength, microBatchSize: e.microBatchSize, gradientCheckpointing: e.gradientCheckpointing,
      loraRank: e.loraRank ?? undefined, tokens: e.tokens ?? undefined, epochs: e.epochs, mfu: e.mfu, memory: e.memory, flops: e.flops ?? undefined,
      recommended: e.recommended ? trainingOption(e.recommended) : undefined,
      options: e.candidates.map(trainingOption),
      rejected: e.rejected,
      advice: e.advice,
    };
  }

  private constructor() {}
}

/** The problem of naming a model both ways, as Estimate and InferenceEndpoint report it; undefined for one way or none. */
export function bothModelsProblem(model: string | undefined, architecture: ModelArchitecture | undefined): string | undefined {
  return model !== undefined && architecture !== undefined
    ? `model is "${model}" and architecture is "${architecture.id}": give one, the catalog id or the architecture.` : undefined;
}

/** The model to size: the architecture, or the catalog id; exactly one of them. */
function modelOf(model: string | undefined, architecture: ModelArchitecture | undefined): string | ModelArchitecture {
  const both = bothModelsProblem(model, architecture);
  if (both) throw new SizingInputError([both]);
  if (architecture !== undefined) return architecture;
  if (model === undefined) throw new SizingInputError(['model is missing: give a catalog id (e.g. "Qwen/Qwen2.5-7B-Instruct") or an architecture.']);
  return model;
}

function servingOption(c: ServingCandidate): ServingOption {
  return {
    ...c,
    engineReservePerShardGiB: { ...c.engineReservePerShardGiB },
    usdPerHour: c.usdPerHour ?? undefined,
    priceSource: c.priceSource ?? undefined,
    usdPerMillionTokens: c.usdPerMillionTokens ?? undefined,
    expectedUsdPerMillionTokens: c.expectedUsdPerMillionTokens ?? undefined,
  };
}

function trainingOption(c: TrainingCandidate): TrainingOption {
  return { ...c, usdPerHour: c.usdPerHour ?? undefined, hours: c.hours ?? undefined, usdCost: c.usdCost ?? undefined };
}
