// The geographies of Bedrock's cross-region inference: a name the config and BedrockModelSource share. Pure.

/** The geographies of Bedrock's system-defined cross-region inference profiles (the id prefix). */
export enum CrossRegionGeography {
  US = 'us',
  EU = 'eu',
  APAC = 'apac',
  /** Routes to any commercial region. */
  GLOBAL = 'global',
}
