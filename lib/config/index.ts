// Environment and scope types and their validation (pure).
export * from './environment';
export * from './dataset-layout';
export * from './capacity-schedule';
export * from './validate';
export { FineTuningMethod, triggerProblems, type TriggerProblem, type TriggerRules } from './training-rules';
// Reads the file system: the seed folders an environment names.
export * from './local-paths';
