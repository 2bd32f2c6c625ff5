/**
 * Endpoint-config facts that follow from the model size and the instance type: startup timeouts long
 * enough to fetch and load the weights, and whether the instance has local NVMe storage (which rules out a
 * KmsKeyId on the endpoint config).
 */

/** SageMaker's range for both timeouts, in seconds (CreateEndpointConfig ProductionVariant: 60..3600). */
const MAX_TIMEOUT_SECONDS = 3600;
/** The floor: SageMaker LLM examples and the LMI docs use at least 600 s even for small models. */
const MIN_TIMEOUT_SECONDS = 600;
/**
 * Seconds per GiB of weights, chosen (not measured) to be generous:
 * - S3 to the instance (ModelDataSource, before the container starts): 10 s/GiB, about 100 MiB/s.
 * - Container startup: a Hugging Face Hub download at about 50 MiB/s (20 s/GiB) plus loading the shards onto
 *   the accelerators, CUDA graph capture or engine compilation (10 s/GiB). LMI itself allows model loading up to
 *   1800 s (option.model_loading_timeout default, djl-serving configurations.md; sizing-facts.md §3).
 */
const DOWNLOAD_SECONDS_PER_GIB = 10;
const STARTUP_SECONDS_PER_GIB = 30;

export interface StartupTimeouts {
  readonly containerStartupHealthCheckTimeoutInSeconds: number;
  readonly modelDataDownloadTimeoutInSeconds: number;
}

/**
 * Startup timeouts for `weightsGiB` of weights:
 *   modelDataDownloadTimeoutInSeconds           = min(3600, 600 + ceil(10 x weightsGiB))
 *   containerStartupHealthCheckTimeoutInSeconds = min(3600, 600 + ceil(30 x weightsGiB))
 * Both are at least 600 s, grow with the weights, and stop at 3600 s, SageMaker's maximum: an 8B model at bf16
 * (15 GiB) gets 750 / 1050 s; a 70B at bf16 (131 GiB) gets 1910 / 3600 s.
 */
export function startupTimeouts(weightsGiB: number, options: { readonly compilesAtStartup?: boolean } = {}): StartupTimeouts {
  if (typeof weightsGiB !== 'number' || !Number.isFinite(weightsGiB) || weightsGiB < 0) {
    throw new RangeError(`weightsGiB is ${String(weightsGiB)}: use the size of the weights in GiB, a number of at least 0 (the sizing estimate's memory.weightsGiB).`);
  }
  const timeout = (secondsPerGiB: number) => Math.min(MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS + Math.ceil(secondsPerGiB * weightsGiB));
  return {
    // A model compiled at startup (Neuron without a cached shape) gets the most SageMaker allows.
    containerStartupHealthCheckTimeoutInSeconds: options.compilesAtStartup ? MAX_TIMEOUT_SECONDS : timeout(STARTUP_SECONDS_PER_GIB),
    modelDataDownloadTimeoutInSeconds: timeout(DOWNLOAD_SECONDS_PER_GIB),
  };
}

/**
 * Accelerated families with NVMe instance store volumes although their name has no `d`: g5 (1x250 GB on
 * g5.xlarge), g6, g6e, p5, p5e, p5en, trn1, trn1n, trn2; inf1 and inf2 are EBS-only. ⚠ From the EC2 instance-type
 * specifications ("Instance storage" column), not re-read for this module; g5 is confirmed by the SageMaker
 * ResourceConfig docs quoted below.
 */
const NVME_FAMILIES: ReadonlySet<string> = new Set(['g5', 'g6', 'g6e', 'p5', 'p5e', 'p5en', 'trn1', 'trn1n', 'trn2']);

/**
 * Whether the instance type has local NVMe instance storage. SageMaker rejects a KmsKeyId on the endpoint config
 * of such an instance: "Certain Nitro-based instances include local storage... You can't request a KmsKeyId when
 * using an instance type with local storage... the call to CreateEndpointConfig fails" (SageMaker API reference,
 * CreateEndpointConfig KmsKeyId, read 2026-08); the local volumes are encrypted by a hardware module instead.
 * Besides NVME_FAMILIES, EC2 names instance storage with a `d` after the generation: g4dn, g4ad, p3dn, p4d, p4de,
 * m5d, c5d, r5d, m6id, c6gd, ... ("ML instance families with the NVMe-type instance storage include ml.p4d,
 * ml.g4dn, and ml.g5", SageMaker ResourceConfig VolumeSizeInGB).
 */
export function hasLocalNvmeStorage(instanceType: string): boolean {
  const match = /^(?:ml\.)?([a-z]+)(\d+)([a-z-]*)\.[a-z0-9-]+$/.exec(instanceType.trim());
  if (match === null) return false;
  const [, series, generation, attributes] = match;
  return NVME_FAMILIES.has(`${series}${generation}${attributes}`) || attributes.includes('d');
}
