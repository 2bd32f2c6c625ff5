/** The estimate CLI: main() called directly for speed, and once through `npx tsx` to prove the real command works. */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { EXIT_DOES_NOT_FIT, EXIT_OK, EXIT_USAGE, main, type Io } from '../../scripts/estimate';

interface Run { code: number; stdout: string; stderr: string }

function run(argv: string[], files: Record<string, string> = {}): Run {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => { stdout += `${t}\n`; },
    stderr: (t) => { stderr += `${t}\n`; },
    readFile: (p) => {
      if (!(p in files)) throw new Error(`ENOENT: no such file, open '${p}'`);
      return files[p];
    },
  };
  return { code: main(argv, io), stdout, stderr };
}

const SERVE_70B = ['serve', '--model', 'meta-llama/Llama-3.1-70B-Instruct', '--precision', 'bf16', '--context', '8192', '--concurrency', '4'];

describe('serve', () => {
  test('prints a table a person can read', () => {
    const { code, stdout, stderr } = run(SERVE_70B);
    expect(code).toBe(EXIT_OK);
    expect(stderr).toBe('');
    expect(stdout).toContain('Serving meta-llama/Llama-3.1-70B-Instruct at bf16: 8,192 tokens of context x 4 concurrent sequences');
    expect(stdout).toMatch(/weights\s+131\.4\s+70,553,706,496 parameters x 2 bytes/);
    expect(stdout).toMatch(/KV cache\s+10\.0\s+327,680 bytes\/token x 8,192 tokens x 4 sequences/);
    expect(stdout).toMatch(/total\s+157\.1/);
    // 64 attention heads: one Neuron copy spans 16 of the 24 NeuronCores of ml.inf2.48xlarge, replicating the 8 KV heads.
    expect(stdout).toContain('Recommended: ml.inf2.48xlarge, TP 16 (12x Inferentia2), $15.58/h');
    expect(stdout).toMatch(/ml\.g5\.2xlarge\s+needs 141\.4 GiB of weights and KV cache; 1x A10G has 22\.5 GiB \(14\.8 usable at 0\.90, after the engine's 5\.4 GiB per GPU/);
    // 4x L40S would hold it with 2% of the budget free: not recommended, and said so.
    expect(stdout).toMatch(/ml\.g6e\.12xlarge\s+holds it with only 3\.5 GiB \(2\.1%\) of the 162\.0 GiB budget free/);
    expect(stdout).toMatch(/headroom\s+USD\/h\s+bound tok\/s\s+expected tok\/s/);
  });

  test('--json prints one document with the documented fields', () => {
    const { code, stdout } = run([...SERVE_70B, '--json']);
    expect(code).toBe(EXIT_OK);
    const doc = JSON.parse(stdout);
    expect(doc.memory).toMatchObject({ weightsGiB: 131.4165, kvCacheGiB: 10, totalGiB: 157.1295 });
    expect(doc.recommended).toMatchObject({ instanceType: 'ml.inf2.48xlarge', tensorParallelDegree: 16, usdPerHour: 15.58, decodeTokensPerSecondUpperBound: 188.155, usdPerMillionTokens: 23.0011, expectedDecodeTokensPerSecond: 39.5126, headroomFraction: 0.3428 });
    for (const c of doc.candidates) expect(Object.keys(c)).toEqual(expect.arrayContaining(['instanceType', 'tensorParallelDegree', 'usdPerHour', 'usableGiB']));
    for (const r of doc.rejected) expect(Object.keys(r)).toEqual(expect.arrayContaining(['instanceType', 'reason']));
    expect(doc.candidates.length + doc.rejected.length).toBe(41);
  });

  test('--instance that cannot hold the model explains why and exits 1', () => {
    const { code, stdout } = run([...SERVE_70B, '--instance', 'ml.g5.2xlarge']);
    expect(code).toBe(EXIT_DOES_NOT_FIT);
    expect(stdout).toContain('Requested ml.g5.2xlarge: does not fit. Llama-3.1-70B-Instruct at bf16 needs 157.1 GiB (weights 131.4, KV cache 10.0, reserve 10%); ml.g5.2xlarge: needs 141.4 GiB of weights and KV cache; 1x A10G has 22.5 GiB');
    expect(stdout).toContain('Cheapest that fits: ml.inf2.48xlarge (TP 16).');
  });

  test('--instance that holds the model exits 0; the JSON carries the assessment', () => {
    const { code, stdout } = run([...SERVE_70B, '--instance', 'ml.p4d.24xlarge', '--json']);
    expect(code).toBe(EXIT_OK);
    expect(JSON.parse(stdout).requested).toMatchObject({ instanceType: 'ml.p4d.24xlarge', status: 'fits', candidate: { tensorParallelDegree: 8 } });
  });

  test('when nothing fits: says so, suggests a lighter precision, recommended is null, exits 1', () => {
    const { code, stdout } = run(['serve', '--model', 'meta-llama/Llama-3.1-405B-Instruct', '--precision', 'fp32', '--json']);
    expect(code).toBe(EXIT_DOES_NOT_FIT);
    const doc = JSON.parse(stdout);
    expect(doc.recommended).toBeNull();
    expect(doc.advice[0]).toMatch(/^No single instance in the catalog can hold .*lower the precision to bf16/);
  });

  test('a custom model is described by --params, --layers, --kv-heads and --head-dim', () => {
    const { code, stdout } = run(['serve', '--params', '7B', '--layers', '32', '--kv-heads', '8', '--head-dim', '128', '--context', '8192', '--json']);
    expect(code).toBe(EXIT_OK);
    const doc = JSON.parse(stdout);
    expect(doc.model).toBe('custom (7.0B parameters)');
    expect(doc.memory.weightsBytes).toBe(7e9 * 2);
    expect(doc.memory.kvCacheBytes).toBe(131_072 * 8192);
  });

  test('a Bedrock model is managed: nothing to size, exit 0', () => {
    const { code, stdout } = run(['serve', '--model', 'meta.llama3-1-70b-instruct-v1:0']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('is a Bedrock foundation model: AWS runs it and bills per token');
    expect(stdout).toContain('serve --model meta-llama/Llama-3.1-70B-Instruct');
    expect(JSON.parse(run(['serve', '--model', 'amazon.nova-pro-v1:0', '--json']).stdout)).toEqual({ model: 'amazon.nova-pro-v1:0', managed: true, service: 'bedrock', openWeightsId: null, recommended: null });
  });

  test('--price overrides a price and changes the recommendation', () => {
    const doc = JSON.parse(run([...SERVE_70B, '--price', 'ml.p4d.24xlarge=9.5', '--json']).stdout);
    expect(doc.recommended).toMatchObject({ instanceType: 'ml.p4d.24xlarge', usdPerHour: 9.5, priceSource: '--price on the command line' });
  });

  test('--prices reads a regional table', () => {
    const table = JSON.stringify({ source: 'eu-west-1 2026-09', usdPerHour: { 'ml.p4d.24xlarge': 14.5, 'ml.m5.large': 0.1 } });
    const doc = JSON.parse(run([...SERVE_70B, '--prices', 'eu.json', '--json'], { 'eu.json': table }).stdout);
    expect(doc.recommended).toMatchObject({ instanceType: 'ml.p4d.24xlarge', usdPerHour: 14.5, priceSource: 'eu-west-1 2026-09' });
  });
});

describe('train and pretrain', () => {
  test('train --json has memory, the rule of thumb and the cost of the run', () => {
    const { code, stdout } = run(['train', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--method', 'qlora', '--tokens', '50M', '--epochs', '3', '--json']);
    expect(code).toBe(EXIT_OK);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ method: 'qlora', tokens: 50e6, epochs: 3, recommended: { instanceType: 'ml.g6e.xlarge', instanceCount: 1 } });
    expect(doc.memory.ruleOfThumbGB).toBeCloseTo(192.7, 1);
    expect(doc.recommended.usdCost).toBeGreaterThan(0);
  });

  test('train prints a table', () => {
    const { code, stdout } = run(['train', '--model', 'meta-llama/Llama-3.1-70B-Instruct', '--method', 'full', '--tokens', '1B']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toContain('Course rule of thumb: 1,693.3 GB');
    expect(stdout).toMatch(/Recommended: \d+ x ml\.\S+ \(\d+ devices\)/);
  });

  test('pretrain --json has params, tokens, flops, gpuHours and usdCost', () => {
    const { code, stdout } = run(['pretrain', '--params', '1B', '--json']);
    expect(code).toBe(EXIT_OK);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ params: 1e9, tokens: 2e10, flops: 1.2e20, gpuHours: expect.closeTo(1.2e20 / (989e12 * 0.4) / 3600, 3), verdict: 'feasible-for-a-team' });
    expect(doc.usdCost).toBeCloseTo(666.67, 1);
  });

  test('pretrain takes the size of a catalog model and prints a verdict', () => {
    const { code, stdout } = run(['pretrain', '--model', 'meta-llama/Llama-3.1-70B-Instruct', '--mfu', '0.5']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/Verdict: not feasible: \$[\d,]+ is over the kit's \$1,000,000 threshold/);
  });

  test('models and instances list the catalogs', () => {
    expect(run(['models']).stdout).toContain('amazon.nova-pro-v1:0');
    expect(JSON.parse(run(['instances', '--json']).stdout)).toHaveLength(41);
  });
});

describe('bad usage exits 2 and names the option', () => {
  const fails = (argv: string[], ...patterns: RegExp[]) => {
    const { code, stdout, stderr } = run(argv);
    expect(code).toBe(EXIT_USAGE);
    expect(stdout).toBe('');
    for (const p of patterns) expect(stderr).toMatch(p);
    return stderr;
  };

  test('fails when no command is given', () => { fails([], /^Usage: npm run estimate -- <command>/); });
  test('fails when the command is unknown', () => { fails(['size'], /"size" is not a command: use one of serve, train, pretrain, models, instances/); });
  test('a name every object has (toString, constructor) is not a command either', () => {
    fails(['toString'], /"toString" is not a command/);
    fails(['constructor', '--help'], /"constructor" is not a command/);
  });
  test('fails when the model is unknown, listing the catalog', () => { fails(['serve', '--model', 'acme/x'], /--model is "acme\/x", which is not in the catalog: use one of meta-llama\/Llama-3.2-1B-Instruct/); });
  test('fails when the model is missing', () => { fails(['serve'], /--model is missing: give a Hugging Face id .* or describe a custom model with --params, --layers, --kv-heads, --head-dim/); });
  test('fails when the precision is unknown', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--precision', 'int3'], /--precision is "int3": use one of fp32, bf16, fp16, fp8, int8, int4/); });
  test('fails when a number is negative', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--context', '-5'], /--context is -5: use a whole number of at least 1/); });
  test('fails when a number is not a number', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--concurrency', 'many'], /--concurrency is "many": use a number/); });
  test('fails when an option has no value', () => { fails(['serve', '--model'], /--model needs a value/); });
  test('fails when an option is unknown', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--gpu', 'a10g'], /--gpu is not an option of serve: use --model/, /"a10g" is not an option of serve/); });
  test('fails when the instance is unknown', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--instance', 'ml.g5.3xlarge'], /--instance is "ml.g5.3xlarge", which is not in the instance catalog/); });
  test('fails when a custom model is incomplete', () => { fails(['serve', '--params', '7B', '--layers', '32'], /--kv-heads is missing/, /--head-dim is missing/); });
  test('fails when both --model and custom fields are given', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--params', '7B'], /--model and custom model options .* keep one/); });
  test('fails when the context exceeds the model maximum', () => { fails(['serve', '--model', 'microsoft/Phi-3-mini-4k-instruct', '--context', '8192'], /--context is 8192: microsoft\/Phi-3-mini-4k-instruct supports at most 4096 tokens/); });
  test('fails when a price is malformed or names an unknown type', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--price', 'cheap', '--price', 'ml.x.y=1', '--price', 'ml.g5.xlarge=-2'],
    /--price is "cheap": use ml.TYPE=USD/, /--price names ml.x.y, which is not in the instance catalog/, /price of ml.g5.xlarge is -2/); });
  test('fails when the price file is missing', () => { fails(['serve', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--prices', 'nope.json'], /--prices is "nope.json": cannot read it as JSON/); });
  test('fails when the training method is missing', () => { fails(['train', '--model', 'meta-llama/Llama-3.1-8B-Instruct'], /--method is missing: use one of full, lora, qlora/); });
  test('fails when the training method is unknown', () => { fails(['train', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--method', 'dora'], /--method is "dora": use one of full, lora, qlora/); });
  test('fails when tokens are negative', () => { fails(['train', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--method', 'lora', '--tokens', '-1'], /--tokens is -1: use a number greater than 0/); });
  test('fails when the compute would be infinite: no Infinity FLOPs, no $∞', () => {
    const stderr = fails(['train', '--model', 'meta-llama/Llama-3.1-8B-Instruct', '--method', 'qlora', '--tokens', '1e300'], /The compute from --tokens, --epochs is Infinity, beyond any estimate/);
    expect(stderr).not.toContain('$∞');
    fails(['pretrain', '--params', '1e300'], /The compute \(6 x parameters x tokens\) from --params is Infinity/);
    fails(['pretrain', '--params', '1B', '--tokens', 'Infinity'], /--tokens is Infinity: use a number greater than 0/);
  });
  test('fails when pretrain has no size', () => { fails(['pretrain'], /--params is missing/); });
  test('fails when pretrain runs on Inferentia', () => { fails(['pretrain', '--params', '1B', '--instance', 'ml.inf2.48xlarge'], /--instance is "ml.inf2.48xlarge": AWS Inferentia2 is built for inference/); });
  test('fails when the MFU is out of range', () => { fails(['pretrain', '--params', '1B', '--mfu', '40'], /--mfu is 40: use a fraction greater than 0 and at most 1/); });

  test('reports every bad option at once', () => {
    const stderr = fails(['serve', '--model', 'acme/x', '--precision', 'bf17', '--context', '-5', '--concurrency', 'abc', '--bogus'], /^estimate serve: 5 problems/);
    for (const option of ['--model', '--precision', '--context', '--concurrency', '--bogus']) expect(stderr).toContain(`  - ${option} `);
  });

  test('--help prints the options of a command and exits 0', () => {
    const { code, stdout } = run(['serve', '--help']);
    expect(code).toBe(EXIT_OK);
    expect(stdout).toMatch(/--precision <value>\s+fp32\|bf16\|fp16\|fp8\|int8\|int4/);
  });
});

describe('the real command', () => {
  test('npx tsx scripts/estimate.ts serve ... --json prints parseable JSON', () => {
    const root = path.resolve(__dirname, '../..');
    const out = execFileSync('npx', ['tsx', 'scripts/estimate.ts', ...SERVE_70B, '--json'], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out).recommended.instanceType).toBe('ml.inf2.48xlarge');
  });
});
