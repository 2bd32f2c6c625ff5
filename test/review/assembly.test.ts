/** Reading a cloud assembly: environments from nested assemblies, templates, declared acknowledgements, the report. */
import { AssemblyError, readCloudAssembly, type AssemblyReader } from '../../scripts/lib/review';
import { environment, HEAD_DIR, load } from './fixtures';

function files(map: Record<string, unknown>): AssemblyReader {
  return (path) => (path in map ? (typeof map[path] === 'string' ? map[path] as string : JSON.stringify(map[path])) : undefined);
}

describe('readCloudAssembly', () => {
  const head = load(HEAD_DIR);

  test('one environment per nested assembly, named by its display name, with its stacks', () => {
    expect(head.environments.map((e) => e.name)).toEqual(['Dev', 'Prod']);
    const prod = environment(head, 'Prod');
    expect(prod.directory).toBe('assembly-Prod');
    expect(prod.stacks.map((s) => [s.stackName, s.artifactId, s.displayName, s.region])).toEqual([
      ['Prod-Data', 'ProdData90A795AA', 'Prod/Data', 'us-west-2'],
      ['Prod-Serving', 'ProdServingE95F2C1F', 'Prod/Serving', 'us-west-2'],
      ['Prod-Adaptation', 'ProdAdaptationA9703B74', 'Prod/Adaptation', 'us-west-2'],
    ]);
    expect(Object.keys(prod.stacks[0].template.Resources ?? {})).toContain('DatasetStoreC0FFEE12');
  });

  test('acknowledgements come from the metadata file or the manifest, without the Annotation:: prefix', () => {
    const serving = environment(head, 'Prod').stacks[1];
    expect(serving.acknowledgements).toEqual([
      { id: 'AwsSolutions-COG4', constructPath: 'Prod/Serving/Api', reason: 'Methods use IAM (SigV4) authorization, not Cognito.' },
      { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', constructPath: 'Prod/Serving/Api/Handler', reason: 'The handler writes only its own logs.' },
      { id: 'cdk-validator-cfnguard::lambda_inside_vpc_check', constructPath: 'Prod/Serving/Api/Handler', reason: 'CT.LAMBDA.PR.3: the handler calls only AWS APIs over TLS with IAM.' },
    ]);
    expect(environment(head, 'Dev').stacks[0].acknowledgements.map((a) => a.id)).toEqual(['AwsSolutions-IAM5[Action::logs:*]']);
  });

  test('the validation report is read when present, and is empty when there is none', () => {
    expect(head.pluginReports.map((r) => r.pluginName)).toEqual(['cdk-validator-cfnguard', 'genai-lifecycle-cdk-rules', 'CloudFormation Validate']);
    expect(readCloudAssembly(files({ 'manifest.json': { artifacts: {} } })).pluginReports).toEqual([]);
  });

  test('stacks outside any stage form an environment named App; an unknown region is left out', () => {
    const assembly = readCloudAssembly(files({
      'manifest.json': { artifacts: { Solo: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'Solo.template.json' } } } },
      'Solo.template.json': { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } },
    }));
    expect(assembly.environments).toEqual([{
      name: 'App', directory: '.', stacks: [{ artifactId: 'Solo', stackName: 'Solo', displayName: 'Solo', region: undefined, template: { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } }, acknowledgements: [] }],
    }]);
  });

  test('fails when a manifest or template is missing or is not JSON, naming every file', () => {
    expect(() => readCloudAssembly(files({}))).toThrow(new AssemblyError(['manifest.json does not exist']));
    let error: unknown;
    try {
      readCloudAssembly(files({
        'manifest.json': { artifacts: { 'assembly-Dev': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Dev' } }, 'assembly-Prod': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Prod' } } } },
        'assembly-Dev/manifest.json': { artifacts: { DevA: { type: 'aws:cloudformation:stack' } } },
        'assembly-Prod/manifest.json': '{ not json',
      }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssemblyError);
    expect((error as AssemblyError).problems).toEqual([
      'assembly-Dev/DevA.template.json does not exist',
      expect.stringMatching(/^assembly-Prod\/manifest\.json is not JSON \(/),
    ]);
  });
});
