// The training job's source directory (lib/runtime/training: entry scripts and requirements.txt) as the
// `sourcedir.tar.gz` SageMaker's training toolkit downloads and runs (`sagemaker_submit_directory`). Built
// deterministically (sorted entries, fixed times, no owners), so its asset hash changes only with the code.
// The published package carries it prebuilt (`npm run build`).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Tar from 'tar';

const SOURCE = path.join(__dirname, '..', '..', 'runtime', 'training');
const PREBUILT = path.join(__dirname, '..', '..', 'runtime-bundles', 'training', 'sourcedir.tar.gz');
let built: string | undefined;

/** The files shipped: everything but tests and Python caches, sorted. */
function sourceFiles(dir = SOURCE, prefix = ''): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => !['tests', '__pycache__'].includes(e.name) && !e.name.endsWith('.pyc'))
    .flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** Writes the archive to `file`. */
export function buildTrainingSource(file: string): string {
  // tar is a development dependency, needed only where the archive is built (see runtime-bundle.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tar = require('tar') as typeof Tar;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  tar.create({ file, cwd: SOURCE, gzip: { level: 9 }, portable: true, mtime: new Date(0), sync: true, noDirRecurse: true }, sourceFiles());
  return file;
}

/** The archive's path: the prebuilt one when the package has it, else built now (once per process). */
export function trainingSourceArchive(): string {
  if (fs.existsSync(PREBUILT)) return PREBUILT;
  built ??= buildTrainingSource(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'genai-training-source-')), 'sourcedir.tar.gz'));
  return built;
}
