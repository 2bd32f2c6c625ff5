// The Lambda code of the kit's handlers (lib/runtime), bundled by esbuild: minified, with source maps, and
// with its dependencies (AWS SDK clients, Powertools) inside, so the versions that were tested are the ones
// that run. The published package carries the bundles prebuilt (`npm run build`); from a checkout of the
// repository they are bundled on first use.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as Esbuild from 'esbuild';

/** The kit's handlers, by bundle name: entry file relative to lib/runtime. */
export const RUNTIME_ENTRIES = { api: 'api/handler.ts', workflow: 'workflow/handler.ts' } as const;
export type RuntimeName = keyof typeof RUNTIME_ENTRIES;

/**
 * Modules a handler loads on first use, each bundled into a file of its own (`sdk/<name>.js` beside
 * `index.js`) so that initialization neither parses nor runs a client the deployment does not use. Relative to
 * the handler's folder; they hold SDK values only (lib/runtime/api/sdk/README.md).
 */
export const LAZY_MODULES: Record<RuntimeName, readonly string[]> = {
  api: ['bedrock-runtime', 'sagemaker-runtime', 'bedrock-agent-runtime', 's3', 'sqs', 'tracer'],
  workflow: [],
};

/** Where `npm run build` puts prebuilt bundles, relative to this file once compiled (dist/lib/constructs/private). */
const PREBUILT = path.join(__dirname, '..', '..', 'runtime-bundles');
const built = new Map<RuntimeName, string>();

/** Bundles one handler into `outdir` (index.js with its map and legal comments, and its separately loaded sdk/ files). */
export function bundleRuntime(name: RuntimeName, outdir: string): string {
  const entry = path.join(__dirname, '..', '..', 'runtime', RUNTIME_ENTRIES[name]);
  // esbuild is a development dependency: present in a checkout, absent (and unneeded) in the package, so it
  // is loaded only here, when a bundle has to be built.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof Esbuild;
  const lazy = LAZY_MODULES[name];
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    // ES module builds of the AWS SDK tree-shake far better (~20% smaller bundle).
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: 'linked',
    // Keep bundles identical wherever they are built, so asset hashes only change with the code.
    absWorkingDir: path.join(__dirname, '..', '..', '..'),
    logLevel: 'silent',
  } satisfies Esbuild.BuildOptions;
  esbuild.buildSync({ ...common, entryPoints: [entry], outfile: path.join(outdir, 'index.js'),
    // `./sdk/<name>` stays a require() of the separately built file (the check below finds one not built).
    external: lazy.length > 0 ? ['./sdk/*'] : [] });
  const wanted = [...fs.readFileSync(path.join(outdir, 'index.js'), 'utf8').matchAll(/require\("\.\/sdk\/([^"]+)"\)/g)].map((m) => m[1]);
  const unbuilt = [...new Set(wanted)].filter((module) => !lazy.includes(module));
  if (unbuilt.length > 0) throw new Error(`The ${name} handler requires ./sdk/${unbuilt.join(', ./sdk/')}, which LAZY_MODULES.${name} does not build: add it there.`);
  const sdkDir = path.join(path.dirname(entry), 'sdk');
  for (const module of lazy) {
    esbuild.buildSync({ ...common, entryPoints: [path.join(sdkDir, `${module}.ts`)], outfile: path.join(outdir, 'sdk', `${module}.js`) });
  }
  for (const file of [path.join(outdir, 'index.js.map'), ...lazy.map((m) => path.join(outdir, 'sdk', `${m}.js.map`))]) relativeSources(file, common.absWorkingDir);
  return outdir;
}

/**
 * Source paths relative to the package root (`lib/runtime/api/handler.ts`, `node_modules/...`) instead of to the
 * output folder, which esbuild writes: the same code gives the same bundle, and so the same asset hash, wherever
 * the checkout or the output folder is (a bundle built on first use lands in a temporary folder).
 */
function relativeSources(mapFile: string, root: string): void {
  const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as { sources: string[] };
  map.sources = map.sources.map((source) => path.relative(root, path.resolve(path.dirname(mapFile), source)).split(path.sep).join('/'));
  fs.writeFileSync(mapFile, JSON.stringify(map));
}

/** The code of a handler: the prebuilt bundle when the package has one, else bundled now (once per process). */
export function runtimeCode(name: RuntimeName): lambda.Code {
  return lambda.Code.fromAsset(runtimeBundleDir(name));
}

export function runtimeBundleDir(name: RuntimeName): string {
  const prebuilt = path.join(PREBUILT, name);
  if (fs.existsSync(path.join(prebuilt, 'index.js'))) return prebuilt;
  let dir = built.get(name);
  if (!dir) {
    dir = bundleRuntime(name, fs.mkdtempSync(path.join(os.tmpdir(), `genai-${name}-bundle-`)));
    built.set(name, dir);
  }
  return dir;
}
