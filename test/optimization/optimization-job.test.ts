/** The CreateOptimizationJob request builder: the exact request per technique, and a `fails when` test per rule. */
import {
  buildOptimizationJobRequest, DEFAULT_MAX_RUNTIME_SECONDS, MAX_OVERRIDE_VARIABLES, OptimizationInputError, optimizationJobIssues,
  OptimizationTechnique, type OptimizationJobOptions,
} from '../../scripts/lib/optimization';
import { InstanceType } from '../../lib/sizing';

const ROLE = 'arn:aws:iam::123456789012:role/ModelOptimizationRole';
const SOURCE = 's3://store-bucket/models/llama-3.1-8b-instruct/';
const OUTPUT = 's3://store-bucket/models/optimized/llama-8b-awq/';
const BASE: OptimizationJobOptions = {
  jobName: 'llama-8b-awq-1', roleArn: ROLE, source: SOURCE, output: OUTPUT, instanceType: 'ml.g6e.12xlarge', technique: 'awq',
};

/** The issues of `BASE` with `changes`; `BASE` itself has none. */
function issues(changes: Partial<OptimizationJobOptions>): string[] {
  return optimizationJobIssues({ ...BASE, ...changes });
}

describe('the request per technique', () => {
  test('awq: one ModelQuantizationConfig with OPTION_QUANTIZE=awq, default 10-hour stop, nothing optional sent', () => {
    // GIVEN / WHEN
    const request = buildOptimizationJobRequest(BASE);
    // THEN
    expect(request).toEqual({
      OptimizationJobName: 'llama-8b-awq-1',
      RoleArn: ROLE,
      ModelSource: { S3: { S3Uri: SOURCE } },
      DeploymentInstanceType: 'ml.g6e.12xlarge',
      OptimizationConfigs: [{ ModelQuantizationConfig: { OverrideEnvironment: { OPTION_QUANTIZE: 'awq' } } }],
      OutputConfig: { S3OutputLocation: OUTPUT },
      StoppingCondition: { MaxRuntimeInSeconds: DEFAULT_MAX_RUNTIME_SECONDS },
    });
    expect(Object.keys(request)).not.toEqual(expect.arrayContaining(['Tags']));
    expect(Object.keys(request.OptimizationConfigs![0].ModelQuantizationConfig!)).toEqual(['OverrideEnvironment']);
  });

  test('fp8 on an FP8-capable GPU (L40S) with --tp: OPTION_QUANTIZE=fp8 and OPTION_TENSOR_PARALLEL_DEGREE', () => {
    const request = buildOptimizationJobRequest({ ...BASE, technique: OptimizationTechnique.FP8, tensorParallelDegree: 4 });
    expect(request.OptimizationConfigs).toEqual([
      { ModelQuantizationConfig: { OverrideEnvironment: { OPTION_QUANTIZE: 'fp8', OPTION_TENSOR_PARALLEL_DEGREE: '4' } } },
    ]);
  });

  test('smoothquant: quantization plus a TensorRT-LLM compilation, as the SmoothQuant container requires', () => {
    const request = buildOptimizationJobRequest({ ...BASE, technique: 'smoothquant', tensorParallelDegree: 2 });
    expect(request.OptimizationConfigs).toEqual([
      { ModelQuantizationConfig: { OverrideEnvironment: { OPTION_QUANTIZE: 'smoothquant', OPTION_TENSOR_PARALLEL_DEGREE: '2' } } },
      { ModelCompilationConfig: { OverrideEnvironment: { OPTION_TENSOR_PARALLEL_DEGREE: '2' } } },
    ]);
  });

  test('compile-trtllm without --tp or --env: an empty ModelCompilationConfig, SageMaker picks the image', () => {
    const request = buildOptimizationJobRequest({ ...BASE, technique: 'compile-trtllm' });
    expect(request.OptimizationConfigs).toEqual([{ ModelCompilationConfig: {} }]);
  });

  test('compile-neuron is refused: its transformers-neuronx output is not what the kit\'s Neuron container loads', () => {
    expect(() => buildOptimizationJobRequest({ ...BASE, technique: 'compile-neuron', instanceType: InstanceType.INF2_24XLARGE, tensorParallelDegree: 12 }))
      .toThrow(/transformers-neuronx model .*which ServingContainer\.NEURON \(optimum-neuron\) cannot load/);
  });

  test('every optional setting lands where the API expects it', () => {
    // GIVEN
    const image = '763104351884.dkr.ecr.us-east-1.amazonaws.com/djl-inference:0.33.0-lmi15.0.0-cu128';
    const kmsKeyId = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    // WHEN
    const request = buildOptimizationJobRequest({
      ...BASE, image, kmsKeyId, maxRuntimeSeconds: 3600, acceptEula: true,
      environment: { OPTION_MAX_MODEL_LEN: '8192' },
      tags: { project: 'chatbot', env: 'dev' },
      vpc: { subnets: ['subnet-0abc', 'subnet-0def'], securityGroupIds: ['sg-0123'] },
    });
    // THEN
    expect(request).toEqual({
      OptimizationJobName: 'llama-8b-awq-1',
      RoleArn: ROLE,
      ModelSource: { S3: { S3Uri: SOURCE, ModelAccessConfig: { AcceptEula: true } } },
      DeploymentInstanceType: 'ml.g6e.12xlarge',
      OptimizationConfigs: [{ ModelQuantizationConfig: { Image: image, OverrideEnvironment: { OPTION_QUANTIZE: 'awq', OPTION_MAX_MODEL_LEN: '8192' } } }],
      OutputConfig: { S3OutputLocation: OUTPUT, KmsKeyId: kmsKeyId },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      Tags: [{ Key: 'project', Value: 'chatbot' }, { Key: 'env', Value: 'dev' }],
      VpcConfig: { Subnets: ['subnet-0abc', 'subnet-0def'], SecurityGroupIds: ['sg-0123'] },
    });
  });

  test('instance types newer than the sizing catalog pass on the API list: fp8 on ml.p6-b200, Neuron on ml.trn1n', () => {
    expect(issues({ technique: 'fp8', instanceType: 'ml.p6-b200.48xlarge' })).toEqual([]);
    expect(issues({ technique: 'compile-trtllm', instanceType: 'ml.p6-b200.48xlarge' })).toEqual([]);
  });
});

describe('validation', () => {
  test.each<[string, Partial<OptimizationJobOptions>, RegExp]>([
    ['the name breaks the SageMaker pattern (and a fixed name is suggested)', { jobName: 'llama_8b awq!' },
      /^jobName is "llama_8b awq!": use 1-63 letters, digits and hyphens .* e\.g\. llama-8b-awq\.$/],
    ['the name is longer than 63 characters', { jobName: 'a'.repeat(64) }, /^jobName is "a{64}": use 1-63/],
    ['the role is not an IAM role ARN', { roleArn: 'ModelOptimizationRole' }, /^roleArn is "ModelOptimizationRole": use an IAM role ARN/],
    ['the source is a Hugging Face id', { source: 'meta-llama/Llama-3.1-8B-Instruct' },
      /^source is "meta-llama\/Llama-3.1-8B-Instruct", which looks like a Hugging Face id: CreateOptimizationJob reads weights from S3 only/],
    ['the source is a compressed archive', { source: 's3://store-bucket/models/model.tar.gz' },
      /^source is "s3:\/\/store-bucket\/models\/model.tar.gz", an archive: .* extract the archive to a prefix ending in \/, e\.g\. s3:\/\/store-bucket\/models\/\.$/],
    ['the output does not end in /', { output: 's3://store-bucket/models/optimized' },
      /^output is "s3:\/\/store-bucket\/models\/optimized": end the S3 prefix with \/ \(s3:\/\/store-bucket\/models\/optimized\/\)/],
    ['the output is not S3', { output: 'https://example.com/out/' }, /^output is "https:\/\/example.com\/out\/": use an S3 prefix/],
    ['the output lies inside the source', { output: `${SOURCE}awq/` }, /^output is .*, which overlaps source .*: write the optimized weights to a prefix outside/],
    ['the technique is unknown', { technique: 'gptq' as never }, /^technique is "gptq": use one of awq, fp8, smoothquant, compile-trtllm, compile-neuron\.$/],
    ['the instance is not one CreateOptimizationJob accepts', { instanceType: 'ml.m5.xlarge' },
      /^instanceType is "ml.m5.xlarge", which CreateOptimizationJob does not accept: use one of .*ml\.g6e\.12xlarge/],
    ['the tensor parallel degree is not a whole number', { tensorParallelDegree: 1.5 }, /^tensorParallelDegree is 1.5: use a whole number of at least 1/],
    ['the tensor parallel degree exceeds the GPUs', { tensorParallelDegree: 8 },
      /^tensorParallelDegree is 8 but ml.g6e.12xlarge has 4 GPUs \(4x L40S\): use at most 4, or a larger instance\.$/],
    ['the image is not an ECR URI', { image: 'djl-inference:latest' }, /^image is "djl-inference:latest": use an LMI image URI in ECR/],
    ['the max runtime is over 28 days', { maxRuntimeSeconds: 2_419_201 }, /^maxRuntimeSeconds is 2419201: use whole seconds from 1 to 2419200/],
    ['the max runtime is 0', { maxRuntimeSeconds: 0 }, /^maxRuntimeSeconds is 0: use whole seconds/],
    ['the KMS key has characters the API rejects', { kmsKeyId: 'my key!' }, /^kmsKeyId is "my key!": use a KMS key ARN, key id or alias/],
    ['the environment sets OPTION_QUANTIZE', { environment: { OPTION_QUANTIZE: 'gptq' } }, /^environment sets OPTION_QUANTIZE, which technique sets/],
    ['the environment sets the tensor parallel degree', { environment: { OPTION_TENSOR_PARALLEL_DEGREE: '4' } },
      /^environment sets OPTION_TENSOR_PARALLEL_DEGREE: remove it and use tensorParallelDegree instead\.$/],
    ['an environment key is blank', { environment: { ' ': '1' } }, /^environment has the key " ": use a non-blank name of at most 256 characters\.$/],
    ['an environment value is longer than 256 characters', { environment: { OPTION_X: 'v'.repeat(257) } },
      /^environment OPTION_X is 257 characters long: the API allows at most 256 per value\.$/],
    ['a tag uses the reserved aws: prefix', { tags: { 'aws:owner': 'me' } }, /^tags has the key "aws:owner": the aws: prefix is reserved/],
    ['a tag value has characters the API rejects', { tags: { team: 'a;b' } }, /^tags team is "a;b": use at most 256 letters/],
    ['there are more than 50 tags', { tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) },
      /^tags gives 51 tags: a job takes at most 50; drop 1\.$/],
    ['the VPC has subnets but no security group', { vpc: { subnets: ['subnet-0abc'], securityGroupIds: [] } },
      /^securityGroupIds gives 0: a VPC job needs 1 to 5, e\.g\. sg-/],
    ['the VPC has more than 16 subnets', { vpc: { subnets: Array.from({ length: 17 }, (_, i) => `subnet-${i}`), securityGroupIds: ['sg-1'] } },
      /^subnets gives 17: a VPC job needs 1 to 16/],
    ['a subnet id has characters the API rejects', { vpc: { subnets: ['subnet_0abc'], securityGroupIds: ['sg-1'] } },
      /^subnets has "subnet_0abc": use an id such as subnet-/],
  ])('fails when %s', (_case, changes, expected) => {
    const found = issues(changes);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(expected);
  });

  describe('technique and hardware', () => {
    test.each<[string, Partial<OptimizationJobOptions>, RegExp]>([
      ['awq runs on a Neuron instance', { instanceType: 'ml.inf2.48xlarge' },
        /^technique is "awq" but instanceType ml.inf2.48xlarge \(12x Inferentia2\) is an AWS Neuron instance: quantization and TensorRT-LLM need an NVIDIA GPU/],
      ['compile-trtllm runs on Trainium', { technique: 'compile-trtllm', instanceType: 'ml.trn1.32xlarge' }, /is an AWS Neuron instance: .*serve the uncompressed weights with ServingContainer\.NEURON/],
      ['compile-neuron is asked for', { technique: 'compile-neuron' }, /^technique is "compile-neuron": SageMaker's Neuron compilation writes a transformers-neuronx model/],
      ['fp8 runs on Ampere A10G (g5)', { technique: 'fp8', instanceType: 'ml.g5.12xlarge' },
        /^technique is "fp8" but instanceType ml.g5.12xlarge \(4x A10G\) has Ampere GPUs without FP8 tensor cores: use an FP8-capable instance \(ml.g6, ml.g6e, ml.p5, ml.p5e, ml.p5en: Ada Lovelace or Hopper\), or awq or smoothquant on this one\.$/],
      ['fp8 runs on Ampere A100 (p4d)', { technique: 'fp8', instanceType: 'ml.p4d.24xlarge' }, /has Ampere GPUs without FP8 tensor cores/],
      ['any technique runs on T4 (g4dn)', { instanceType: 'ml.g4dn.12xlarge' }, /^instanceType is ml.g4dn.12xlarge \(4x T4\): quantization and compilation are not supported on g4dn/],
      ['the tensor parallel degree exceeds the GPUs', { technique: 'compile-trtllm', instanceType: 'ml.g6.2xlarge', tensorParallelDegree: 4 },
        /^tensorParallelDegree is 4 but ml.g6.2xlarge has 1 GPU/],
    ])('fails when %s', (_case, changes, expected) => {
      const found = issues(changes);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(expected);
    });

    test('awq and fp8 run on g6 (L4, Ada), smoothquant on p4d (A100): no issues', () => {
      expect(issues({ technique: 'fp8', instanceType: 'ml.g6.12xlarge' })).toEqual([]);
      expect(issues({ technique: 'awq', instanceType: 'ml.g6.xlarge' })).toEqual([]);
      expect(issues({ technique: 'smoothquant', instanceType: 'ml.p4d.24xlarge', tensorParallelDegree: 8 })).toEqual([]);
    });
  });

  describe('the 25-variable limit of OverrideEnvironment', () => {
    const vars = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`OPTION_X${i}`, '1']));

    test('24 variables plus OPTION_QUANTIZE is 25: allowed', () => {
      expect(issues({ environment: vars(24) })).toEqual([]);
    });

    test('fails when 24 variables plus OPTION_QUANTIZE and OPTION_TENSOR_PARALLEL_DEGREE make 26', () => {
      expect(issues({ environment: vars(24), tensorParallelDegree: 2 })).toEqual([
        `environment gives 24 variables and technique awq adds 2: 26 in ModelQuantizationConfig.OverrideEnvironment, over the API's limit of ${MAX_OVERRIDE_VARIABLES}; drop 1.`,
      ]);
    });

    test('fails when compilation gets 26: the limit applies to each configuration', () => {
      expect(issues({ technique: 'compile-trtllm', environment: vars(26) })).toEqual([
        'environment gives 26 variables and technique compile-trtllm adds 0: 26 in ModelCompilationConfig.OverrideEnvironment, over the API\'s limit of 25; drop 1.',
      ]);
    });
  });

  test('fails when everything is missing, listing every problem at once', () => {
    expect(optimizationJobIssues({})).toEqual([
      'jobName is missing: give the job a name, e.g. llama-8b-awq-1.',
      'roleArn is missing: pass the ARN of the kit\'s ModelOptimizationRole (stack output OptimizationRoleArn).',
      'source is missing: pass the S3 prefix of the uncompressed weights, e.g. s3://bucket/models/llama-8b/.',
      'output is missing: pass an S3 prefix for the optimized weights, e.g. s3://bucket/optimized/llama-8b-awq/.',
      'technique is missing: choose one of awq, fp8, smoothquant, compile-trtllm, compile-neuron.',
      'instanceType is missing: pass the instance the model will be served on, e.g. ml.g6e.12xlarge.',
    ]);
  });

  test('the builder throws one OptimizationInputError with every issue, named as the caller spells the fields', () => {
    // GIVEN three problems
    const bad = { ...BASE, jobName: 'bad name', technique: 'fp8' as const, instanceType: 'ml.g5.2xlarge', tensorParallelDegree: 0 };
    // WHEN
    let thrown: unknown;
    try {
      buildOptimizationJobRequest(bad, { jobName: '--name', technique: '--technique', instanceType: '--instance', tensorParallelDegree: '--tp' });
    } catch (error) {
      thrown = error;
    }
    // THEN
    expect(thrown).toBeInstanceOf(OptimizationInputError);
    const error = thrown as OptimizationInputError;
    expect(error.issues).toHaveLength(3);
    expect(error.issues[0]).toMatch(/^--name is "bad name"/);
    expect(error.issues[1]).toMatch(/^--technique is "fp8" but --instance ml.g5.2xlarge \(1x A10G\)/);
    expect(error.issues[2]).toMatch(/^--tp is 0: use a whole number of at least 1/);
    expect(error.message).toMatch(/^Invalid optimization job \(3 problems\):\n {2}- --name/);
  });
});
