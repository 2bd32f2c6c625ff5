/** Endpoint-config facts: startup timeouts by weight size, and which instance families have local NVMe storage. */
import { InstanceCatalog } from '../../lib/sizing';
import { hasLocalNvmeStorage, startupTimeouts } from '../../lib/serving';

describe('startupTimeouts', () => {
  test('follows the documented formula: 600 + 30 s/GiB to start, 600 + 10 s/GiB to download, capped at 3600', () => {
    expect(startupTimeouts(0)).toEqual({ containerStartupHealthCheckTimeoutInSeconds: 600, modelDataDownloadTimeoutInSeconds: 600 });
    expect(startupTimeouts(15)).toEqual({ containerStartupHealthCheckTimeoutInSeconds: 1050, modelDataDownloadTimeoutInSeconds: 750 });
    expect(startupTimeouts(131.4)).toEqual({ containerStartupHealthCheckTimeoutInSeconds: 3600, modelDataDownloadTimeoutInSeconds: 1914 });
    expect(startupTimeouts(5000)).toEqual({ containerStartupHealthCheckTimeoutInSeconds: 3600, modelDataDownloadTimeoutInSeconds: 3600 });
  });

  test('is monotone, at least 600 s and at most 3600 s (SageMaker\'s maximum), in whole seconds', () => {
    // GIVEN weights from 0 to 1000 GiB
    const sizes = Array.from({ length: 2001 }, (_, i) => i / 2);
    // WHEN
    const timeouts = sizes.map((size) => startupTimeouts(size));
    // THEN
    timeouts.forEach((t, i) => {
      for (const seconds of [t.containerStartupHealthCheckTimeoutInSeconds, t.modelDataDownloadTimeoutInSeconds]) {
        expect(Number.isInteger(seconds) && seconds >= 600 && seconds <= 3600).toBe(true);
      }
      if (i > 0) {
        expect(t.containerStartupHealthCheckTimeoutInSeconds).toBeGreaterThanOrEqual(timeouts[i - 1].containerStartupHealthCheckTimeoutInSeconds);
        expect(t.modelDataDownloadTimeoutInSeconds).toBeGreaterThanOrEqual(timeouts[i - 1].modelDataDownloadTimeoutInSeconds);
      }
    });
    expect(startupTimeouts(20).containerStartupHealthCheckTimeoutInSeconds).toBeGreaterThan(startupTimeouts(10).containerStartupHealthCheckTimeoutInSeconds);
  });

  test.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('fails when weightsGiB is %s', (weightsGiB) => {
    expect(() => startupTimeouts(weightsGiB)).toThrow(/weightsGiB is .*: use the size of the weights in GiB/);
  });
});

describe('hasLocalNvmeStorage', () => {
  // EC2 instance store: every GPU family of the catalog and trn1 have NVMe volumes; inf2 is EBS-only.
  const expected: Record<string, boolean> = {
    g4dn: true, g5: true, g6: true, g6e: true, p4d: true, p4de: true, p5: true, p5e: true, p5en: true, trn1: true, inf2: false,
  };

  test('knows every family of the sizing catalog', () => {
    const families = new Set(InstanceCatalog.DEFAULT.types().map((t) => t.split('.')[1]));
    expect([...families].sort()).toEqual(Object.keys(expected).sort());
  });

  test.each(InstanceCatalog.DEFAULT.types())('%s', (type) => {
    expect(hasLocalNvmeStorage(type)).toBe(expected[type.split('.')[1]]);
  });

  test.each([
    ['ml.m5d.xlarge', true], ['ml.c5d.2xlarge', true], ['ml.r5d.4xlarge', true], ['ml.m6id.large', true], ['ml.c6gd.xlarge', true],
    ['ml.p3dn.24xlarge', true], ['ml.trn1n.32xlarge', true],
    ['ml.m5.xlarge', false], ['ml.c5.xlarge', false], ['ml.p3.2xlarge', false], ['ml.inf1.xlarge', false], ['ml.g5g.xlarge', false],
    ['not-an-instance', false], ['', false],
  ])('%s: %s', (type, nvme) => {
    expect(hasLocalNvmeStorage(type)).toBe(nvme);
  });
});
