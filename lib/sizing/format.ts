/**
 * Plain-text reports of the estimates, for people reading a terminal. The JSON of the CLI carries the same
 * numbers unrounded; these round for reading.
 */
import { type InstanceCatalog } from './instances';
import { type ModelCatalog } from './models';
import { bytesPerQuantizedWeight, kvCacheBytesPerToken, weightBytes } from './precision';
import { type PretrainingEstimate } from './pretraining';
import { type ServingEstimate } from './serving';
import { TrainingMethod, type TrainingEstimate } from './training';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n: number | null, digits = 2) => (n === null ? '-' : `$${fixed(n, digits)}`);
const orDash = (n: number | null, digits = 1) => (n === null ? '-' : fixed(n, digits));

/** Aligns columns; `right` marks the numeric ones. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    '  ' + cells.map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)];
}

export function formatServing(e: ServingEstimate): string {
  const m = e.memory;
  const w = weightBytes(e.architecture, e.precision);
  const weightsHow = w.sixteenBitParameters === 0
    ? `${int(e.architecture.parameters)} parameters x ${bytesPerQuantizedWeight(e.precision)} bytes`
    : `${int(w.quantizedParameters)} x ${+bytesPerQuantizedWeight(e.precision).toFixed(4)} bytes + ${int(w.sixteenBitParameters)} ${w.sixteenBitParameters > (e.architecture.vocabSize ?? 0) * (e.architecture.hiddenSize ?? 0) * 2 ? "16-bit parameters (embeddings, lm_head and the layers the checkpoint keeps at 16-bit)" : "embedding parameters"} x 2 bytes`;
  const reservePercent = Math.round((1 - m.memoryUtilization) * 100);
  const lines = [
    `Serving ${e.model} at ${e.precision}: ${int(e.contextTokens)} tokens of context x ${e.concurrency} concurrent sequence${e.concurrency === 1 ? '' : 's'}`,
    '',
    'Memory',
    ...table(['', 'GiB', ''], [
      ['weights', fixed(m.weightsGiB), weightsHow],
      ['KV cache', fixed(m.kvCacheGiB), `${int(kvCacheBytesPerToken(e.architecture, e.precision))} bytes/token x ${int(e.contextTokens)} tokens x ${e.concurrency} sequence${e.concurrency === 1 ? '' : 's'}`],
      ['reserve', fixed(m.reserveGiB), `${reservePercent}% of accelerator memory left to the server (utilization ${m.memoryUtilization.toFixed(2)})`],
      ['total', fixed(m.totalGiB), ''],
    ], [false, true, false]),
    '',
  ];
  const best = e.recommended;
  if (best !== null && best.acceleratorKind === 'gpu') {
    const r = best.engineReservePerShardGiB;
    lines.push(`Engine reserve on each GPU of ${best.instanceType}, inside the budget: activation peak ${fixed(r.activationPeak)} GiB ` +
      `(profiling at 8,192 batched tokens), CUDA graphs ${fixed(r.cudaGraphs)} GiB, CUDA context${best.tensorParallelDegree > 1 ? ' and NCCL' : ''} ${fixed(r.context)} GiB; ` +
      `headroom left ${fixed(best.headroomGiB)} GiB (${fixed(best.headroomFraction * 100)}% of the budget).`, '');
  }
  if (best === null) {
    lines.push('Recommended: none');
  } else {
    const price = best.usdPerHour === null ? 'no price known' : `${usd(best.usdPerHour)}/h`;
    lines.push(`Recommended: ${best.instanceType}, TP ${best.tensorParallelDegree} (${best.accelerators}), ${price}; ` +
      `decode at most ${fixed(best.decodeTokensPerSecondUpperBound)} tokens/s` +
      (best.usdPerMillionTokens === null ? '' : `, so at least ${usd(best.usdPerMillionTokens)} per million output tokens`));
  }
  if (e.candidates.length > 0) {
    lines.push('', `Instances that fit, cheapest first (decode: memory-bandwidth upper bound over ${e.concurrency} sequence${e.concurrency === 1 ? '' : 's'} at full context)`);
    lines.push(...table(['instance', 'accelerators', 'TP', 'usable GiB', 'headroom', 'USD/h', 'bound tok/s', 'expected tok/s', 'USD/1M expected'],
      e.candidates.map((c) => [c.instanceType, c.accelerators, String(c.tensorParallelDegree), fixed(c.usableGiB), `${fixed(c.headroomFraction * 100, 0)}%`,
        orDash(c.usdPerHour, 2), fixed(c.decodeTokensPerSecondUpperBound), fixed(c.expectedDecodeTokensPerSecond), orDash(c.expectedUsdPerMillionTokens, 2)]),
      [false, false, true, true, true, true, true, true, true]));
    lines.push('  Expected throughput: the bound x 0.5 on GPUs, x 0.21 on Neuron (published measurements ⚠).');
  }
  if (e.rejected.length > 0) {
    lines.push('', 'Rejected');
    lines.push(...table(['instance', 'reason'], e.rejected.map((r) => [r.instanceType, r.reason])));
  }
  lines.push(...notes(e.advice), ...priceNote(e.candidates.map((c) => c.priceSource)));
  return lines.join('\n');
}

export function formatTraining(e: TrainingEstimate): string {
  const m = e.memory;
  const method = e.method === TrainingMethod.FULL ? 'full fine-tuning (mixed-precision AdamW)'
    : `${e.method === TrainingMethod.LORA ? 'LoRA' : 'QLoRA'} (rank ${e.loraRank}, q/k/v/o/gate/up/down)`;
  const base = e.method === TrainingMethod.FULL ? 'fp32 master + bf16 copy: 6 bytes/param'
    : `frozen base at ${e.method === TrainingMethod.LORA ? 'bf16' : 'NF4'} + adapter weights`;
  const lines = [
    `Fine-tuning ${e.model} with ${method}: ${int(e.sequenceLength)}-token sequences, micro-batch ${e.microBatchSize}, ` +
      `gradient checkpointing ${e.gradientCheckpointing ? 'on' : 'off'}`,
    '',
    'Memory',
    ...table(['', 'GiB', ''], [
      ['weights', fixed(m.weightsGiB), base],
      ['gradients', fixed(m.gradientsGiB), 'fp32, 4 bytes per trainable parameter'],
      ['optimizer states', fixed(m.optimizerStatesGiB), 'AdamW, 8 bytes per trainable parameter'],
      ['activations', fixed(m.activationsGiB), 'per device and micro-batch (⚠ estimate)'],
      ['total', fixed(m.totalGiB), 'on one device; states shard over devices with ZeRO-3 / FSDP'],
      ['host', fixed(m.hostGiB), e.method === TrainingMethod.FULL ? 'host memory of the training process (⚠ allowance)' : 'host memory to merge the adapter into the 16-bit base on the CPU (⚠ process allowance)'],
    ], [false, true, false]),
    `  Course rule of thumb: ${fixed(m.ruleOfThumbGB)} GB (~24 GB per 1B parameters at fp32 ⚠, full fine-tuning)`,
    `  Trainable parameters: ${int(m.trainableParameters)}`,
    '',
  ];
  if (e.flops !== null && e.tokens !== null) {
    lines.push(`Compute: ${e.flops.toExponential(2)} FLOPs (${e.method === TrainingMethod.FULL ? 6 : 4} x parameters x ${int(e.tokens)} tokens x ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}) at MFU ${e.mfu}`, '');
  }
  const best = e.recommended;
  lines.push(best === null ? 'Recommended: none'
    : `Recommended: ${best.instanceCount} x ${best.instanceType} (${best.devices} device${best.devices === 1 ? '' : 's'}), ${usd(best.usdPerHour)}/h` +
      (best.hours === null ? '' : `, ${fixed(best.hours)} h, ${usd(best.usdCost)}`));
  if (e.candidates.length > 0) {
    lines.push('', e.tokens === null ? 'Instances that hold the run, cheapest per hour first' : 'Instances that hold the run, cheapest run first');
    lines.push(...table(['instance', 'accelerators', 'count', 'GiB/device', 'usable', 'USD/h', 'hours', 'USD'],
      e.candidates.map((c) => [c.instanceType, c.accelerators, String(c.instanceCount), fixed(c.perDeviceGiB), fixed(c.usablePerDeviceGiB),
        orDash(c.usdPerHour, 2), orDash(c.hours), orDash(c.usdCost, 2)]),
      [false, false, true, true, true, true, true, true]));
  }
  if (e.rejected.length > 0) {
    lines.push('', 'Rejected', ...table(['instance', 'reason'], e.rejected.map((r) => [r.instanceType, r.reason])));
  }
  lines.push(...notes(e.advice), ...priceNote([], 'hosting prices stand in for training prices ⚠'));
  return lines.join('\n');
}

export function formatPretraining(e: PretrainingEstimate): string {
  return [
    `Pre-training a ${int(e.params)}-parameter model from scratch`,
    '',
    ...table(['', '', ''], [
      ['tokens', int(e.tokens), `${fixed(e.tokensPerParameter)} per parameter (compute-optimal is ~20: Chinchilla, arXiv 2203.15556)`],
      ['compute', `${e.flops.toExponential(2)} FLOPs`, '6 x parameters x tokens'],
      ['instance', e.instanceType, `${e.accelerators}, ${e.peakTflopsPerAccelerator} TFLOPS peak each (⚠ datasheet), MFU ${e.mfu}`],
      ['GPU-hours', fixed(e.gpuHours), 'accelerator-hours = FLOPs / (peak x MFU) / 3600'],
      ['cost', usd(e.usdCost, 0), e.usdPerHour === null ? 'no price known' : `${fixed(e.instanceHours)} instance-hours x ${usd(e.usdPerHour)}/h`],
      ['wall clock', `${fixed(e.wallClockDays)} days`, `on ${e.instanceCount} instance${e.instanceCount === 1 ? '' : 's'}`],
      ['memory', `${e.minInstancesForMemory} instance${e.minInstancesForMemory === 1 ? '' : 's'}`, 'at least, to hold 18 bytes/param of training states'],
    ], [false, true, false]).slice(1),
    '',
    `Verdict: ${e.verdictText}.`,
    ...priceNote([], 'hosting prices stand in for training prices ⚠'),
  ].join('\n');
}

export function formatModels(catalog: ModelCatalog): string {
  const rows = catalog.all().map((m) => m.managed
    ? [m.id, 'Bedrock (managed)', '-', '-', '-', m.openWeightsId ?? '']
    : [m.id, 'open weights', int(m.architecture.parameters), String(m.architecture.layers),
      `${m.architecture.attentionHeads ?? m.architecture.kvHeads}/${m.architecture.kvHeads}`, m.architecture.maxContextTokens === undefined ? '' : `${int(m.architecture.maxContextTokens)} tokens`]);
  return table(['model', 'kind', 'parameters', 'layers', 'heads q/kv', 'context / self-host as'], rows, [false, false, true, true, true, false]).join('\n');
}

export function formatInstances(catalog: InstanceCatalog): string {
  const rows = catalog.all().map((s) => [s.instanceType, `${s.acceleratorCount}x ${s.accelerator.name}`,
    String(s.accelerator.memoryPerDeviceMiB), s.accelerator.supportsFp8 ? 'yes' : 'no', String(s.vcpus), String(s.hostMemoryGiB),
    s.usdPerHour === undefined ? '-' : fixed(s.usdPerHour, 4)]);
  return [
    ...table(['instance', 'accelerators', 'MiB/device', 'FP8', 'vCPU', 'host GiB', 'USD/h'], rows, [false, false, true, false, true, true, true]),
    ...priceNote(catalog.all().map((s) => s.priceSource ?? null)),
  ].join('\n');
}

function notes(advice: readonly string[]): string[] {
  return advice.length === 0 ? [] : ['', 'Notes', ...advice.map((a) => `  - ${a}`)];
}

function priceNote(sources: readonly (string | null)[], caveat?: string): string[] {
  const named = [...new Set(sources.filter((s): s is string => s !== null))];
  const from = named.length === 0 ? 'the instance catalog' : named.join('; ');
  return ['', `Prices from ${from}${caveat ? ` (${caveat})` : ''}. Override with --price ml.TYPE=USD or --prices FILE.json.`];
}
