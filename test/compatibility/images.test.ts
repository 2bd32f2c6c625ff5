/** Image facts: every row sourced, regions from the vendored SDK files, the three region facts, drivers, GPU support. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CUDA_DRIVER_REQUIREMENTS, IMAGE_FACTS, READ_DATE, REGION_ID_PATTERN, SDK_SOURCE, type SourceRef, UnknownImageError,
  cudaDriverRequirement, imageAvailableIn, imageFacts, imageRegions, registryAccount, runsOnComputeCapability, sdkRegistries,
} from '../../lib/compatibility';
import { DLC_REGIONS, dlcRegistry, ServingContainer } from '../../lib/serving';

const DATA = path.join(__dirname, '..', '..', 'lib', 'compatibility', 'data', 'sagemaker-python-sdk');
const TRAINING = ['huggingface-pytorch-training', '2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04'] as const;

function expectSourced(ref: SourceRef): void {
  expect(ref.source.trim().length).toBeGreaterThan(10);
  expect(ref.read).toBe(READ_DATE);
  if (ref.unconfirmed !== undefined) expect(ref.unconfirmed.trim()).not.toBe('');
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(DATA, file), 'utf8'));
}

describe('image rows', () => {
  test.each(IMAGE_FACTS.map((i) => [`${i.repository}:${i.tag}`, i] as const))('%s is sourced throughout', (_name, facts) => {
    expectSourced(facts);
    expectSourced(facts.registry);
    if (facts.driver) expectSourced(facts.driver);
    if (facts.gpuArchitectures) expectSourced(facts.gpuArchitectures);
    if (facts.neuron) expectSourced(facts.neuron);
    expect(facts.accelerator === 'gpu' ? facts.driver && facts.gpuArchitectures : facts.neuron).toBeDefined();
  });

  test('every image the kit serves, and its training image, has facts', () => {
    const containers = [ServingContainer.LMI_VLLM, ServingContainer.LMI_TENSORRT_LLM, ServingContainer.HF_TGI, ServingContainer.HF_VLLM, ServingContainer.NEURON];
    for (const c of containers) expect(imageFacts(c.repository!, c.tag!)).toBeDefined();
    expect(imageFacts(...TRAINING)).toBeDefined();
    expect(IMAGE_FACTS).toHaveLength(6);
  });

  test('an unknown image has no facts and no regions', () => {
    expect(imageFacts('djl-inference', '0.1.0')).toBeUndefined();
    expect(() => imageRegions('djl-inference', '0.1.0')).toThrow(UnknownImageError);
  });

  test.each(CUDA_DRIVER_REQUIREMENTS.map((r) => [r.cuda, r] as const))('CUDA %s driver row is sourced', (_cuda, row) => {
    expectSourced(row);
    expect(row.toolkitDriver.startsWith(`${row.toolkitDriverMajor}.`)).toBe(true);
  });
});

describe('regions from the vendored SDK files', () => {
  test.each(IMAGE_FACTS.map((i) => [`${i.repository}:${i.tag}`, i] as const))('%s: valid, sorted region ids and 12-digit accounts', (_name, facts) => {
    const regions = imageRegions(facts.repository, facts.tag);
    expect(regions.length).toBeGreaterThan(0);
    expect([...regions].sort()).toEqual(regions);
    for (const region of regions) expect(region).toMatch(REGION_ID_PATTERN);
    for (const account of Object.values(sdkRegistries(facts.registry.sdkFile, facts.registry.path))) expect(account).toMatch(/^\d{12}$/);
  });

  test('region counts per image', () => {
    const counts = Object.fromEntries(IMAGE_FACTS.map((i) => [i.repository + (i.tag.includes('tensorrtllm') ? ' (trt)' : ''), imageRegions(i.repository, i.tag).length]));
    expect(counts).toEqual({
      'djl-inference': 44, 'djl-inference (trt)': 36, 'huggingface-pytorch-tgi-inference': 42, 'huggingface-vllm': 42,
      'huggingface-vllm-inference-neuronx': 11, 'huggingface-pytorch-training': 31,
    });
  });

  test('me-west-1 is in no SDK registry: not for any image, not in the union of all 72 files', () => {
    for (const i of IMAGE_FACTS) expect(imageRegions(i.repository, i.tag)).not.toContain('me-west-1');
    const union = readJson('region-union.json') as { commit: string; fileCount: number; regions: string[] };
    expect(union.commit).toBe(SDK_SOURCE.commit);
    expect(union.fileCount).toBe(72);
    expect(union.regions).not.toContain('me-west-1');
    for (const i of IMAGE_FACTS) for (const r of imageRegions(i.repository, i.tag)) expect(union.regions).toContain(r);
    // The kit's own registry table does know me-west-1 (from the DLC docs), so a stack there resolves a URI the SDK never lists.
    expect(DLC_REGIONS).toContain('me-west-1');
  });

  test('huggingface-vllm-neuronx.json lists 11 regions', () => {
    expect(imageRegions('huggingface-vllm-inference-neuronx', '0.11.0-optimum0.4.5-neuronx-py310-sdk2.26.1-ubuntu22.04')).toEqual([
      'ap-northeast-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'eu-central-1', 'eu-west-1', 'eu-west-3',
      'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-2',
    ]);
  });

  test('djl-tensorrtllm.json 0.33.0 has no ap-east-2 or ap-southeast-6 (the LMI vLLM image has both)', () => {
    const trt = ['djl-inference', '0.33.0-tensorrtllm0.21.0-cu128'] as const;
    expect(imageAvailableIn(...trt, 'ap-east-2')).toBe(false);
    expect(imageAvailableIn(...trt, 'ap-southeast-6')).toBe(false);
    expect(imageAvailableIn('djl-inference', '0.36.0-lmi28.0.0-cu130', 'ap-east-2')).toBe(true);
    expect(imageAvailableIn('djl-inference', '0.36.0-lmi28.0.0-cu130', 'ap-southeast-6')).toBe(true);
  });

  test('each row names the SDK entry it maps to, and whether that entry is the exact tag', () => {
    for (const i of IMAGE_FACTS) {
      const entry = i.registry.path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], readJson(i.registry.sdkFile)) as { tag_prefix?: string };
      const prefix = entry.tag_prefix ?? i.registry.path[i.registry.path.length - 1].replace('pytorch', '');
      expect(i.registry.sdkTag.startsWith(prefix)).toBe(true);
      expect(i.registry.exactTag).toBe(i.registry.sdkTag === i.tag);
      if (!i.registry.exactTag) expect(i.registry.unconfirmed).toMatch(/stand/);
    }
  });

  test('registryAccount: standard, opt-in and unknown regions; agrees with lib/serving where both know the region', () => {
    expect(registryAccount('djl-inference', 'us-east-1')).toBe('763104351884');
    expect(registryAccount('djl-inference', 'af-south-1')).toBe('626614931356');
    expect(registryAccount('djl-inference', 'cn-north-1')).toBe('727897471807');
    expect(registryAccount('djl-inference', 'me-west-1')).toBeUndefined();
    expect(registryAccount('no-such-repository', 'us-east-1')).toBeUndefined();
    for (const i of IMAGE_FACTS) {
      for (const [region, account] of Object.entries(sdkRegistries(i.registry.sdkFile, i.registry.path))) {
        const kit = dlcRegistry(region);
        if (kit !== undefined) expect(`${region} ${account}`).toBe(`${region} ${kit.account}`);
        expect(registryAccount(i.repository, region)).toBe(account);
      }
    }
  });
});

describe('drivers and GPU architectures', () => {
  test('CUDA release -> toolkit driver (NVIDIA release notes)', () => {
    expect(cudaDriverRequirement('cu130')).toMatchObject({ cuda: '13.0', toolkitDriverMajor: 580, toolkitDriver: '580.65.06', minorVersionCompatibleDriverMajor: 580, minimumComputeCapability: 7.5 });
    expect(cudaDriverRequirement('12.8')).toMatchObject({ toolkitDriverMajor: 570, minorVersionCompatibleDriverMajor: 525 });
    expect(cudaDriverRequirement('cu124')).toMatchObject({ toolkitDriverMajor: 550, toolkitDriver: '550.54.14' });
    expect(cudaDriverRequirement('cu999')).toBeUndefined();
  });

  test('minimum driver per image', () => {
    const drivers = IMAGE_FACTS.map((i) => [i.tag, i.driver?.cuda, i.driver?.minimumDriverMajor, i.driver?.forwardCompatibility]);
    expect(drivers).toEqual([
      ['0.36.0-lmi28.0.0-cu130', '13.0', 580, 'bundled'],
      ['0.33.0-tensorrtllm0.21.0-cu128', '12.8', 570, 'bundled'],
      ['2.7.0-tgi3.3.6-gpu-py311-cu124-ubuntu22.04', '12.4', 550, 'unknown'],
      ['0.25.1-transformers5.10.2-gpu-py312-cu130-ubuntu22.04', '13.0', 580, 'bundled'],
      ['0.11.0-optimum0.4.5-neuronx-py310-sdk2.26.1-ubuntu22.04', undefined, undefined, undefined],
      ['2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04', '13.0', 580, 'bundled'],
    ]);
  });

  test('which compute capabilities each GPU image runs on (T4 7.5, A10G 8.6, L4 8.9, A100 8.0, H100 9.0, Volta 7.0)', () => {
    const ccs = [7.0, 7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 12.0];
    const matrix = Object.fromEntries(IMAGE_FACTS.filter((i) => i.gpuArchitectures).map((i) => [
      i.engine.split(' (')[0], ccs.filter((cc) => runsOnComputeCapability(i.gpuArchitectures!, cc)),
    ]));
    expect(matrix).toEqual({
      'vLLM 0.26.0': [7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 12.0],
      'TensorRT-LLM 0.21.0': [8.0, 8.6, 8.9, 9.0, 10.0],
      'Text Generation Inference 3.3.6': [7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 12.0],
      'vLLM 0.25.1': [7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 12.0],
      'PyTorch 2.9.0': [7.5, 8.0, 8.6, 8.9, 9.0, 10.0, 12.0],
    });
  });

  test('CUDA 13 images carry the DLC note on SageMaker host AMIs', () => {
    for (const i of IMAGE_FACTS.filter((f) => f.driver)) {
      expect(i.driver!.notes !== undefined).toBe(i.driver!.cuda === '13.0');
    }
  });

  test('no CUDA 13 image targets below the CUDA 13 floor (Turing 7.5 stays, Volta 7.0 is gone)', () => {
    for (const i of IMAGE_FACTS.filter((f) => f.driver?.cuda === '13.0')) {
      expect(i.gpuArchitectures!.minimum).toBe(7.5);
      expect(Math.min(...i.gpuArchitectures!.targets)).toBeGreaterThanOrEqual(cudaDriverRequirement('13.0')!.minimumComputeCapability);
    }
  });
});
