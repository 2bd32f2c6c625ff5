// One rule, two vocabularies: the config's validation and the constructs' prop checks report the same rule from
// the same function, each under its own field names.
import { Duration, Stack } from 'aws-cdk-lib';
import { prod } from '../../bin/environments';
import { validateEnvironment } from '../../lib/config';
import { promptTemplateProblems, templateProblemSentence } from '../../lib/config/template-rules';
import { MAX_TRAINING_RUNTIME_SECONDS, stoppingConditionProblems } from '../../lib/config/training-rules';
import { DatasetStore } from '../../lib/constructs/dataset-store';
import { FineTuningBackend, ModelApproval } from '../../lib/constructs/fine-tuning-backend';
import { FineTuningWorkflow } from '../../lib/constructs/fine-tuning-workflow';
import { ApiBackend } from '../../lib/constructs/api-backend';
import { GenerativeApi } from '../../lib/constructs/generative-api';
import { InferenceEndpoint } from '../../lib/constructs/inference-endpoint';
import { newApp } from '../support/synth';

const env = { account: '111122223333', region: 'us-east-1' };
const templates = [
  { id: 'answer', version: '1', user: 'Q: {{question}}' },
  { id: 'answer', version: ' ', user: 'Q: {{question}' },
  { id: 'Bad Id', version: '1', user: '' },
];

test('the template rules find every problem of a list once', () => {
  expect(promptTemplateProblems(templates).map((p) => `${p.field} ${p.problem}`)).toEqual([
    '[1].id is used twice; ids must be unique',
    '[1].version is missing; every answer reports the template version it used',
    '[1].user has an unmatched "{{"',
    '[2].id is not a template id; allowed: lowercase letters, digits and hyphens, at most 64',
    '[2].user is empty',
  ]);
});

test('config validation and GenerativeApi report the same template problems, under their own paths', () => {
  const configProblems = validateEnvironment({ ...prod, serving: { ...prod.serving, api: { ...prod.serving!.api, promptTemplates: templates } } }, 'prod');
  const fromConfig = configProblems.filter((p) => p.path.includes('promptTemplates')).map((p) => `${p.path.replace(/^prod\.serving\.api\.promptTemplates/, '')} ${p.message}`);
  const expected = promptTemplateProblems(templates).map((p) => `${p.field} ${p.problem}`);
  expect(fromConfig).toEqual(expected);

  const stack = new Stack(newApp(), 'S', { env });
  const build = () => new GenerativeApi(stack, 'Api', {
    backend: ApiBackend.endpoint(InferenceEndpoint.fromEndpointAttributes(stack, 'E', { endpointName: 'x' }), { displayName: 'x' }),
    datasets: new DatasetStore(stack, 'D'), limits: { maxInputTokens: 100, maxOutputTokens: 100 }, throttling: { rateLimit: 1, burstLimit: 1 },
    promptTemplates: templates,
  });
  let message = '';
  try { build(); } catch (error) { message = (error as Error).message; }
  for (const p of promptTemplateProblems(templates)) expect(message).toContain(templateProblemSentence('promptTemplates', p));
});

test('the stopping-condition rules: a spot wait under the runtime, a runtime over 28 days', () => {
  const hours = (s: number) => `${s / 3600} hours`;
  expect(stoppingConditionProblems(10 * 3600, 5 * 3600, hours).map((p) => p.field)).toEqual(['maxWait']);
  expect(stoppingConditionProblems(MAX_TRAINING_RUNTIME_SECONDS + 1, undefined, (s) => `${s} s`)).toEqual([
    { field: 'maxRuntime', problem: 'is 2419201 s; SageMaker allows at most 28 days', fix: 'lower it to 2419200 s or less' },
  ]);
  expect(stoppingConditionProblems(MAX_TRAINING_RUNTIME_SECONDS, MAX_TRAINING_RUNTIME_SECONDS, hours)).toEqual([]);
});

test('config validation and FineTuningWorkflow report a short spot wait with the same rule', () => {
  const configProblems = validateEnvironment({ ...prod, adaptation: { ...prod.adaptation!, spot: true, maxRuntimeHours: 10, maxWaitHours: 5 } }, 'prod');
  const [rule] = stoppingConditionProblems(10 * 3600, 5 * 3600, (s) => `${s / 3600} hours`);
  expect(configProblems.filter((p) => p.path === 'prod.adaptation.maxWaitHours').map((p) => [p.message, p.fix]))
    .toEqual([[rule.problem.replace(/^is [^,]*, /, 'is '), rule.fix]]);
  const stack = new Stack(newApp(), 'W', { env });
  expect(() => new FineTuningWorkflow(stack, 'Tune', {
    datasets: new DatasetStore(stack, 'D'), gate: { thresholds: { rouge_l: { min: 0.3 } } }, approval: ModelApproval.AUTOMATIC,
    backend: FineTuningBackend.sagemaker({ baseModel: 'Qwen/Qwen2.5-7B-Instruct', spot: true, maxRuntime: Duration.hours(10), maxWait: Duration.hours(5) }),
  })).toThrow(`backend.maxWait ${stoppingConditionProblems(36_000, 18_000, (s) => Duration.seconds(s).toHumanString())[0].problem}: ${rule.fix}.`);
});
