/** The instance catalog: the figures of sizing-facts.md, the open InstanceType set, and price overrides. */
import {
  AcceleratorKind, acceleratorMemoryBytes, BYTES_PER_MIB, DEFAULT_PRICES, InstanceCatalog, InstanceType, shardUnits, SizingInputError,
} from '../../lib/sizing';

const spec = (type: string) => InstanceCatalog.DEFAULT.get(type);

describe('InstanceCatalog.DEFAULT', () => {
  test('holds every accelerator instance of sizing-facts.md', () => {
    const types = InstanceCatalog.DEFAULT.types();
    expect(types).toHaveLength(6 + 8 + 8 + 8 + 3 + 2 + 4 + 2);
    for (const family of ['g4dn', 'g5', 'g6', 'g6e', 'p4d', 'p4de', 'p5', 'p5e', 'p5en', 'inf2', 'trn1']) {
      expect(types.some((t) => t.startsWith(`ml.${family}.`))).toBe(true);
    }
  });

  test.each([
    ['ml.g4dn.xlarge', 1, 15360, 4, 16],
    ['ml.g4dn.12xlarge', 4, 15360, 48, 192],
    ['ml.g5.2xlarge', 1, 23028, 8, 32],
    ['ml.g5.48xlarge', 8, 23028, 192, 768],
    ['ml.g6.xlarge', 1, 23034, 4, 16],
    ['ml.g6e.2xlarge', 1, 46068, 8, 64],
    ['ml.g6e.48xlarge', 8, 46068, 192, 1536],
    ['ml.p4d.24xlarge', 8, 40960, 96, 1152],
    ['ml.p4de.24xlarge', 8, 81920, 96, 1152],
    ['ml.p5.48xlarge', 8, 81559, 192, 2048],
    ['ml.inf2.48xlarge', 12, 32768, 192, 768],
    ['ml.trn1.32xlarge', 16, 32768, 128, 512],
  ])('%s: %dx %d MiB that CUDA sees, %d vCPU, %d GiB host', (type, count, mib, vcpus, host) => {
    expect(spec(type)).toMatchObject({ acceleratorCount: count, vcpus, hostMemoryGiB: host, accelerator: { memoryPerDeviceMiB: mib } });
  });

  test('sizing uses the memory CUDA reports (nvidia-smi), not the EC2 API figure kept beside it', () => {
    expect(spec('ml.g5.2xlarge').accelerator).toMatchObject({ memoryPerDeviceMiB: 23028, apiMemoryPerDeviceMiB: 24576 });
    expect(spec('ml.g4dn.xlarge').accelerator).toMatchObject({ memoryPerDeviceMiB: 15360, apiMemoryPerDeviceMiB: 16384 });
    // H200: CUDA reports 143771 MiB; no EC2 API value was found, so 141 GB nominal = 141e9 / 2^20 = 134,468 MiB.
    expect(spec('ml.p5e.48xlarge').accelerator).toMatchObject({ memoryPerDeviceMiB: 143_771, apiMemoryPerDeviceMiB: Math.floor(141e9 / 1_048_576) });
    expect(spec('ml.p5en.48xlarge').accelerator.apiMemoryPerDeviceMiB).toBe(134_468);
  });

  test('FP8 on Ada and Hopper only', () => {
    const fp8 = (type: string) => spec(type).accelerator.supportsFp8;
    expect([fp8('ml.g6.xlarge'), fp8('ml.g6e.xlarge'), fp8('ml.p5.48xlarge'), fp8('ml.p5e.48xlarge')]).toEqual([true, true, true, true]);
    expect([fp8('ml.g4dn.xlarge'), fp8('ml.g5.xlarge'), fp8('ml.p4d.24xlarge'), fp8('ml.inf2.xlarge'), fp8('ml.trn1.2xlarge')]).toEqual([false, false, false, false, false]);
  });

  test('Neuron instances are flagged and shard over NeuronCores: inf2.48xlarge = 12 chips x 2 = 24 cores of 16 GiB', () => {
    const inf2 = spec('ml.inf2.48xlarge');
    expect(inf2.accelerator.kind).toBe(AcceleratorKind.NEURON);
    expect(shardUnits(inf2)).toMatchObject({ count: 24, memoryBytesEach: 16 * 2 ** 30, label: 'NeuronCore' });
    expect(acceleratorMemoryBytes(inf2)).toBe(12 * 32768 * BYTES_PER_MIB);
    expect(spec('ml.g5.12xlarge').accelerator.kind).toBe(AcceleratorKind.GPU);
  });

  test('every default price carries its source', () => {
    for (const s of InstanceCatalog.DEFAULT.all().filter((i) => i.usdPerHour !== undefined)) {
      expect(s.priceSource).toBe(DEFAULT_PRICES.source);
    }
    expect(spec('ml.g5.2xlarge').usdPerHour).toBe(1.515);
    expect(spec('ml.p5e.48xlarge').usdPerHour).toBeUndefined();
  });
});

describe('prices are overridable', () => {
  test('withPrices replaces the named prices and keeps the rest, ignoring types it does not know', () => {
    // GIVEN a regional table that also lists a CPU type the catalog does not hold
    const table = { source: 'AWS Price List API, eu-west-1, 2026-09-01', usdPerHour: { 'ml.g5.2xlarge': 1.69, 'ml.p5e.48xlarge': 80, 'ml.m5.large': 0.1 } };
    // WHEN
    const catalog = InstanceCatalog.DEFAULT.withPrices(table);
    // THEN
    expect(catalog.get('ml.g5.2xlarge')).toMatchObject({ usdPerHour: 1.69, priceSource: table.source });
    expect(catalog.get('ml.p5e.48xlarge').usdPerHour).toBe(80);
    expect(catalog.get('ml.g5.xlarge').usdPerHour).toBe(1.4084);
    expect(catalog.lookup('ml.m5.large')).toBeUndefined();
    expect(InstanceCatalog.DEFAULT.get('ml.g5.2xlarge').usdPerHour).toBe(1.515);
  });

  test('fails when a price is not a positive number, naming every one', () => {
    expect(() => InstanceCatalog.DEFAULT.withPrices({ source: 'x', usdPerHour: { 'ml.g5.xlarge': -1, 'ml.g5.2xlarge': 0 } }))
      .toThrow(/price of ml.g5.xlarge is -1: use USD per hour greater than 0.\n.*price of ml.g5.2xlarge is 0/);
  });

  test('withInstances adds a type described by hand', () => {
    const g5 = spec('ml.g5.2xlarge');
    const catalog = InstanceCatalog.DEFAULT.withInstances({ ...g5, instanceType: 'ml.g5.custom' });
    expect(catalog.get('ml.g5.custom').accelerator).toBe(g5.accelerator);
  });
});

describe('InstanceType', () => {
  test('constants and of() name instance types', () => {
    expect(InstanceType.G5_2XLARGE.toString()).toBe('ml.g5.2xlarge');
    expect(InstanceType.of('ml.g7.2xlarge').name).toBe('ml.g7.2xlarge');
    expect(InstanceCatalog.DEFAULT.lookup(InstanceType.P5EN_48XLARGE.name)?.instanceType).toBe('ml.p5en.48xlarge');
  });

  test('fails when get() is given an unknown type, listing the known ones', () => {
    expect(() => InstanceCatalog.DEFAULT.get('ml.g5.3xlarge')).toThrow(SizingInputError);
    expect(() => InstanceCatalog.DEFAULT.get('ml.g5.3xlarge')).toThrow(/instanceType is "ml.g5.3xlarge", which is not in the instance catalog: use one of ml.g4dn.xlarge/);
  });
});
