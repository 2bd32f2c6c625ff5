/**
 * Hourly prices for the instance types a template names: the sizing engine's catalog (⚠ third-party prices,
 * see lib/sizing/prices.ts), overridden by a user's table. Unlike `InstanceCatalog.withPrices`, an override
 * may price a type the catalog does not know (a CPU instance, a newer GPU): a review must price what is deployed.
 */
import { InstanceCatalog, type PriceTable } from '../../../lib/sizing';

export interface InstancePrice {
  readonly usdPerHour: number;
  /** Where the price came from. */
  readonly source: string;
}

/** The price of an instance type; undefined when neither the override nor the catalog has one. */
export type PriceLookup = (instanceType: string) => InstancePrice | undefined;

/** Hours in an average month (8,760 h / 12), as the AWS Pricing Calculator uses. */
export const HOURS_PER_MONTH = 730;

export function priceLookup(overrides?: PriceTable, catalog: InstanceCatalog = InstanceCatalog.DEFAULT): PriceLookup {
  return (instanceType) => {
    const override = overrides?.usdPerHour[instanceType];
    if (override !== undefined) return { usdPerHour: override, source: overrides!.source };
    const spec = catalog.lookup(instanceType);
    return spec?.usdPerHour === undefined ? undefined : { usdPerHour: spec.usdPerHour, source: spec.priceSource ?? 'instance catalog' };
  };
}

/** What is wrong with a price table: each price must be a number of USD per hour greater than 0. */
export function priceTableProblems(table: PriceTable): string[] {
  return Object.entries(table.usdPerHour)
    .filter(([, usd]) => typeof usd !== 'number' || !Number.isFinite(usd) || usd <= 0)
    .map(([type, usd]) => `price of ${type} is ${JSON.stringify(usd)}: use USD per hour greater than 0.`);
}
