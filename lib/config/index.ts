// Environment and scope types and their validation (pure).
export * from './environment';
export * from './dataset-layout';
export * from './validate';
