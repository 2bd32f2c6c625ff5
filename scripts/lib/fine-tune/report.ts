/**
 * What `npm run fine-tune` says about an execution that ended: what a succeeded one trained, scored and registered,
 * read from its output, and a failure's cause as the display shows it.
 */
import { field, isRecord } from '../cli';
import { MAX_CAUSE_CHARACTERS } from './types';

/**
 * What a succeeded execution made, from its output as the workflow writes it (the SageMaker backend: train,
 * evaluation, metrics, registered; the Bedrock backend: job, metrics).
 */
export function outcomeOf(output: Record<string, unknown>): {
  trainingJob?: string; modelArtifacts?: string; evaluationJob?: string; customizationJob?: string;
  metrics?: Record<string, unknown>; modelPackageArn?: string; approvalStatus?: string; customModelArn?: string;
} {
  const metrics = isRecord(output.metrics) ? output.metrics : undefined;
  return {
    trainingJob: field(output.train, 'TrainingJobName'),
    modelArtifacts: field(output.train, 'ModelS3Uri'),
    evaluationJob: field(output.evaluation, 'TrainingJobName'),
    customizationJob: field(output.job, 'JobName'),
    customModelArn: field(output.job, 'OutputModelArn'),
    metrics: metrics && Object.fromEntries(Object.entries(metrics).filter(([k]) => k !== 's3Uri')),
    modelPackageArn: field(output.registered, 'ModelPackageArn'),
    approvalStatus: field(output.registered, 'ModelApprovalStatus'),
  };
}

/** The lines after "SUCCEEDED": what the workflow trained, how it scored, and what it registered. */
export function summary(output: Record<string, unknown> | null, raw: string | undefined): string[] {
  if (output === null) return [`Its output is not a JSON object: ${raw === undefined ? '(none)' : raw.slice(0, 200)}`];
  const o = outcomeOf(output);
  const lines: string[] = [];
  if (o.trainingJob !== undefined) lines.push(`Training job: ${o.trainingJob}`);
  if (o.modelArtifacts !== undefined) lines.push(`Model artifacts: ${o.modelArtifacts}`);
  if (o.evaluationJob !== undefined) lines.push(`Evaluation job: ${o.evaluationJob}`);
  if (o.customizationJob !== undefined) lines.push(`Customization job: ${o.customizationJob}`);
  if (o.metrics && Object.keys(o.metrics).length > 0) {
    lines.push(`Metrics: ${Object.entries(o.metrics).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}`);
  }
  if (o.customModelArn !== undefined) {
    lines.push(`Custom model: ${o.customModelArn}`);
    return lines;
  }
  lines.push(`Model package: ${o.modelPackageArn ?? 'none registered'}`);
  if (o.approvalStatus !== undefined) {
    lines.push(o.approvalStatus === 'PendingManualApproval' && o.modelPackageArn !== undefined
      ? `Approval status: PendingManualApproval. Approve it with \`aws sagemaker update-model-package --model-package-arn ${o.modelPackageArn} ` +
        '--model-approval-status Approved\`.'
      : `Approval status: ${o.approvalStatus}`);
  }
  return lines;
}

/**
 * A cause as the display shows it: continuation lines indented under the first (a dataset's problems come one a line),
 * and cut at MAX_CAUSE_CHARACTERS, since a task's cause can be a whole API response; --json keeps all of it.
 */
export function displayCause(cause: string): string {
  const shown = cause.length > MAX_CAUSE_CHARACTERS
    ? `${cause.slice(0, MAX_CAUSE_CHARACTERS)}... (${cause.length} characters in all; --json prints the whole cause)`
    : cause;
  return shown.replace(/\r?\n/g, '\n    ');
}
