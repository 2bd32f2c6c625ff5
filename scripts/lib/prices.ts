// Reads a `--prices FILE.json` option: `{ "ml.TYPE": USD }` or `{ "source": "...", "usdPerHour": { ... } }`,
// the price overrides npm run estimate and npm run review both take.
import type { PriceTable } from '../../lib/sizing/prices';
import { isRecord, readJsonFile } from './cli';

/** The table, or undefined with the problem added to `problems`. */
export function readPriceTable(path: string, problems: string[], readFile?: (path: string) => string): PriceTable | undefined {
  const data = readJsonFile('prices', path, problems, readFile);
  if (data === undefined) return undefined;
  const table = isRecord(data) && isRecord(data.usdPerHour)
    ? { source: typeof data.source === 'string' ? data.source : path, usdPerHour: data.usdPerHour }
    : { source: path, usdPerHour: data };
  if (!isRecord(table.usdPerHour)) {
    problems.push(`--prices is "${path}": use a JSON object such as {"ml.g5.2xlarge": 1.52} or {"source": "...", "usdPerHour": {...}}.`);
    return undefined;
  }
  return table as PriceTable;
}
