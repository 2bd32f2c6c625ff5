// Serving containers, typed quantization and container settings for InferenceEndpoint: pure, no aws-cdk-lib.
export * from './containers';
export * from './endpoint';
export * from './quantization';
export * from './regions';
export * from './settings';
export * from './host';
export * from './revision';
