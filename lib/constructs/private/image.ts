// The serving image of a container in the stack's region: resolved at synth for a known region, and
// through a CloudFormation mapping of the Deep Learning Containers registries for an environment-agnostic
// stack (region unknown until deploy).
import { Aws, CfnMapping, Fn, Stack, Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DLC_REGIONS, dlcRegistry, type ServingContainer, UnknownRegionError } from '../../serving';

export interface ResolvedImage {
  readonly imageUri: string;
  /** ECR repository ARN (for the pull permission); undefined for a custom image. */
  readonly repositoryArn?: string;
}

export function resolveImage(scope: Construct, container: ServingContainer): ResolvedImage {
  const region = Stack.of(scope).region;
  if (container.customImageUri !== undefined) return { imageUri: container.customImageUri };
  if (!Token.isUnresolved(region)) return { imageUri: container.imageUri(region), repositoryArn: container.repositoryArn(region) };
  return resolveDlcImage(scope, container.repository!, container.tag!);
}

/**
 * Any Deep Learning Containers image (e.g. the Hugging Face training image) by repository and tag; throws
 * UnknownRegionError for an explicit region without a registry.
 */
export function resolveDlcImage(scope: Construct, repository: string, tag: string): Required<ResolvedImage> {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) {
    const registry = dlcRegistry(stack.region);
    if (!registry) throw new UnknownRegionError(stack.region);
    return {
      imageUri: `${registry.account}.dkr.ecr.${stack.region}.${registry.domain}/${repository}:${tag}`,
      repositoryArn: `arn:${registry.partition}:ecr:${stack.region}:${registry.account}:repository/${repository}`,
    };
  }
  const mapping = registryMapping(stack);
  const account = mapping.findInMap(Aws.REGION, 'account');
  const domain = mapping.findInMap(Aws.REGION, 'domain');
  return {
    imageUri: Fn.join('', [account, '.dkr.ecr.', Aws.REGION, '.', domain, `/${repository}:${tag}`]),
    repositoryArn: Fn.join('', ['arn:', Aws.PARTITION, ':ecr:', Aws.REGION, ':', account, `:repository/${repository}`]),
  };
}

function registryMapping(stack: Stack): CfnMapping {
  const id = 'DlcRegistries';
  const existing = stack.node.tryFindChild(id) as CfnMapping | undefined;
  if (existing) return existing;
  const mapping: Record<string, Record<string, string>> = {};
  for (const region of DLC_REGIONS) {
    const registry = dlcRegistry(region)!;
    mapping[region] = { account: registry.account, domain: registry.domain };
  }
  return new CfnMapping(stack, id, { mapping });
}
