/**
 * Where the AWS Deep Learning Container (DLC) images live: the ECR registry account, DNS domain and partition
 * of each region the kit resolves images for. Hard-coded on purpose: this module stays free of aws-cdk-lib
 * (whose region facts miss the DLC account for some regions, aws-cdk issue #29024).
 */

export interface DlcRegistry {
  /** The AWS account that owns the DLC repositories in the region. */
  readonly account: string;
  /** DNS suffix of the registry: `amazonaws.com`, or `amazonaws.com.cn` in China. */
  readonly domain: string;
  readonly partition: 'aws' | 'aws-cn' | 'aws-us-gov';
}

/** The account of the DLC registry in the standard commercial regions (sizing-facts.md §3). */
const STANDARD_ACCOUNT = '763104351884';

/**
 * The standard commercial regions, which all share that account. Source: aws/deep-learning-containers
 * docs/reference/region_availability.md (read 2026-08, commit 18d714e) and sizing-facts.md §3.
 */
const STANDARD_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1',
  'eu-central-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-north-1',
  'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2',
] as const;

/**
 * Opt-in commercial regions (and GovCloud) with their own DLC account. Source: sizing-facts.md §3, from
 * aws/deep-learning-containers docs/reference/region_availability.md (2026-08) and sagemaker-python-sdk
 * image_uri_config/*.json (GovCloud). me-west-1 is only in the newer region_availability.md (commit 18d714e,
 * read 2026-08), not yet in sizing-facts.md.
 */
const OWN_ACCOUNT_REGIONS: Readonly<Record<string, string>> = {
  'af-south-1': '626614931356',
  'ap-east-1': '871362719292',
  'ap-east-2': '975050140332',
  'ap-northeast-3': '364406365360',
  'ap-south-2': '772153158452',
  'ap-southeast-3': '907027046896',
  'ap-southeast-4': '457447274322',
  'ap-southeast-5': '550225433462',
  'ap-southeast-6': '633930458069',
  'ap-southeast-7': '590183813437',
  'ca-west-1': '204538143572',
  'eu-central-2': '380420809688',
  'eu-south-1': '692866216735',
  'eu-south-2': '503227376785',
  'il-central-1': '780543022126',
  'me-central-1': '914824155844',
  'me-south-1': '217643126080',
  'me-west-1': '124382933778',
  'mx-central-1': '637423239942',
};

const REGISTRIES: ReadonlyMap<string, DlcRegistry> = new Map<string, DlcRegistry>([
  ...STANDARD_REGIONS.map((r) => [r, commercial(STANDARD_ACCOUNT)] as const),
  ...Object.entries(OWN_ACCOUNT_REGIONS).map(([r, account]) => [r, commercial(account)] as const),
  // China: one account for both regions, behind the .com.cn domain (sizing-facts.md §3).
  ['cn-north-1', { account: '727897471807', domain: 'amazonaws.com.cn', partition: 'aws-cn' }],
  ['cn-northwest-1', { account: '727897471807', domain: 'amazonaws.com.cn', partition: 'aws-cn' }],
  // GovCloud (sizing-facts.md §3, from sagemaker-python-sdk image_uri_config).
  ['us-gov-east-1', { account: '446045086412', domain: 'amazonaws.com', partition: 'aws-us-gov' }],
  ['us-gov-west-1', { account: '442386744353', domain: 'amazonaws.com', partition: 'aws-us-gov' }],
]);

function commercial(account: string): DlcRegistry {
  return { account, domain: 'amazonaws.com', partition: 'aws' };
}

/** Every region the kit resolves DLC images for, sorted. */
export const DLC_REGIONS: readonly string[] = Object.freeze([...REGISTRIES.keys()].sort());

/** The DLC registry of a region; undefined for a region the kit does not know. */
export function dlcRegistry(region: string): DlcRegistry | undefined {
  return REGISTRIES.get(region);
}

/**
 * Thrown for a region the kit has no DLC registry for; the message lists every supported region.
 *
 * TypeScript and JavaScript only. An Error subclass cannot cross to other languages: there the same message arrives as the
 * runtime's error (for example `RuntimeError` in Python).
 *
 * @jsii ignore
 */
export class UnknownRegionError extends Error {
  public readonly region: string;
  public readonly supported: readonly string[];

  public constructor(region: string, supported: readonly string[] = DLC_REGIONS) {
    super(`No Deep Learning Container registry is known for region ${JSON.stringify(region)}: deploy to one of ` +
      `${supported.join(', ')}, or use ServingContainer.custom() with an image URI you host. ` +
      '(An unresolved region token needs an explicit region on the stack.)');
    this.name = 'UnknownRegionError';
    this.region = region;
    this.supported = supported;
  }
}
