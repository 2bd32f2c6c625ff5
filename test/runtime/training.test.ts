/**
 * The training job's Python entry points (lib/runtime/training), checked from jest so `npm test` covers them:
 * every file compiles, the unittest suite passes, and each script answers --help with the GPU libraries
 * (torch, transformers, trl, peft, datasets) unimportable, as on this machine and CI.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const TRAINING = path.join(__dirname, '..', '..', 'lib', 'runtime', 'training');
const ENTRY_POINTS = ['train.py', 'dpo.py', 'evaluate.py'];
const GPU_LIBRARIES = ['torch', 'transformers', 'trl', 'peft', 'datasets', 'accelerate', 'bitsandbytes'];

interface Run { status: number | null; stdout: string; stderr: string }

function python(args: string[], cwd = TRAINING): Run {
  // -B: no __pycache__ left in the source tree the construct packs; PYTHONPATH unset so nothing else leaks in.
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: '' };
  const done = spawnSync('python3', ['-B', ...args], { cwd, env, encoding: 'utf8', timeout: 30_000 });
  if (done.error) throw done.error;
  return { status: done.status, stdout: done.stdout, stderr: done.stderr };
}

function pythonFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === '__pycache__' ? [] : pythonFiles(full);
    return e.name.endsWith('.py') ? [full] : [];
  });
}

describe('training entry points (Python)', () => {
  test('every .py file compiles', () => {
    const files = pythonFiles(TRAINING);
    expect(files.map((f) => path.relative(TRAINING, f))).toEqual(expect.arrayContaining([...ENTRY_POINTS, 'common.py', 'records.py', 'metrics.py', 'modeling.py']));
    // py_compile with the .pyc files in a temporary directory: nothing is left in the source tree the construct packs.
    const compileAll = [
      'import os, py_compile, sys, tempfile',
      'out = tempfile.mkdtemp()',
      'for i, f in enumerate(sys.argv[1:]):',
      '    py_compile.compile(f, cfile=os.path.join(out, f"{i}.pyc"), doraise=True)',
    ].join('\n');
    const run = python(['-c', compileAll, ...files]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  test('the unittest suite passes', () => {
    const run = python(['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.']);
    expect(run.stderr).toMatch(/\nOK\n?$/);
    expect(run.status).toBe(0);
    const ran = /Ran (\d+) tests/.exec(run.stderr);
    expect(Number(ran?.[1])).toBeGreaterThanOrEqual(70);
  });

  test.each(ENTRY_POINTS)('%s --help exits 0 without the GPU libraries', (script) => {
    const block = `import sys; sys.modules.update(dict.fromkeys(${JSON.stringify(GPU_LIBRARIES)}, None))`;
    const run = python(['-c', `${block}; import runpy; sys.argv = ['${script}', '--help']; sys.path.insert(0, '.'); runpy.run_path('${script}', run_name='__main__')`]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`usage: ${script}`);
    expect(run.stdout).toContain('--base-model-id');
  });

  test.each(ENTRY_POINTS)('python3 %s --help runs as SageMaker launches it', (script) => {
    const run = python([script, '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`usage: ${script}`);
  });

  test('bad hyperparameters exit 2 with every problem listed', () => {
    const run = python(['train.py', '--epochs', 'x', '--lora-r', '0', '--method', 'sft']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('train.py: 5 problems, nothing was run:');
    expect(run.stderr).toContain("--epochs: 'x' is not a number");
    expect(run.stderr).toContain('--lora-r is 0; it must be at least 1');
    expect(run.stderr).toContain("--method is 'sft'; use one of full, lora, qlora");
    expect(run.stderr).toContain('no base model');
    expect(run.stderr).toContain('no train channel');
  });
});
