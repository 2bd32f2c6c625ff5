// `npm run simulate`: usage errors list every problem at once; a run synthesizes the environment, executes its
// workflow and reports the trace and outcome as text or JSON.
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, main } from '../../scripts/simulate';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

test('bad usage: every problem at once, exit 2, nothing synthesized', async () => {
  const { code, stderr } = await run(['--env', 'Qa', '--scenario', 'nope', '--bogus']);
  expect(code).toBe(EXIT_USAGE);
  expect(stderr).toContain('simulate: 3 problems');
  expect(stderr).toContain('--bogus is not an option');
  expect(stderr).toContain('--env is "Qa": not an environment of bin/environments.ts; use one of Dev, Staging, Prod.');
  expect(stderr).toMatch(/--scenario is "nope": use one of pass, from-feedback, gate-fail, .*, or all\./);
});

test('--help lists the scenarios', async () => {
  const { code, stdout } = await run(['--help']);
  expect(code).toBe(EXIT_OK);
  expect(stdout).toMatch(/spot-interruption +spot capacity is reclaimed twice/);
});

test('staging, DPO from feedback: the trace, the jobs, the notification and the outcome; --json has the same run', async () => {
  const text = await run(['--env', 'Staging', '--from-feedback']);
  expect(text.code).toBe(EXIT_OK);
  expect(text.stdout).toContain('scenario from-feedback');
  expect(text.stdout).toMatch(/-> BuildPreferences \(Task\)\n {2}-> UsePreferences \(Pass\)/);
  expect(text.stdout).toMatch(/training job sim-from-feedback-dpo-train-[0-9a-f]{8}: Completed/);
  expect(text.stdout).toContain('notified: Fine-tuning run passed the gate');
  expect(text.stdout).toMatch(/outcome: SUCCEEDED\n {2}as expected$/);
  const json = await run(['--env', 'staging', '--scenario', 'gate-fail', '--json']);
  expect(json.code).toBe(EXIT_OK);
  const doc = JSON.parse(json.stdout) as { stage: string; methods: string[]; runs: { status: string; error: string; asExpected: boolean }[] };
  expect(doc).toMatchObject({ stage: 'Staging', methods: ['qlora', 'dpo'], runs: [{ status: 'FAILED', error: 'GateRejected', asExpected: true }] });
});

test('a scenario the workflow cannot run is an error that says why', async () => {
  const { code, stderr } = await run(['--env', 'Staging', '--scenario', 'spot-interruption']);
  expect(code).toBe(EXIT_FAILED);
  expect(stderr).toContain("needs training on managed spot capacity; Staging's workflow does not use spot");
});
