/** Inference AMIs: the enum, driver/CUDA per AMI, SageMaker's default drivers, and picking an AMI for an image. */
import { ProductionVariantInferenceAmiVersion } from '@aws-sdk/client-sagemaker';
import {
  DEFAULT_REALTIME_DRIVERS, IMAGE_FACTS, INFERENCE_AMIS, READ_DATE, amiForDriver, cudaDriverRequirement, defaultRealtimeDriver,
  inferenceAmi, instanceFamily, realtimeDriverMajor,
} from '../../lib/compatibility';
import { AcceleratorKind, InstanceCatalog } from '../../lib/sizing';

describe('InferenceAmiVersion table', () => {
  test('covers exactly the values of the SDK enum (@aws-sdk/client-sagemaker)', () => {
    expect(INFERENCE_AMIS.map((a) => a.version).sort()).toEqual(Object.values(ProductionVariantInferenceAmiVersion).sort());
  });

  test('every row is sourced; GPU rows have a driver and CUDA, the Neuron row a Neuron driver', () => {
    for (const ami of [...INFERENCE_AMIS, ...DEFAULT_REALTIME_DRIVERS]) {
      expect(ami.source).toMatch(/\S{10,}/);
      expect(ami.read).toBe(READ_DATE);
    }
    for (const ami of INFERENCE_AMIS) {
      if (ami.accelerator === 'gpu') {
        expect(ami.nvidiaDriverMajor).toBeGreaterThan(400);
        // The AMI's CUDA is what its driver branch supports (NVIDIA toolkit driver table).
        expect(cudaDriverRequirement(ami.cuda!)?.toolkitDriverMajor).toBe(ami.nvidiaDriverMajor);
      } else {
        expect(ami.neuronDriver).toBe('2.19');
      }
    }
  });

  test('documented drivers', () => {
    expect(INFERENCE_AMIS.map((a) => [a.version, a.nvidiaDriverMajor ?? a.neuronDriver, a.cuda, a.cudaCompatMountingDisabled])).toEqual([
      ['al2-ami-sagemaker-inference-gpu-2', 535, '12.2', false],
      ['al2-ami-sagemaker-inference-gpu-2-1', 535, '12.2', true],
      ['al2-ami-sagemaker-inference-gpu-3-1', 550, '12.4', true],
      ['al2023-ami-sagemaker-inference-gpu-4-1', 580, '13.0', true],
      ['al2-ami-sagemaker-inference-neuron-2', '2.19', undefined, false],
    ]);
    expect(inferenceAmi('al2-ami-sagemaker-inference-gpu-9')).toBeUndefined();
  });
});

describe('default real-time drivers', () => {
  test.each([
    ['ml.g4dn.xlarge', 470], ['ml.g5.2xlarge', 470], ['ml.p4d.24xlarge', 470], ['ml.p4de.24xlarge', 470],
    ['ml.g6.xlarge', 535], ['ml.p5.48xlarge', 535], ['ml.p5e.48xlarge', 550], ['ml.p5en.48xlarge', 550],
  ])('%s defaults to %d', (instanceType, driver) => {
    expect(defaultRealtimeDriver(instanceType)?.nvidiaDriverMajor).toBe(driver);
    expect(realtimeDriverMajor(instanceType)).toBe(driver);
  });

  test('ml.g6e is not documented', () => {
    expect(defaultRealtimeDriver('ml.g6e.xlarge')).toBeUndefined();
  });

  test('every GPU family of the kit catalog has a default, except the undocumented ml.g6e', () => {
    const families = new Set(InstanceCatalog.DEFAULT.all().filter((s) => s.accelerator.kind === AcceleratorKind.GPU).map((s) => instanceFamily(s.instanceType)));
    const missing = [...families].filter((f) => defaultRealtimeDriver(`${f}.xlarge`) === undefined);
    expect(missing).toEqual(['ml.g6e']);
  });

  test('an AMI overrides the default', () => {
    expect(realtimeDriverMajor('ml.g5.2xlarge', 'al2023-ami-sagemaker-inference-gpu-4-1')).toBe(580);
    expect(realtimeDriverMajor('ml.g5.2xlarge', 'unknown-ami')).toBeUndefined();
    expect(instanceFamily('ml.g5.2xlarge')).toBe('ml.g5');
  });
});

describe('amiForDriver', () => {
  test.each([
    [470, 'al2-ami-sagemaker-inference-gpu-2-1'],
    [535, 'al2-ami-sagemaker-inference-gpu-2-1'],
    [550, 'al2-ami-sagemaker-inference-gpu-3-1'],
    [570, 'al2023-ami-sagemaker-inference-gpu-4-1'],
    [580, 'al2023-ami-sagemaker-inference-gpu-4-1'],
  ])('at least %d -> %s', (driver, ami) => {
    expect(amiForDriver(driver)?.version).toBe(ami);
  });

  test('nothing newer than 580 is documented', () => {
    expect(amiForDriver(590)).toBeUndefined();
  });

  test('each GPU image has an AMI that meets its driver, and no default driver meets a CUDA 13 image', () => {
    for (const image of IMAGE_FACTS.filter((i) => i.driver)) {
      expect(amiForDriver(image.driver!.minimumDriverMajor)!.nvidiaDriverMajor).toBeGreaterThanOrEqual(image.driver!.minimumDriverMajor);
    }
    const cuda13 = IMAGE_FACTS.filter((i) => i.driver?.cuda === '13.0');
    for (const d of DEFAULT_REALTIME_DRIVERS) for (const i of cuda13) expect(d.nvidiaDriverMajor).toBeLessThan(i.driver!.minimumDriverMajor);
  });
});
