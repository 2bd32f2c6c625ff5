// What a SageMaker fine-tuning run is sized with: its methods, the training image the entry scripts run in,
// the evaluation's generation settings, and the instances and volumes those need.
import { FineTuningMethod } from '../config/training-rules';
import { AcceleratorKind } from '../sizing/accelerators';
import { ModelCatalog } from '../sizing/models';
import { estimateServing, requireArchitecture } from '../sizing/serving';
import { DEFAULT_LORA_RANK, loraParameters } from '../sizing/training';

/** The Hugging Face PyTorch training Deep Learning Container the entry scripts run in (reference/sizing-facts.md). */
export const TRAINING_IMAGE = { repository: 'huggingface-pytorch-training', tag: '2.9.0-transformers5.3.0-gpu-py312-cu130-ubuntu22.04' } as const;

/**
 * What evaluate.py generates with (its --batch-size, --max-input-length and --max-new-tokens defaults, sent
 * explicitly): batches of 8 prompts of up to 2048 tokens, 256 new tokens each.
 */
export const EVALUATION = { batchSize: 8, maxInputLength: 2048, maxNewTokens: 256 } as const;

/** The instance evaluation runs on: the cheapest GPU that holds the base model at bf16 for a whole batch. */
export function evaluationInstance(model: string, catalog = ModelCatalog.DEFAULT): string {
  const estimate = estimateServing({ model, models: catalog, precision: 'bf16', contextTokens: EVALUATION.maxInputLength + EVALUATION.maxNewTokens, concurrency: EVALUATION.batchSize });
  const gpu = estimate.candidates.find((c) => c.acceleratorKind === AcceleratorKind.GPU);
  if (!gpu) throw new Error(`No GPU instance of the catalog holds ${model} at bf16 for ${EVALUATION.batchSize} sequences of ${EVALUATION.maxInputLength + EVALUATION.maxNewTokens} tokens.`);
  return gpu.instanceType;
}

const GB = 1e9;
/** Room for the image's scratch, the datasets and logs on the training volume: the kit's allowance. */
const VOLUME_ALLOWANCE_GB = 20;

/**
 * The training volume a job needs: the base weights it downloads (16-bit), what it writes (the model at
 * 16-bit, merged or full) and the checkpoints it keeps (the scripts keep 2, each with the trainable weights and
 * their AdamW states: 16 bytes per trainable parameter), plus an allowance. On instances with local NVMe
 * storage SageMaker ignores the figure and uses the instance's own disks ("VolumeSizeInGB", CreateTrainingJob
 * ResourceConfig); elsewhere it is the EBS volume created.
 */
export function trainingVolumeGB(modelId: string, method: FineTuningMethod, instanceCount: number, loraRank = DEFAULT_LORA_RANK, catalog = ModelCatalog.DEFAULT): number {
  const model = requireArchitecture(modelId, catalog);
  const weights = 2 * model.parameters;
  // Full fine-tuning checkpoints shard the states over the instances (FSDP); adapters are small.
  const trainable = method === FineTuningMethod.FULL ? model.parameters / instanceCount : loraParameters(model, loraRank);
  const checkpoints = 2 * 16 * trainable;
  return Math.ceil((2 * weights + checkpoints) / GB) + VOLUME_ALLOWANCE_GB;
}

/** Evaluation downloads the tuned model and the base (16-bit), and writes predictions. */
export function evaluationVolumeGB(modelId: string, catalog = ModelCatalog.DEFAULT): number {
  return Math.ceil((2 * 2 * requireArchitecture(modelId, catalog).parameters) / GB) + VOLUME_ALLOWANCE_GB;
}
