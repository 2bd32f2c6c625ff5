// Local paths in environment definitions (a dataset seed folder): resolved against the project root and checked
// to exist and to be laid out as the store, with the other config problems, before any construct reads them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATASET_PREFIXES, type DatasetPrefix } from './dataset-layout';
import type { EnvironmentConfig } from './environment';
import type { ConfigProblem } from './validate';

/** Resolves paths in the definitions against the project root and checks that they exist. */
export function resolveLocalPaths(envs: readonly EnvironmentConfig[], root: string): { envs: EnvironmentConfig[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const resolved = envs.map((env) => {
    const seed = env.datasets?.seed;
    // A malformed seed (no string source) is config validation's to report.
    if (!seed || typeof seed !== 'object' || typeof seed.source !== 'string') return env;
    const source = path.resolve(root, seed.source);
    if (!fs.existsSync(source) || !fs.statSync(source).isDirectory()) {
      problems.push({ path: `${env.name}.datasets.seed.source`, value: seed.source, message: `is not a folder (looked for ${source})`, fix: 'create the folder or correct the path; it is relative to the project root' });
    } else if (seed.prefix === undefined) {
      // Without a prefix the folder mirrors the store: each entry must be one of its prefixes.
      for (const stray of seedLayoutStrays(source)) {
        problems.push({ path: `${env.name}.datasets.seed.source`, value: seed.source, message: `holds ${stray}, which is not a folder named after a prefix of the store (${DATASET_PREFIXES.join(', ')})`, fix: 'move it into one of those folders, or give seed.prefix to upload the folder to one prefix' });
      }
      if (env.adaptation?.trigger && fs.existsSync(path.join(source, 'train'))) {
        problems.push({ path: `${env.name}.datasets.seed.source`, value: seed.source, message: 'seeds train/, where adaptation.trigger starts a fine-tuning run for every new file: each deploy that copies the seed would start runs', fix: 'seed train/ data elsewhere (e.g. raw/), or drop adaptation.trigger' });
      }
    }
    return { ...env, datasets: { ...env.datasets, seed: { ...seed, source } } };
  });
  return { envs: resolved, problems };
}


/**
 * The entries of a seed folder laid out like the store that are not one of its prefix folders: files as `name`,
 * folders as `name/`. Hidden entries (`.name`) are never copied in that layout, so they are not counted.
 */
export function seedLayoutStrays(folder: string): string[] {
  return fs.readdirSync(folder, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && !(e.isDirectory() && DATASET_PREFIXES.includes(`${e.name}/` as DatasetPrefix)))
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name));
}
