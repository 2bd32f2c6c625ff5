// Compatibility facts the kit checks environments against at synth: each row names its source and read date.
export * from './source';
export * from './cuda';
export * from './images';
export * from './inference-amis';
export * from './gpus';
export * from './bedrock-models';
export * from './neuron-cache';
export * from './cloudwatch-metrics';
