/** The Bedrock customization catalog: regions, customization ids, hyperparameter ranges, data formats, sources. */
import { Lazy } from 'aws-cdk-lib';
import {
  BEDROCK_CUSTOMIZATION_MODELS,
  BEDROCK_CUSTOMIZATION_VALIDATION_METRICS_COLUMNS,
  checkBedrockCustomization,
  customizationModelIdentifier,
  findCustomizationModel,
} from '../../lib/bedrock/customization-catalog';

const LLAMA31_8B = 'meta.llama3-1-8b-instruct-v1:0';

describe('checkBedrockCustomization', () => {
  test('Llama 3.1 8B in us-east-1 fails, naming us-west-2, the :128k id and the source page', () => {
    // WHEN
    const problems = checkBedrockCustomization({ baseModelId: LLAMA31_8B, region: 'us-east-1' });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^adaptation\.baseModel: "meta\.llama3-1-8b-instruct-v1:0" cannot be customized in us-east-1/);
    expect(problems[0]).toContain('only in us-west-2');
    expect(problems[0]).toContain('"meta.llama3-1-8b-instruct-v1:0:128k"');
    expect(problems[0]).toContain('Customize a model with fine-tuning in Amazon Bedrock');
    expect(problems[0]).toContain('deploy this environment to us-west-2');
    // the models that do work in us-east-1 are offered instead
    expect(problems[0]).toContain('amazon.nova-micro-v1:0');
  });

  test('Llama 3.1 8B in us-west-2 with prompt/completion data and in-range hyperparameters passes', () => {
    // WHEN
    const problems = checkBedrockCustomization({
      baseModelId: LLAMA31_8B,
      region: 'us-west-2',
      customizationType: 'FINE_TUNING',
      trainingDataFormat: 'prompt-completion',
      hyperParameters: { epochCount: '5', batchSize: '1', learningRate: '0.0001' },
    });
    // THEN
    expect(problems).toEqual([]);
  });

  test('the customization id is accepted as well as the base id', () => {
    expect(checkBedrockCustomization({ baseModelId: 'meta.llama3-1-8b-instruct-v1:0:128k', region: 'us-west-2' })).toEqual([]);
  });

  test.each([
    ['epochCount', '11', /from 1 to 10 \(default 5\)/],
    ['epochCount', '2.5', /not a whole number.*from 1 to 10/],
    ['learningRate', '0.5', /from 5e-6 to 0\.1 \(default 1e-4\)/],
    ['learningRate', '0.000001', /from 5e-6 to 0\.1/],
    ['learningRate', 'fast', /is not a number/],
    ['batchSize', '8', /exactly 1/],
  ])('Llama 3.1 %s=%s fails with the range', (name, value, expected) => {
    // WHEN
    const problems = checkBedrockCustomization({ baseModelId: LLAMA31_8B, region: 'us-west-2', hyperParameters: { [name]: value } });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^adaptation\\.hyperParameters\\.${name}: "${value.replace('.', '\\.')}"`));
    expect(problems[0]).toMatch(expected);
    expect(problems[0]).toContain('Meta Llama 3.1 model customization hyperparameters');
  });

  test('an unknown hyperparameter name fails with the allowed names and a did-you-mean', () => {
    // WHEN
    const problems = checkBedrockCustomization({ baseModelId: LLAMA31_8B, region: 'us-west-2', hyperParameters: { epochcount: '3' } });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^adaptation\.hyperParameters\.epochcount: "3" is not a hyperparameter of Meta Llama 3\.1 8B Instruct/);
    expect(problems[0]).toContain('allowed: epochCount, batchSize, learningRate');
    expect(problems[0]).toContain('(did you mean "epochCount"?)');
  });

  test('conversational (messages) data for Llama 3.1 is rejected, pointing at prompt/completion', () => {
    // WHEN
    const problems = checkBedrockCustomization({ baseModelId: LLAMA31_8B, region: 'us-west-2', trainingDataFormat: 'messages' });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^adaptation\.trainingDataFormat: "messages" is not what Meta Llama 3\.1 8B Instruct fine-tunes on/);
    expect(problems[0]).toContain('prompt/completion');
    expect(problems[0]).toContain('Prepare your training datasets for fine-tuning and continued pre-training');
    // the kit's dataset format name is understood too
    expect(checkBedrockCustomization({ baseModelId: LLAMA31_8B, region: 'us-west-2', trainingDataFormat: 'chat' })).toHaveLength(1);
    expect(checkBedrockCustomization({ baseModelId: LLAMA31_8B, region: 'us-west-2', trainingDataFormat: 'sft' })).toEqual([]);
  });

  test('Llama 3.2 takes messages, not prompt/completion', () => {
    expect(checkBedrockCustomization({ baseModelId: 'meta.llama3-2-3b-instruct-v1:0', region: 'us-west-2', trainingDataFormat: 'messages' })).toEqual([]);
    expect(checkBedrockCustomization({ baseModelId: 'meta.llama3-2-3b-instruct-v1:0', region: 'us-west-2', trainingDataFormat: 'prompt-completion' })).toHaveLength(1);
  });

  test('an unknown model lists the catalog ids, with a did-you-mean', () => {
    // WHEN
    const problems = checkBedrockCustomization({ baseModelId: 'meta.llama3-1-8b-instruct', region: 'us-west-2' });
    // THEN
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^adaptation\.baseModel: "meta\.llama3-1-8b-instruct" is not a base model the Bedrock customization catalog knows/);
    for (const m of BEDROCK_CUSTOMIZATION_MODELS) expect(problems[0]).toContain(m.baseModelId);
    expect(problems[0]).toContain('did you mean "meta.llama3-1-8b-instruct-v1:0"');
  });

  test('a retired model (Cohere Command) says so', () => {
    const problems = checkBedrockCustomization({ baseModelId: 'cohere.command-light-text-v14:7:4k', region: 'us-east-1' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('can no longer be customized');
    expect(problems[0]).toContain('September 15, 2025');
  });

  test('an unresolved token region is not checked', () => {
    // GIVEN
    const region = Lazy.string({ produce: () => 'us-east-1' });
    expect(region).toContain('${Token[');
    // WHEN / THEN
    expect(checkBedrockCustomization({ baseModelId: LLAMA31_8B, region })).toEqual([]);
  });

  test('every problem is reported at once, under the field given', () => {
    // WHEN
    const problems = checkBedrockCustomization(
      { baseModelId: LLAMA31_8B, region: 'eu-west-1', customizationType: 'CONTINUED_PRE_TRAINING', hyperParameters: { epochCount: '0', batchSize: '2' } },
      'prod.adaptation',
    );
    // THEN
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'prod.adaptation.customizationType',
      'prod.adaptation.baseModel',
      'prod.adaptation.hyperParameters.epochCount',
      'prod.adaptation.hyperParameters.batchSize',
    ]);
    expect(problems[0]).toContain('amazon.titan-text-express-v1');
    expect(problems[1]).toContain('no catalogued model is customizable in eu-west-1');
  });

  test('an unknown customization type lists the API values', () => {
    const problems = checkBedrockCustomization({ baseModelId: LLAMA31_8B, region: 'us-west-2', customizationType: 'FINETUNING' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('FINE_TUNING, CONTINUED_PRE_TRAINING, DISTILLATION, REINFORCEMENT_FINE_TUNING');
    expect(problems[0]).toContain('did you mean "FINE_TUNING"');
  });

  test('Nova and Claude 3 Haiku ranges come from their own pages', () => {
    expect(checkBedrockCustomization({ baseModelId: 'amazon.nova-lite-v1:0', region: 'us-east-1', hyperParameters: { epochCount: '6' } })[0]).toMatch(/from 1 to 5 \(default 2\).*Amazon Nova Understanding model customization hyperparameters/);
    expect(checkBedrockCustomization({ baseModelId: 'anthropic.claude-3-haiku-20240307-v1:0', region: 'us-west-2', hyperParameters: { batchSize: '2' } })[0]).toMatch(/from 4 to 256 \(default 32\)/);
  });

  test('rows whose ranges are unconfirmed are not range-checked', () => {
    expect(checkBedrockCustomization({ baseModelId: 'meta.llama3-3-70b-instruct-v1:0', region: 'us-west-2', hyperParameters: { epochCount: '99' }, trainingDataFormat: 'sft' })).toEqual([]);
  });
});

describe('catalog data', () => {
  test('every row has a source, the read date, regions and a distinct customization id', () => {
    for (const m of BEDROCK_CUSTOMIZATION_MODELS) {
      expect(m.source.length).toBeGreaterThan(10);
      expect(m.read).toBe('2026-12-02');
      expect(m.regions.length).toBeGreaterThan(0);
      expect(m.customizationTypes.length).toBeGreaterThan(0);
      expect(m.customizationModelId.startsWith(m.baseModelId)).toBe(true);
      if (m.unconfirmedFields?.length) expect(m.unconfirmed).toBe(true);
      if (m.unconfirmed) expect(m.note).toBeTruthy();
    }
    const ids = BEDROCK_CUSTOMIZATION_MODELS.flatMap((m) => [m.baseModelId, m.customizationModelId]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('covers the models asked for', () => {
    const names = BEDROCK_CUSTOMIZATION_MODELS.map((m) => m.name);
    for (const n of ['Titan Text G1 - Express', 'Titan Text G1 - Lite', 'Nova Micro', 'Nova Lite', 'Nova Pro', 'Claude 3 Haiku', 'Llama 3.1 8B', 'Llama 3.1 70B', 'Llama 3.2 1B', 'Llama 3.2 3B', 'Llama 3.2 11B', 'Llama 3.2 90B']) {
      expect(names.some((name) => name.includes(n))).toBe(true);
    }
  });

  test('the Llama 3.1 8B row matches compatibility-facts.md', () => {
    const m = findCustomizationModel(LLAMA31_8B)!;
    expect(m.customizationModelId).toBe('meta.llama3-1-8b-instruct-v1:0:128k');
    expect(m.regions).toEqual(['us-west-2']);
    expect(m.trainingDataFormat).toBe('prompt-completion');
    expect(m.hyperParameters).toEqual([
      { name: 'epochCount', min: 1, max: 10, default: 5, integer: true },
      { name: 'batchSize', min: 1, max: 1, default: 1, integer: true },
      { name: 'learningRate', min: 5e-6, max: 0.1, default: 1e-4 },
    ]);
  });

  test('validation_metrics.csv columns', () => {
    expect(BEDROCK_CUSTOMIZATION_VALIDATION_METRICS_COLUMNS).toEqual(['step_number', 'epoch_number', 'validation_loss', 'perplexity']);
  });
});

describe('customizationModelIdentifier / findCustomizationModel', () => {
  test('maps the base id to the customization id, and keeps a customization id', () => {
    expect(customizationModelIdentifier(LLAMA31_8B)).toBe('meta.llama3-1-8b-instruct-v1:0:128k');
    expect(customizationModelIdentifier('amazon.titan-text-lite-v1')).toBe('amazon.titan-text-lite-v1:0:4k');
    expect(customizationModelIdentifier('amazon.nova-pro-v1:0:300k')).toBe('amazon.nova-pro-v1:0:300k');
  });

  test('finds a row by foundation-model ARN', () => {
    expect(findCustomizationModel(`arn:aws:bedrock:us-west-2::foundation-model/${LLAMA31_8B}`)?.baseModelId).toBe(LLAMA31_8B);
    expect(findCustomizationModel('no.such-model')).toBeUndefined();
  });

  test('an unknown id throws, listing the catalog; a token passes through', () => {
    expect(() => customizationModelIdentifier('no.such-model')).toThrow(/not a Bedrock model the customization catalog knows; known: .*meta\.llama3-1-8b-instruct-v1:0 \(meta\.llama3-1-8b-instruct-v1:0:128k\)/);
    const token = Lazy.string({ produce: () => LLAMA31_8B });
    expect(customizationModelIdentifier(token)).toBe(token);
  });
});
