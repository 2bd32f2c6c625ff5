/** Compact rendering of intrinsic functions, and state machine definitions read through Fn::Join. */
import { render, stateMachineDefinition, TOKEN_PLACEHOLDER } from '../../scripts/lib/review';

describe('render', () => {
  test.each([
    ['a literal', 'arn:aws:s3:::bucket/*', 'arn:aws:s3:::bucket/*'],
    ['a pseudo parameter', { Ref: 'AWS::AccountId' }, '${AWS::AccountId}'],
    ['a Ref', { Ref: 'Bucket83908E77' }, '<Bucket83908E77>'],
    ['a GetAtt (list form)', { 'Fn::GetAtt': ['Bucket83908E77', 'Arn'] }, '<Bucket83908E77.Arn>'],
    ['a GetAtt (string form)', { 'Fn::GetAtt': 'Bucket83908E77.Arn' }, '<Bucket83908E77.Arn>'],
    ['a Join', { 'Fn::Join': ['', ['arn:aws:logs:us-east-1:', { Ref: 'AWS::AccountId' }, ':log-group:*']] }, 'arn:aws:logs:us-east-1:${AWS::AccountId}:log-group:*'],
    ['a Sub', { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b' }, 'arn:${AWS::Partition}:s3:::b'],
    ['an ImportValue', { 'Fn::ImportValue': 'Shared-Bucket' }, '<import Shared-Bucket>'],
    ['an unknown stack output', { 'Fn::GetStackOutput': { StackName: 'Prod-Data', OutputName: 'Out1' } }, '<Prod-Data:Out1>'],
    ['another function', { 'Fn::If': ['IsProd', 'a', 'b'] }, '<Fn::If>'],
  ])('%s', (_name, value, expected) => {
    expect(render(value)).toBe(expected);
  });

  test('a cross-stack reference renders as the producing stack\'s output value, prefixed by the stack', () => {
    const outputs = (stack: string, output: string) => (stack === 'Prod-Data' && output === 'Out1' ? { 'Fn::GetAtt': ['Datasets9A172240', 'Arn'] } : undefined);
    const value = { 'Fn::Join': ['', [{ 'Fn::GetStackOutput': { StackName: 'Prod-Data', OutputName: 'Out1' } }, '/captures/*']] };
    expect(render(value, { outputs })).toBe('<Prod-Data:Datasets9A172240.Arn>/captures/*');
  });
});

describe('stateMachineDefinition', () => {
  test('joins the string parts of an Fn::Join, putting a placeholder where a token was', () => {
    const definition = stateMachineDefinition({
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { DefinitionString: { 'Fn::Join': ['', ['{"States":{"A":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '"}}}']] } },
    });
    expect(definition).toEqual({ States: { A: { Type: 'Task', Resource: TOKEN_PLACEHOLDER } } });
  });

  test('quotes the placeholder when a token stands for a whole value', () => {
    const definition = stateMachineDefinition({ Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: { 'Fn::Join': ['', ['{"States":{"A":{"Seconds":', { Ref: 'Wait' }, '}}}']] } } });
    expect(definition).toEqual({ States: { A: { Seconds: TOKEN_PLACEHOLDER } } });
  });

  test('reads a plain string and a Definition object; anything else is undefined', () => {
    expect(stateMachineDefinition({ Type: 'T', Properties: { DefinitionString: '{"States":{}}' } })).toEqual({ States: {} });
    expect(stateMachineDefinition({ Type: 'T', Properties: { Definition: { States: { B: {} } } } })).toEqual({ States: { B: {} } });
    expect(stateMachineDefinition({ Type: 'T', Properties: { DefinitionString: '{ broken' } })).toBeUndefined();
    expect(stateMachineDefinition({ Type: 'T', Properties: {} })).toBeUndefined();
  });
});
