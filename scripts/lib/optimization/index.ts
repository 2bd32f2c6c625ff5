/**
 * Inference optimization: the `CreateOptimizationJob` request builder and the waiter that `scripts/optimize.ts`
 * runs. Depends on `@aws-sdk/client-sagemaker`, so it is not re-exported from the construct library's index.
 */
export * from './optimization-job';
export * from './wait';
