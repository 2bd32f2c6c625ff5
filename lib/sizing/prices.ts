/**
 * Default on-demand prices (USD per hour, SageMaker real-time hosting). ⚠ All third-party: aws-samples/
 * foundation-model-benchmarking-tool fmbench/configs/pricing.yml (changed 2025-01-26, region not stated) and a
 * us-east-1 price table read 2026-08/09. Prices change and differ by region: pass your own with
 * `InstanceCatalog.withPrices` (the authoritative source is the AWS Price List API offer `AmazonSageMaker`).
 * Training uses the same table: hosting and training prices of one type are close but not equal.
 */

/** Prices for some instance types, with where they came from. */
export interface PriceTable {
  /** Where and when the prices were read, e.g. `AWS Price List API, eu-west-1, 2026-09-01`. */
  readonly source: string;
  /** USD per hour by SageMaker instance type; types absent from the catalog are ignored. */
  readonly usdPerHour: Readonly<Record<string, number>>;
}

export const DEFAULT_PRICES: PriceTable = {
  source: '⚠ third-party on-demand hosting prices: fmbench pricing.yml (2025-01-26, region not stated) and a us-east-1 table (2026-08)',
  usdPerHour: {
    'ml.g4dn.xlarge': 0.7364,
    'ml.g4dn.12xlarge': 4.89,
    'ml.g5.xlarge': 1.4084,
    'ml.g5.2xlarge': 1.515,
    'ml.g5.4xlarge': 2.03,
    'ml.g5.12xlarge': 7.09,
    'ml.g5.24xlarge': 10.18,
    'ml.g5.48xlarge': 20.36,
    'ml.g6.xlarge': 1.127,
    'ml.g6.2xlarge': 1.222,
    'ml.g6.12xlarge': 5.752,
    'ml.g6.48xlarge': 16.688,
    'ml.g6e.xlarge': 2.61,
    'ml.g6e.2xlarge': 2.8,
    'ml.g6e.12xlarge': 13.12,
    'ml.g6e.48xlarge': 37.66,
    // ⚠ Another source says 37.688.
    'ml.p4d.24xlarge': 25.2513,
    'ml.p4de.24xlarge': 31.5641,
    // ⚠ Another source says 113.068.
    'ml.p5.48xlarge': 63.296,
    'ml.inf2.xlarge': 0.99,
    'ml.inf2.8xlarge': 2.36,
    'ml.inf2.24xlarge': 7.79,
    'ml.inf2.48xlarge': 15.58,
    'ml.trn1.2xlarge': 1.54,
    'ml.trn1.32xlarge': 24.73,
  },
};
