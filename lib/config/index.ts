// Environment and scope types and their validation (pure).
export * from './environment';
export * from './dataset-layout';
export * from './capacity-schedule';
export * from './validate';
// Reads the file system: the seed folders an environment names.
export * from './local-paths';
