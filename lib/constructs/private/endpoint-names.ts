// Names the endpoint's resources share with its role, metrics and imports.

/** The production variant the kit's endpoints serve from. */
export const ENDPOINT_VARIANT = 'AllTraffic';

/** Adapter inference components are named after the endpoint and the adapter, within SageMaker's 63 characters. */
export function adapterComponentName(endpointName: string, adapter: string): string {
  return `${endpointName.slice(0, 40)}-${adapter}`.slice(0, 63);
}
