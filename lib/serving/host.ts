/**
 * Whether a serving image starts on an instance in a region, from the sourced compatibility data
 * (lib/compatibility): the image must exist in the region's DLC registry (SageMaker Python SDK image_uri_config),
 * the GPU's compute capability must be one the image's engine is built for, and the host's NVIDIA driver must be
 * at least what the image's CUDA needs; when SageMaker's default driver for the instance family is older, the
 * endpoint gets the InferenceAmiVersion with a new enough driver. Pure: constructs call it.
 */
import { amiForDriver, defaultRealtimeDriver, gpuFacts, imageAvailableIn, imageFacts, imageRegions, runsOnComputeCapability } from '../compatibility';
import { AcceleratorKind } from '../sizing/accelerators';
import type { InstanceSpec } from '../sizing/instances';
import type { ServingContainer } from './containers';

export interface HostRequirements {
  /** Why the image cannot start there, one sentence each with the fact's source and what to do. */
  readonly problems: string[];
  /** The InferenceAmiVersion to set; undefined when SageMaker's default host serves. */
  readonly inferenceAmiVersion?: string;
}

/** Why `container`'s image cannot be pulled in `region`; undefined when it can, or when the kit has no facts on the image. */
export function imageRegionProblem(container: ServingContainer, region: string): string | undefined {
  if (container.repository === undefined || container.tag === undefined) return undefined;
  const facts = imageFacts(container.repository, container.tag);
  if (!facts || imageAvailableIn(container.repository, container.tag, region)) return undefined;
  const regions = imageRegions(container.repository, container.tag);
  return `${container.name} (${container.repository}:${container.tag}) is not in the Deep Learning Containers registry of ${region} (${facts.registry.source}); ` +
    `it exists in ${regions.join(', ')}. Deploy to one of them, or host the image yourself with ServingContainer.custom().`;
}

/** What `container` needs from `instance` in `region` (an unresolved region: undefined, not checked). */
export function hostRequirements(container: ServingContainer, instance: InstanceSpec, region: string | undefined): HostRequirements {
  if (container.repository === undefined || container.tag === undefined) return { problems: [] };
  const facts = imageFacts(container.repository, container.tag);
  if (!facts) return { problems: [] };
  const image = `${container.repository}:${container.tag}`;
  const problems: string[] = [];
  const missing = region === undefined ? undefined : imageRegionProblem(container, region);
  if (missing) problems.push(missing);
  if (instance.accelerator.kind !== AcceleratorKind.GPU || facts.accelerator !== 'gpu') return { problems };
  const gpu = gpuFacts(instance.accelerator.shortName);
  const arch = facts.gpuArchitectures;
  if (gpu && arch && !runsOnComputeCapability(arch, gpu.computeCapability)) {
    problems.push(`${container.name} (${image}) runs on GPUs of compute capability ${arch.minimum} and newer built targets (${arch.targets.join(', ')}), ` +
      `and the ${instance.accelerator.name} of ${instance.instanceType} is ${gpu.computeCapability} (${arch.source}; ${gpu.source}). ` +
      'Choose a newer GPU instance, or another container.');
  }
  const driver = facts.driver;
  if (!driver) return { problems };
  const defaultDriver = defaultRealtimeDriver(instance.instanceType);
  if (defaultDriver && defaultDriver.nvidiaDriverMajor >= driver.minimumDriverMajor) return { problems };
  // The family's default driver is older than the image's CUDA needs, or not documented: pin an AMI that has it.
  const ami = amiForDriver(driver.minimumDriverMajor);
  if (!ami) {
    problems.push(`${container.name} (${image}) needs NVIDIA driver ${driver.minimumDriverMajor}+ for CUDA ${driver.cuda} (${driver.source}), and no ` +
      'SageMaker inference AMI has one. Choose an image built for an older CUDA.');
    return { problems };
  }
  return { problems, inferenceAmiVersion: ami.version };
}
