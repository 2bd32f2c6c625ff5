// Part of `npm run build`: writes the prebuilt Lambda bundles and the training source archive the published
// package carries, so that apps using the kit need neither esbuild, tar nor the handlers' dependencies.
import * as path from 'node:path';
import { bundleRuntime, RUNTIME_ENTRIES, type RuntimeName } from '../lib/constructs/private/runtime-bundle';
import { buildTrainingSource } from '../lib/constructs/private/training-source';

const outRoot = path.join(__dirname, '..', 'dist', 'lib', 'runtime-bundles');
for (const name of Object.keys(RUNTIME_ENTRIES) as RuntimeName[]) {
  const dir = bundleRuntime(name, path.join(outRoot, name));
  console.log(`bundled ${name} -> ${path.relative(process.cwd(), dir)}`);
}
const archive = buildTrainingSource(path.join(outRoot, 'training', 'sourcedir.tar.gz'));
console.log(`packed training source -> ${path.relative(process.cwd(), archive)}`);
