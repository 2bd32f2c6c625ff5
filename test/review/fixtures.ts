// The fixture cloud assemblies of test/fixtures/review (see its README): read once per test file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCloudAssembly, type AssemblyReader, type CloudAssembly, type EnvironmentAssembly } from '../../scripts/lib/review';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'review');
export const HEAD_DIR = join(FIXTURES, 'head');
export const BASE_DIR = join(FIXTURES, 'base');

export function reader(dir: string): AssemblyReader {
  return (relativePath) => {
    const file = join(dir, relativePath);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
}

export function load(dir: string): CloudAssembly {
  return readCloudAssembly(reader(dir));
}

export function environment(assembly: CloudAssembly, name: string): EnvironmentAssembly {
  const env = assembly.environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name}`);
  return env;
}

/** Rounds as the CLI's JSON does (4 decimals), so expected numbers are written as arithmetic. */
export function round4(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
