// The key layout of the DatasetStore: one prefix per kind of lifecycle data. Pure, so config validation,
// constructs, runtime handlers and scripts all agree on where things live.

/** The kinds of data the store holds, each under its own prefix. */
export enum DatasetPrefix {
  /** Raw, unvalidated uploads. */
  RAW = 'raw/',
  /** Training split. */
  TRAIN = 'train/',
  /** Validation split (used during training). */
  VALIDATION = 'validation/',
  /** Held-out test split (used by evaluation). */
  TEST = 'test/',
  /** Human feedback captured by the API. */
  FEEDBACK = 'feedback/',
  /** Endpoint data capture (requests and responses). */
  CAPTURES = 'captures/',
  /** Documents for retrieval augmentation. */
  DOCUMENTS = 'documents/',
  /** Evaluation results. */
  EVALUATION = 'evaluation/',
  /** Trained and optimized model artifacts. */
  MODELS = 'models/',
  /**
   * Preference pairs the fine-tuning workflow builds from feedback. Apart from train/, so that what the workflow
   * writes never matches a trigger on uploads under train/.
   */
  PREFERENCES = 'preferences/',
}

/** Every prefix of the store, in a stable order. */
export const DATASET_PREFIXES: readonly DatasetPrefix[] = Object.values(DatasetPrefix);

/** Whether `key` is, or lies under, one of the store's prefixes. */
export function isUnderDatasetPrefix(key: string): boolean {
  return DATASET_PREFIXES.some((p) => key === p || key.startsWith(p));
}
