/** Serving images: URIs per region and registry partition, repository ARNs, custom images, unknown regions. */
import { AcceleratorKind } from '../../lib/sizing';
import { ContainerFamily, DLC_REGIONS, dlcRegistry, ServingContainer, UnknownRegionError } from '../../lib/serving';

const IMAGES = [
  ['LMI_VLLM', ServingContainer.LMI_VLLM, 'djl-inference:0.36.0-lmi28.0.0-cu130'],
  ['LMI_TENSORRT_LLM', ServingContainer.LMI_TENSORRT_LLM, 'djl-inference:0.33.0-tensorrtllm0.21.0-cu128'],
  ['HF_TGI', ServingContainer.HF_TGI, 'huggingface-pytorch-tgi-inference:2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04'],
  ['HF_VLLM', ServingContainer.HF_VLLM, 'huggingface-vllm:0.25.1-transformers5.10.2-gpu-py312-cu130-ubuntu22.04'],
  ['NEURON', ServingContainer.NEURON, 'huggingface-vllm-inference-neuronx:0.11.0-optimum0.4.5-neuronx-py310-sdk2.26.1-ubuntu22.04'],
] as const;

// sizing-facts.md §3: the standard account, an opt-in region's own account, China's .com.cn domain, GovCloud.
const REGISTRIES = [
  ['us-east-1', '763104351884.dkr.ecr.us-east-1.amazonaws.com'],
  ['eu-central-1', '763104351884.dkr.ecr.eu-central-1.amazonaws.com'],
  ['af-south-1', '626614931356.dkr.ecr.af-south-1.amazonaws.com'],
  ['cn-north-1', '727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn'],
  ['us-gov-west-1', '442386744353.dkr.ecr.us-gov-west-1.amazonaws.com'],
] as const;

/** The error `fn` throws, or fails the test. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('ServingContainer.imageUri', () => {
  const cases = IMAGES.flatMap(([name, container, image]) => REGISTRIES.map(([region, registry]) => [name, region, container, `${registry}/${image}`] as const));

  test.each(cases)('%s in %s', (_name, region, container, expected) => {
    // WHEN
    const uri = container.imageUri(region);
    // THEN
    expect(uri).toBe(expected);
  });

  test('fails when the region is unknown, listing every supported region', () => {
    // GIVEN
    const region = 'xx-nowhere-1';
    // WHEN
    const error = thrownBy(() => ServingContainer.LMI_VLLM.imageUri(region));
    // THEN
    expect(error).toBeInstanceOf(UnknownRegionError);
    expect(error).toMatchObject({ name: 'UnknownRegionError', region, supported: DLC_REGIONS });
    expect(error.message).toBe(`No Deep Learning Container registry is known for region "xx-nowhere-1": deploy to one of ${DLC_REGIONS.join(', ')}, ` +
      'or use ServingContainer.custom() with an image URI you host. (An unresolved region token needs an explicit region on the stack.)');
    expect(error.message).toContain('af-south-1, ap-east-1, ap-east-2, ');
  });
});

describe('ServingContainer.repositoryArn', () => {
  test.each([
    ['us-east-1', 'arn:aws:ecr:us-east-1:763104351884:repository/djl-inference'],
    ['me-central-1', 'arn:aws:ecr:me-central-1:914824155844:repository/djl-inference'],
    ['cn-northwest-1', 'arn:aws-cn:ecr:cn-northwest-1:727897471807:repository/djl-inference'],
    ['us-gov-east-1', 'arn:aws-us-gov:ecr:us-gov-east-1:446045086412:repository/djl-inference'],
  ])('LMI in %s', (region, arn) => {
    expect(ServingContainer.LMI_VLLM.repositoryArn(region)).toBe(arn);
  });

  test('names the repository of each image', () => {
    expect(ServingContainer.NEURON.repositoryArn('us-west-2')).toBe('arn:aws:ecr:us-west-2:763104351884:repository/huggingface-vllm-inference-neuronx');
  });

  test('fails when the region is unknown', () => {
    expect(() => ServingContainer.HF_TGI.repositoryArn('mars-1')).toThrow(UnknownRegionError);
  });
});

describe('the built-in containers', () => {
  test('name their family, accelerator and LMI engine', () => {
    expect(IMAGES.map(([, c]) => [c.name, c.family, c.acceleratorKind, c.lmiRollingBatch])).toEqual([
      ['LMI (vLLM)', ContainerFamily.LMI, AcceleratorKind.GPU, 'vllm'],
      ['LMI (TensorRT-LLM)', ContainerFamily.LMI, AcceleratorKind.GPU, 'trtllm'],
      ['Hugging Face TGI', ContainerFamily.TGI, AcceleratorKind.GPU, undefined],
      ['Hugging Face vLLM', ContainerFamily.HF_VLLM, AcceleratorKind.GPU, undefined],
      ['Hugging Face vLLM (Neuron)', ContainerFamily.NEURON, AcceleratorKind.NEURON, undefined],
    ]);
  });
});

describe('ServingContainer.custom', () => {
  const uri = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-vllm:1.0';

  test('returns the image as given in any region, with no DLC repository', () => {
    // GIVEN
    const container = ServingContainer.custom(uri, ContainerFamily.HF_VLLM, AcceleratorKind.GPU);
    // THEN
    expect(container.imageUri('us-east-1')).toBe(uri);
    expect(container.imageUri('somewhere-else-1')).toBe(uri);
    expect(container.repositoryArn('us-east-1')).toBeUndefined();
    expect(container).toMatchObject({ family: ContainerFamily.HF_VLLM, acceleratorKind: AcceleratorKind.GPU, customImageUri: uri, repository: undefined });
  });

  test('an LMI image runs vLLM unless its URI names TensorRT-LLM', () => {
    expect(ServingContainer.custom(uri, ContainerFamily.LMI, AcceleratorKind.GPU).lmiRollingBatch).toBe('vllm');
    expect(ServingContainer.custom('1.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.33.0-tensorrtllm0.21.0-cu128', ContainerFamily.LMI, AcceleratorKind.GPU).lmiRollingBatch).toBe('trtllm');
  });

  test('fails when the image URI is empty', () => {
    expect(() => ServingContainer.custom(' ', ContainerFamily.TGI, AcceleratorKind.GPU)).toThrow(/needs an image URI/);
  });
});

describe('DLC registries', () => {
  test('cover the standard commercial regions, every exception of sizing-facts.md, China and GovCloud, sorted', () => {
    expect(DLC_REGIONS).toEqual([...DLC_REGIONS].sort());
    expect(DLC_REGIONS).toHaveLength(16 + 19 + 2 + 2);
    for (const region of ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2', 'sa-east-1', 'ca-central-1', 'eu-north-1']) {
      expect(dlcRegistry(region)).toEqual({ account: '763104351884', domain: 'amazonaws.com', partition: 'aws' });
    }
  });

  test.each([
    ['ap-east-1', '871362719292'], ['ap-east-2', '975050140332'], ['ap-northeast-3', '364406365360'], ['ap-south-2', '772153158452'],
    ['ap-southeast-3', '907027046896'], ['ap-southeast-4', '457447274322'], ['ap-southeast-5', '550225433462'],
    ['ap-southeast-6', '633930458069'], ['ap-southeast-7', '590183813437'], ['ca-west-1', '204538143572'],
    ['eu-central-2', '380420809688'], ['eu-south-1', '692866216735'], ['eu-south-2', '503227376785'],
    ['il-central-1', '780543022126'], ['me-central-1', '914824155844'], ['me-south-1', '217643126080'],
    ['mx-central-1', '637423239942'], ['af-south-1', '626614931356'], ['me-west-1', '124382933778'],
  ])('%s has its own account %s', (region, account) => {
    expect(dlcRegistry(region)).toEqual({ account, domain: 'amazonaws.com', partition: 'aws' });
  });

  test('China and GovCloud', () => {
    expect(dlcRegistry('cn-northwest-1')).toEqual({ account: '727897471807', domain: 'amazonaws.com.cn', partition: 'aws-cn' });
    expect(dlcRegistry('us-gov-east-1')).toEqual({ account: '446045086412', domain: 'amazonaws.com', partition: 'aws-us-gov' });
    expect(dlcRegistry('eu-nowhere-9')).toBeUndefined();
  });
});
