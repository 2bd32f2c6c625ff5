// A stage of the kit's app, synthesized for simulation: the context that makes the CLI's asset and path
// metadata appear (the simulation finds each Lambda bundle and seed folder through it), and the dataset
// store filled with what the stage's seeds copy in at deploy time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { S3StandIn } from '../standins';
import type { DeployedStage } from './assembly';

/** What the CDK CLI adds to an app's context: asset and construct-path metadata in the templates. */
export const SIMULATION_CONTEXT = { 'aws:cdk:enable-asset-metadata': true, 'aws:cdk:enable-path-metadata': true } as const;

/**
 * Copies each seed of the stage (aws-cdk-lib's BucketDeployment custom resources) into the S3 stand-in as a
 * deploy would: the staged asset folder's files under the destination prefix. Returns the keys written.
 */
export function seedStore(stage: DeployedStage, s3: S3StandIn): string[] {
  const written: string[] = [];
  for (const stack of stage.stacks) {
    const manifestFile = fs.readdirSync(stack.directory).find((f) => f === `${stackArtifactId(stage, stack.stackName)}.assets.json`);
    const assets = manifestFile ? (JSON.parse(fs.readFileSync(path.join(stack.directory, manifestFile), 'utf8')) as { files: Record<string, { source: { path: string } }> }).files : {};
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      if (!resource.Type.startsWith('Custom::CDKBucketDeployment')) continue;
      const props = stage.resolve(stack, resource.Properties) as { SourceObjectKeys: string[]; DestinationBucketName: string; DestinationBucketKeyPrefix?: string };
      for (const key of props.SourceObjectKeys) {
        const asset = assets[key.replace(/\.zip$/, '')];
        if (!asset) continue;
        const root = path.resolve(stack.directory, asset.source.path);
        for (const file of walk(root)) {
          const objectKey = `${props.DestinationBucketKeyPrefix ?? ''}${path.relative(root, file).split(path.sep).join('/')}`;
          s3.objects.set(`${props.DestinationBucketName}/${objectKey}`, { body: fs.readFileSync(file) });
          written.push(objectKey);
        }
      }
    }
  }
  return written;
}

function stackArtifactId(stage: DeployedStage, stackName: string): string {
  // Artifact ids are the stack's construct path without separators plus a hash; the template file bears it.
  const stack = stage.stacks.find((s) => s.stackName === stackName)!;
  const template = fs.readdirSync(stack.directory).find((f) => f.endsWith('.template.json') && JSON.stringify(JSON.parse(fs.readFileSync(path.join(stack.directory, f), 'utf8'))) === JSON.stringify(stack.template));
  return template ? template.replace(/\.template\.json$/, '') : stackName;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
