/** Accelerator capacity and cost from templates: endpoints at minimum and maximum scale, and training runs. */
import { capacityOf, HOURS_PER_MONTH, priceLookup, priceTableProblems, type StackTemplate } from '../../scripts/lib/review';
import { BASE_DIR, environment, HEAD_DIR, load } from './fixtures';

const prices = priceLookup();
const head = environment(load(HEAD_DIR), 'Prod');

// The catalog's third-party prices (lib/sizing/prices.ts), USD per hour.
const G6_XLARGE = 1.127;
const G6_2XLARGE = 1.222;
const G5_2XLARGE = 1.515;
const G4DN_XLARGE = 0.7364;

describe('endpoints', () => {
  const capacity = capacityOf(head.stacks, prices);

  test('an auto-scaled variant counts the scalable target\'s minimum and maximum', () => {
    expect(capacity.endpoints[0]).toEqual({
      stackName: 'Prod-Serving', endpoint: 'prod-endpoint', variant: 'AllTraffic', instanceType: 'ml.g6.2xlarge', scaling: 'auto-scaling',
      minInstances: 2, maxInstances: 4, usdPerHour: G6_2XLARGE, priceSource: expect.stringContaining('third-party'),
      monthlyUsd: { min: G6_2XLARGE * HOURS_PER_MONTH * 2, max: G6_2XLARGE * HOURS_PER_MONTH * 4 },
    });
  });

  test('managed instance scaling counts its minimum and maximum; a target whose ResourceId joins the endpoint name matches', () => {
    expect(capacity.endpoints.slice(1).map((e) => [e.endpoint, e.variant, e.instanceType, e.scaling, e.minInstances, e.maxInstances, e.monthlyUsd])).toEqual([
      ['BatchEndpoint5E6F7A8B', 'Gpu', 'ml.g5.2xlarge', 'managed-instance-scaling', 1, 3, { min: G5_2XLARGE * 730, max: G5_2XLARGE * 730 * 3 }],
      ['BatchEndpoint5E6F7A8B', 'Cpu', 'ml.c7i.large', 'auto-scaling', 1, 2, undefined],
    ]);
  });

  test('the monthly total adds the priced variants; an unpriced type is named and left out', () => {
    expect(capacity.monthlyUsd.min).toBeCloseTo(G6_2XLARGE * 730 * 2 + G5_2XLARGE * 730, 9);
    expect(capacity.monthlyUsd.max).toBeCloseTo(G6_2XLARGE * 730 * 4 + G5_2XLARGE * 730 * 3, 9);
    expect(capacity.unpricedInstanceTypes).toEqual(['ml.c7i.large']);
  });

  test('a variant without a scalable target keeps its initial count, at minimum and at maximum', () => {
    const stack: StackTemplate = {
      artifactId: 'S', stackName: 'S', displayName: 'S', acknowledgements: [], template: { Resources: {
        Config: { Type: 'AWS::SageMaker::EndpointConfig', Properties: { ProductionVariants: [{ InstanceType: 'ml.g5.xlarge', InitialInstanceCount: 3, VariantName: 'V' }, { ServerlessConfig: { MemorySizeInMB: 2048 } }] } },
        Endpoint: { Type: 'AWS::SageMaker::Endpoint', Properties: { EndpointConfigName: { 'Fn::GetAtt': ['Config', 'EndpointConfigName'] } } },
      } },
    };
    const [variant, ...rest] = capacityOf([stack], prices).endpoints;
    expect([variant.scaling, variant.minInstances, variant.maxInstances]).toEqual(['fixed', 3, 3]);
    expect(rest).toEqual([]);
  });

  test('an override prices a type the catalog does not know, and wins over the catalog', () => {
    const overridden = capacityOf(head.stacks, priceLookup({ source: 'prices.json', usdPerHour: { 'ml.c7i.large': 0.1, 'ml.g6.2xlarge': 1 } }));
    expect(overridden.endpoints.map((e) => [e.usdPerHour, e.priceSource])).toEqual([[1, 'prices.json'], [G5_2XLARGE, expect.stringContaining('third-party')], [0.1, 'prices.json']]);
    expect(overridden.unpricedInstanceTypes).toEqual([]);
    expect(overridden.monthlyUsd.max).toBeCloseTo(1 * 730 * 4 + G5_2XLARGE * 730 * 3 + 0.1 * 730 * 2, 9);
  });

  test('fails when a price is not a positive number of USD per hour', () => {
    expect(priceTableProblems({ source: 'f', usdPerHour: { 'ml.a': 0, 'ml.b': -1, 'ml.c': 'x' as unknown as number, 'ml.d': 2 } })).toEqual([
      'price of ml.a is 0: use USD per hour greater than 0.',
      'price of ml.b is -1: use USD per hour greater than 0.',
      'price of ml.c is "x": use USD per hour greater than 0.',
    ]);
  });
});

describe('training', () => {
  test('each Plan-<method> costs at most price x instances x MaxRuntimeInSeconds; every run adds the evaluation job', () => {
    const [training] = capacityOf(head.stacks, prices).training;
    const evaluation = G4DN_XLARGE * 1 * 4;
    expect(training.stateMachine).toBe('Prod/Adaptation/FineTuning/Resource');
    expect(training.backend).toBe('sagemaker');
    expect(training.runJobs).toEqual([{ state: 'Evaluate', instanceType: 'ml.g4dn.xlarge', instanceCount: 1, maxRuntimeHours: 4, spot: false, usdPerHour: G4DN_XLARGE, usdAtMost: evaluation }]);
    expect(training.methods.map((m) => [m.method, m.instanceType, m.instanceCount, m.maxRuntimeHours, m.spot, m.trainingUsdAtMost, m.runUsdAtMost])).toEqual([
      ['lora', 'ml.g6.xlarge', 1, 12, true, G6_XLARGE * 1 * 12, G6_XLARGE * 12 + evaluation],
      ['qlora', 'ml.g4dn.xlarge', 2, 12, true, G4DN_XLARGE * 2 * 12, G4DN_XLARGE * 2 * 12 + evaluation],
    ]);
  });

  test('Bedrock customization is named, priced per token by Bedrock, not estimated', () => {
    const dev = environment(load(BASE_DIR), 'Dev');
    expect(capacityOf(dev.stacks, prices).training).toEqual([{ stackName: 'Dev-Serving', stateMachine: 'Dev/Serving/FineTuning', backend: 'bedrock', methods: [], runJobs: [] }]);
  });

  test('services billed by use are named', () => {
    expect(capacityOf(head.stacks, prices).usagePriced).toEqual(['CloudWatch Logs', 'KMS', 'Lambda', 'S3', 'SNS', 'Step Functions']);
  });
});
