/**
 * The SageMaker accelerator instances the engine sizes against (reference/sizing-facts.md §1: counts,
 * vCPUs and host memory from sagemaker-python-sdk instance_gpu_info.json 2025-11 and the EC2 API), the
 * `InstanceType` open set, and `InstanceCatalog` with user-overridable prices.
 */
import { ACCELERATORS, AcceleratorKind, type AcceleratorSpec } from './accelerators';
import { DEFAULT_PRICES, type PriceTable } from './prices';
import { BYTES_PER_MIB } from './units';
import { SizingInputError, show } from './validation';

/** A SageMaker ML instance type. An open set: `InstanceType.of('ml.g7.2xlarge')` names any type. */
export class InstanceType {
  public static readonly G4DN_XLARGE = InstanceType.of('ml.g4dn.xlarge');
  public static readonly G4DN_2XLARGE = InstanceType.of('ml.g4dn.2xlarge');
  public static readonly G4DN_4XLARGE = InstanceType.of('ml.g4dn.4xlarge');
  public static readonly G4DN_8XLARGE = InstanceType.of('ml.g4dn.8xlarge');
  public static readonly G4DN_12XLARGE = InstanceType.of('ml.g4dn.12xlarge');
  public static readonly G4DN_16XLARGE = InstanceType.of('ml.g4dn.16xlarge');
  public static readonly G5_XLARGE = InstanceType.of('ml.g5.xlarge');
  public static readonly G5_2XLARGE = InstanceType.of('ml.g5.2xlarge');
  public static readonly G5_4XLARGE = InstanceType.of('ml.g5.4xlarge');
  public static readonly G5_8XLARGE = InstanceType.of('ml.g5.8xlarge');
  public static readonly G5_12XLARGE = InstanceType.of('ml.g5.12xlarge');
  public static readonly G5_16XLARGE = InstanceType.of('ml.g5.16xlarge');
  public static readonly G5_24XLARGE = InstanceType.of('ml.g5.24xlarge');
  public static readonly G5_48XLARGE = InstanceType.of('ml.g5.48xlarge');
  public static readonly G6_XLARGE = InstanceType.of('ml.g6.xlarge');
  public static readonly G6_2XLARGE = InstanceType.of('ml.g6.2xlarge');
  public static readonly G6_4XLARGE = InstanceType.of('ml.g6.4xlarge');
  public static readonly G6_8XLARGE = InstanceType.of('ml.g6.8xlarge');
  public static readonly G6_12XLARGE = InstanceType.of('ml.g6.12xlarge');
  public static readonly G6_16XLARGE = InstanceType.of('ml.g6.16xlarge');
  public static readonly G6_24XLARGE = InstanceType.of('ml.g6.24xlarge');
  public static readonly G6_48XLARGE = InstanceType.of('ml.g6.48xlarge');
  public static readonly G6E_XLARGE = InstanceType.of('ml.g6e.xlarge');
  public static readonly G6E_2XLARGE = InstanceType.of('ml.g6e.2xlarge');
  public static readonly G6E_4XLARGE = InstanceType.of('ml.g6e.4xlarge');
  public static readonly G6E_8XLARGE = InstanceType.of('ml.g6e.8xlarge');
  public static readonly G6E_12XLARGE = InstanceType.of('ml.g6e.12xlarge');
  public static readonly G6E_16XLARGE = InstanceType.of('ml.g6e.16xlarge');
  public static readonly G6E_24XLARGE = InstanceType.of('ml.g6e.24xlarge');
  public static readonly G6E_48XLARGE = InstanceType.of('ml.g6e.48xlarge');
  public static readonly P4D_24XLARGE = InstanceType.of('ml.p4d.24xlarge');
  public static readonly P4DE_24XLARGE = InstanceType.of('ml.p4de.24xlarge');
  public static readonly P5_48XLARGE = InstanceType.of('ml.p5.48xlarge');
  public static readonly P5E_48XLARGE = InstanceType.of('ml.p5e.48xlarge');
  public static readonly P5EN_48XLARGE = InstanceType.of('ml.p5en.48xlarge');
  public static readonly INF2_XLARGE = InstanceType.of('ml.inf2.xlarge');
  public static readonly INF2_8XLARGE = InstanceType.of('ml.inf2.8xlarge');
  public static readonly INF2_24XLARGE = InstanceType.of('ml.inf2.24xlarge');
  public static readonly INF2_48XLARGE = InstanceType.of('ml.inf2.48xlarge');
  public static readonly TRN1_2XLARGE = InstanceType.of('ml.trn1.2xlarge');
  public static readonly TRN1_32XLARGE = InstanceType.of('ml.trn1.32xlarge');

  /** Any instance type, e.g. one newer than this catalog. */
  public static of(name: string): InstanceType {
    return new InstanceType(name);
  }

  private constructor(public readonly name: string) {}

  public toString(): string {
    return this.name;
  }
}

/** One SageMaker instance type with its accelerators and price. */
export interface InstanceSpec {
  /** e.g. `ml.g5.2xlarge`. */
  readonly instanceType: string;
  readonly accelerator: AcceleratorSpec;
  /** GPUs, or Neuron chips (each with `accelerator.coresPerDevice` NeuronCores). */
  readonly acceleratorCount: number;
  readonly vcpus: number;
  readonly hostMemoryGiB: number;
  /** On-demand USD per hour. @default - unknown: the instance can fit but is not ranked by cost */
  readonly usdPerHour?: number;
  /** Where the price came from. @default - no price */
  readonly priceSource?: string;
}

/**
 * Tensor parallelism counts GPUs on a GPU instance and NeuronCores on a Neuron instance (the unit of
 * TENSOR_PARALLEL_DEGREE / HF_NUM_CORES), so a "shard" is one GPU or one NeuronCore with its share of memory
 * and bandwidth. The degree a candidate reports can be handed to the container as is.
 */
export interface ShardUnits {
  readonly count: number;
  readonly memoryBytesEach: number;
  readonly bandwidthBytesPerSecondEach: number;
  /** `GPU` or `NeuronCore`, for messages. */
  readonly label: string;
}

export function shardUnits(spec: InstanceSpec): ShardUnits {
  const cores = spec.accelerator.coresPerDevice;
  return {
    count: spec.acceleratorCount * cores,
    memoryBytesEach: (spec.accelerator.memoryPerDeviceMiB * BYTES_PER_MIB) / cores,
    bandwidthBytesPerSecondEach: spec.accelerator.memoryBandwidthBytesPerSecond / cores,
    label: spec.accelerator.kind === AcceleratorKind.NEURON ? 'NeuronCore' : 'GPU',
  };
}

/** Memory of all accelerators of the instance, in bytes. */
export function acceleratorMemoryBytes(spec: InstanceSpec): number {
  return spec.acceleratorCount * spec.accelerator.memoryPerDeviceMiB * BYTES_PER_MIB;
}

/** `4x L40S`, for tables and messages. */
export function describeAccelerators(spec: InstanceSpec): string {
  return `${spec.acceleratorCount}x ${spec.accelerator.shortName}`;
}

type Row = readonly [type: string, accelerator: AcceleratorSpec, count: number, vcpus: number, hostMemoryGiB: number];

const { T4, A10G, L4, L40S, A100_40GB, A100_80GB, H100, H200, INFERENTIA2, TRAINIUM } = ACCELERATORS;

/** Sizes with one accelerator: xlarge .. 16xlarge, vCPUs 4..64, host memory `hostPerVcpu` GiB per vCPU. */
function singles(family: string, accelerator: AcceleratorSpec, hostPerVcpu: number): Row[] {
  return (['xlarge', '2xlarge', '4xlarge', '8xlarge', '16xlarge'] as const).map((size, i) => {
    const vcpus = 4 * 2 ** i;
    return [`ml.${family}.${size}`, accelerator, 1, vcpus, vcpus * hostPerVcpu] as const;
  });
}

const ROWS: readonly Row[] = [
  ...singles('g4dn', T4, 4),
  ['ml.g4dn.12xlarge', T4, 4, 48, 192],
  ...singles('g5', A10G, 4),
  ['ml.g5.12xlarge', A10G, 4, 48, 192],
  ['ml.g5.24xlarge', A10G, 4, 96, 384],
  ['ml.g5.48xlarge', A10G, 8, 192, 768],
  ...singles('g6', L4, 4),
  ['ml.g6.12xlarge', L4, 4, 48, 192],
  ['ml.g6.24xlarge', L4, 4, 96, 384],
  ['ml.g6.48xlarge', L4, 8, 192, 768],
  ...singles('g6e', L40S, 8),
  ['ml.g6e.12xlarge', L40S, 4, 48, 384],
  ['ml.g6e.24xlarge', L40S, 4, 96, 768],
  ['ml.g6e.48xlarge', L40S, 8, 192, 1536],
  ['ml.p4d.24xlarge', A100_40GB, 8, 96, 1152],
  ['ml.p4de.24xlarge', A100_80GB, 8, 96, 1152],
  ['ml.p5.48xlarge', H100, 8, 192, 2048],
  ['ml.p5e.48xlarge', H200, 8, 192, 2048],
  ['ml.p5en.48xlarge', H200, 8, 192, 2048],
  ['ml.inf2.xlarge', INFERENTIA2, 1, 4, 16],
  ['ml.inf2.8xlarge', INFERENTIA2, 1, 32, 128],
  ['ml.inf2.24xlarge', INFERENTIA2, 6, 96, 384],
  ['ml.inf2.48xlarge', INFERENTIA2, 12, 192, 768],
  ['ml.trn1.2xlarge', TRAINIUM, 1, 8, 32],
  ['ml.trn1.32xlarge', TRAINIUM, 16, 128, 512],
];

/** Instance specs by type. Immutable: `withPrices` and `withInstances` return new catalogs. */
export class InstanceCatalog {
  /** Every instance of sizing-facts.md with the default (third-party ⚠) prices. */
  public static readonly DEFAULT = new InstanceCatalog(
    ROWS.map(([instanceType, accelerator, acceleratorCount, vcpus, hostMemoryGiB]) => ({
      instanceType, accelerator, acceleratorCount, vcpus, hostMemoryGiB,
    })),
  ).withPrices(DEFAULT_PRICES);

  private readonly byType: ReadonlyMap<string, InstanceSpec>;

  public constructor(specs: InstanceSpec[]) {
    this.byType = new Map(specs.map((s) => [s.instanceType, s]));
  }

  /** The spec of an instance type (`ml.g6e.xlarge`); undefined when the catalog does not have it. */
  public lookup(instanceType: string): InstanceSpec | undefined {
    return this.byType.get(instanceType);
  }

  /** Like `lookup`, but an unknown type is a SizingInputError that lists the known ones. */
  public get(instanceType: string, field = 'instanceType'): InstanceSpec {
    const spec = this.lookup(instanceType);
    if (spec === undefined) throw new SizingInputError([this.unknownTypeIssue(field, instanceType)]);
    return spec;
  }

  public unknownTypeIssue(field: string, instanceType: string): string {
    return `${field} is ${show(instanceType)}, which is not in the instance catalog: use one of ${this.types().join(', ')}.`;
  }

  public all(): InstanceSpec[] {
    return [...this.byType.values()];
  }

  public types(): string[] {
    return [...this.byType.keys()];
  }

  /**
   * A catalog with prices replaced by the table's (a region's prices, or a newer table). Types the table does
   * not name keep their price; types the catalog does not know are ignored, so a full price list can be passed.
   */
  public withPrices(table: PriceTable): InstanceCatalog {
    const issues = Object.entries(table.usdPerHour)
      .filter(([, usd]) => typeof usd !== 'number' || !Number.isFinite(usd) || usd <= 0)
      .map(([type, usd]) => `price of ${type} is ${show(usd)}: use USD per hour greater than 0.`);
    if (issues.length > 0) throw new SizingInputError(issues);
    return new InstanceCatalog(this.all().map((spec) => {
      const usdPerHour = table.usdPerHour[spec.instanceType];
      return usdPerHour === undefined ? spec : { ...spec, usdPerHour, priceSource: table.source };
    }));
  }

  /** A catalog with instances added or replaced, e.g. a new type described by hand. */
  public withInstances(...specs: InstanceSpec[]): InstanceCatalog {
    return new InstanceCatalog([...this.all(), ...specs]);
  }
}
