// The offline EventBridge matcher (scripts/lib/simulation/event-pattern.ts) against the examples of the Amazon
// EventBridge User Guide, and the kit's S3 rules against the events S3 documents (scripts/lib/simulation/s3-events.ts).
// Each group names the page its examples come from (read 2026-12-02); a few cases the guide only states in words
// come from the README of aws/event-ruler, the open-source matcher behind EventBridge patterns, and say so.
import { DatasetPrefix } from '../../lib/config/dataset-layout';
import { matchesEventPattern, validateEventPattern } from '../../scripts/lib/simulation/event-pattern';
import { s3ObjectEvent } from '../../scripts/lib/simulation/s3-events';

type Case = readonly [name: string, pattern: object, event: object, expected: boolean];

function cases(list: readonly Case[]): void {
  it.each(list)('%s', (_name, pattern, event, expected) => {
    expect(validateEventPattern(pattern)).toEqual([]);
    expect(matchesEventPattern(pattern, event)).toBe(expected);
  });
}

// "Amazon EventBridge event patterns" / "Event pattern syntax": the Amazon EC2 example event.
const ec2Event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};
const ec2Terminated = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };

// The example event of the aws/event-ruler README, which the guide's numeric and complex examples are written for.
const rulerEvent = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8, 'source-ip': '10.0.0.33', 'instance-id': 'i-000000aaaaaa00000', state: 'running' },
};
const withDetail = (detail: object): object => ({ ...rulerEvent, detail: { ...rulerEvent.detail, ...detail } });
const detailOnly = (detail: object): object => ({ ...rulerEvent, detail });

describe('Amazon EventBridge event patterns ("Event pattern syntax")', () => {
  cases([
    ['matches the terminated EC2 instance', ec2Terminated, ec2Event, true],
    ['does not match another state', ec2Terminated, { ...ec2Event, detail: { ...ec2Event.detail, state: 'running' } }, false],
    ['values in one array are alternatives', { source: ['aws.ec2', 'aws.fargate'] }, ec2Event, true],
    ['no alternative matches', { source: ['aws.fargate', 'aws.lambda'] }, ec2Event, false],
    ['every pattern field must be in the event', { detail: { 'instance-type': ['t3.micro'] } }, ec2Event, false],
    ['with the same nesting', { state: ['terminated'] }, ec2Event, false],
    ['matching is case-sensitive', { source: ['AWS.EC2'] }, ec2Event, false],
  ]);
});

describe('Arrays in Amazon EventBridge event patterns', () => {
  const pattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };
  cases([
    ['an event array matches when it shares a value with the pattern', pattern, {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    }, true],
    ['and not when the intersection is empty', pattern, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] }, false],
    ['an empty event array holds no value', pattern, { resources: [] }, false],
  ]);
});

describe('Matching events on null values and empty strings in Amazon EventBridge', () => {
  const event = {
    version: '0',
    id: '3e3c153a-8339-4e30-8c35-687ebef853fe',
    'detail-type': 'EC2 Instance Launch Successful',
    source: 'aws.autoscaling',
    account: '123456789012',
    time: '2015-11-11T21:31:47Z',
    region: 'us-east-1',
    resources: [],
    detail: { eventVersion: '', responseElements: null },
  };
  cases([
    ['[""] matches an empty string', { detail: { eventVersion: [''] } }, event, true],
    ['[null] matches null', { detail: { responseElements: [null] } }, event, true],
    ['[null] does not match an empty string', { detail: { eventVersion: [null] } }, event, false],
    ['[""] does not match null', { detail: { responseElements: [''] } }, event, false],
    ['"matching events on event field values": [null] with source and detail-type', {
      source: ['aws.autoscaling'], 'detail-type': ['EC2 Instance Launch Successful'], detail: { responseElements: [null] },
    }, event, true],
  ]);
});

describe('Content filtering in Amazon EventBridge event patterns', () => {
  describe('prefix matching', () => {
    const time = { time: [{ prefix: '2017-10-02' }] };
    const eu = { source: ['aws.autoscaling'], region: [{ prefix: 'eu-' }] };
    cases([
      ['"time" starting with 2017-10-02', time, { ...ec2Event, time: '2017-10-02T18:43:48Z' }, true],
      ['another day', time, { ...ec2Event, time: '2017-10-03T18:43:48Z' }, false],
      ['Auto Scaling events from European regions', eu, { source: 'aws.autoscaling', region: 'eu-west-1' }, true],
      ['not from a US region', eu, { source: 'aws.autoscaling', region: 'us-east-1' }, false],
      ['prefix only works on strings', { detail: { count: [{ prefix: '1' }] } }, { detail: { count: 10 } }, false],
    ]);
  });

  describe('prefix matching while ignoring case', () => {
    const pattern = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
    cases([
      ['EVENTB...', pattern, { detail: { service: 'EVENTBRIDGE' } }, true],
      ['eventb...', pattern, { detail: { service: 'eventbridge' } }, true],
      ['another service', pattern, { detail: { service: 'Lambda' } }, false],
    ]);
  });

  describe('suffix matching', () => {
    const pattern = { FileName: [{ suffix: '.png' }] };
    cases([
      ['a .png file', pattern, { FileName: 'image.png' }, true],
      ['a .jpg file', pattern, { FileName: 'image.jpg' }, false],
      ['suffix is case-sensitive', pattern, { FileName: 'image.PNG' }, false],
    ]);
  });

  describe('suffix matching while ignoring case', () => {
    const pattern = { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } };
    cases([
      ['.PNG', pattern, { detail: { FileName: 'photo.PNG' } }, true],
      ['.gif', pattern, { detail: { FileName: 'photo.gif' } }, false],
    ]);
  });

  describe('anything-but matching', () => {
    const state = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    const limit = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    const states = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    const limits = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    const notInit = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    cases([
      ['a string other than "initializing"', state, withDetail({ state: 'running' }), true],
      ['"initializing" itself', state, withDetail({ state: 'initializing' }), false],
      ['anything-but needs the field to be present', state, detailOnly({ other: 'x' }), false],
      ['a number other than 123', limit, withDetail({ 'x-limit': 124 }), true],
      ['123 itself', limit, withDetail({ 'x-limit': 123 }), false],
      ['a string outside the list', states, withDetail({ state: 'running' }), true],
      ['a string in the list', states, withDetail({ state: 'overloaded' }), false],
      ['a number outside the list', limits, withDetail({ 'x-limit': 400 }), true],
      ['a number in the list', limits, withDetail({ 'x-limit': 200 }), false],
      ['a number in the list, written differently', limits, withDetail({ 'x-limit': 2e2 }), false],
      ['a state without the prefix "init"', notInit, withDetail({ state: 'running' }), true],
      ['a state with the prefix "init"', notInit, withDetail({ state: 'initializing' }), false],
      ['CloudTrail API calls excluded: another detail-type', { 'detail-type': [{ 'anything-but': 'AWS API Call via CloudTrail' }] }, ec2Event, true],
      ['events other than from EC2 or S3: from EC2', { source: [{ 'anything-but': ['aws.ec2', 'aws.s3'] }] }, ec2Event, false],
      ['only your own events (source not starting "aws."): an AWS one', { source: [{ 'anything-but': { prefix: 'aws.' } }] }, ec2Event, false],
      ['only your own events: a custom source', { source: [{ 'anything-but': { prefix: 'aws.' } }] }, { ...ec2Event, source: 'com.example.orders' }, true],
    ]);
  });

  // The forms in the guide's operator table, "Comparison operators for use in event patterns in Amazon EventBridge".
  describe('anything-but with prefix, suffix, equals-ignore-case and wildcard', () => {
    cases([
      ['Region is not in the US: eu-west-1', { Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'eu-west-1' }, true],
      ['Region is not in the US: us-east-1', { Region: [{ 'anything-but': { prefix: 'us-' } }] }, { Region: 'us-east-1' }, false],
      ['FileName does not end with .png: a.jpg', { FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.jpg' }, true],
      ['FileName does not end with .png: a.png', { FileName: [{ 'anything-but': { suffix: '.png' } }] }, { FileName: 'a.png' }, false],
      ['state besides "initializing" in any case: running', { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, { state: 'running' }, true],
      ['state besides "initializing" in any case: INITIALIZING', { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, { state: 'INITIALIZING' }, false],
      ['FilePath not including /lib/: /usr/bin/app', { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: '/usr/bin/app' }, true],
      ['FilePath not including /lib/: /usr/lib/app', { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { FilePath: '/usr/lib/app' }, false],
    ]);
  });

  // Lists for these forms: the aws/event-ruler README's "Anything-but matching" (the guide's table shows one value).
  describe('anything-but with lists of prefixes, suffixes, ignore-case values and wildcards (Event Ruler README)', () => {
    const prefixes = { detail: { state: [{ 'anything-but': { prefix: ['init', 'error'] } }] } };
    const suffixes = { detail: { 'instance-id': [{ 'anything-but': { suffix: ['1234', '6789'] } }] } };
    const ignoreCase = { detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] } };
    const wildcards = { detail: { state: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] } };
    cases([
      ['prefix list: running', prefixes, withDetail({ state: 'running' }), true],
      ['prefix list: error-42', prefixes, withDetail({ state: 'error-42' }), false],
      ['suffix list: i-0000', suffixes, withDetail({ 'instance-id': 'i-0000' }), true],
      ['suffix list: i-6789', suffixes, withDetail({ 'instance-id': 'i-6789' }), false],
      ['ignore-case list: running', ignoreCase, withDetail({ state: 'running' }), true],
      ['ignore-case list: overloaded', ignoreCase, withDetail({ state: 'overloaded' }), false],
      ['wildcard list: /opt/lib/x.jar', wildcards, withDetail({ state: '/opt/lib/x.jar' }), true],
      ['wildcard list: /opt/bin/x.class', wildcards, withDetail({ state: '/opt/bin/x.class' }), false],
      ['anything-but a string list matches a value of another type', { detail: { 'c-count': [{ 'anything-but': ['5'] }] } }, rulerEvent, true],
      ['anything-but matches an event array with any other element', { detail: { state: [{ 'anything-but': 'stopped' }] } }, withDetail({ state: ['stopped', 'running'] }), true],
      ['and not an event array of excluded values only', { detail: { state: [{ 'anything-but': 'stopped' }] } }, withDetail({ state: ['stopped'] }), false],
    ]);
  });

  describe('numeric matching', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    cases([
      ['true for all fields', pattern, rulerEvent, true],
      ['c-count at the open lower bound', pattern, withDetail({ 'c-count': 0 }), false],
      ['c-count above the closed upper bound', pattern, withDetail({ 'c-count': 5.000001 }), false],
      ['d-count at the open upper bound', pattern, withDetail({ 'd-count': 10 }), false],
      ['x-limit not equal', pattern, withDetail({ 'x-limit': 301.81 }), false],
      ['x-limit equal beyond six decimal places', pattern, withDetail({ 'x-limit': 301.8000000001 }), true],
      ['numeric only works with JSON numbers', pattern, withDetail({ 'c-count': '5' }), false],
      ['>= includes its bound', { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, rulerEvent, true],
      ['>= excludes below it', { detail: { 'c-count': [{ numeric: ['>=', 5] }] } }, withDetail({ 'c-count': 4.999999 }), false],
      ['an exact number matches numerically', { detail: { 'x-limit': [3.018e2] } }, rulerEvent, true],
      ['an exact number does not match a string', { detail: { 'x-limit': [301.8] } }, withDetail({ 'x-limit': '301.8' }), false],
    ]);
  });

  describe('IP address matching', () => {
    const v4 = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    const v6 = { detail: { sourceIPAddress: [{ cidr: '2001:db8::/32' }] } };
    cases([
      ['10.0.0.0/24 holds 10.0.0.24', v4, { detail: { sourceIPAddress: '10.0.0.24' } }, true],
      ['10.0.0.0/24 holds 10.0.0.255', v4, { detail: { sourceIPAddress: '10.0.0.255' } }, true],
      ['10.0.0.0/24 does not hold 10.0.1.1', v4, { detail: { sourceIPAddress: '10.0.1.1' } }, false],
      ['an IPv6 range holds its address', v6, { detail: { sourceIPAddress: '2001:db8:0:0:1::7' } }, true],
      ['an IPv6 range does not hold another', v6, { detail: { sourceIPAddress: '2001:db9::1' } }, false],
      ['an IPv4 range does not hold an IPv6 address', v4, { detail: { sourceIPAddress: '::ffff:10.0.0.1' } }, false],
    ]);
  });

  describe('exists matching', () => {
    const absent = { detail: { 'c-count': [{ exists: false }] } };
    const present = { detail: { description: [{ exists: true }] } };
    cases([
      ['exists: false matches an event without detail.c-count', absent, {
        'detail-type': ['EC2 Instance State-change Notification'],
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
        detail: { state: ['initializing', 'running'] },
      }, true],
      ['and one where c-count is not a leaf node', absent, {
        'detail-type': ['EC2 Instance State-change Notification'],
        resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341'],
        detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } },
      }, true],
      ['but not one with a c-count value', absent, rulerEvent, false],
      ['exists: true selects events with a description', present, withDetail({ description: 'disk full' }), true],
      ['and not those without', present, rulerEvent, false],
      ['nor one whose description is an object, not a leaf', present, withDetail({ description: { text: 'disk full' } }), false],
    ]);
  });

  describe('equals-ignore-case matching ("Comparison operators": Name is "Alice")', () => {
    const pattern = { Name: [{ 'equals-ignore-case': 'alice' }] };
    cases([
      ['Alice', pattern, { Name: 'Alice' }, true],
      ['ALICE', pattern, { Name: 'ALICE' }, true],
      ['Alicia', pattern, { Name: 'Alicia' }, false],
      ['only strings', { Count: [{ 'equals-ignore-case': '1' }] }, { Count: 1 }, false],
    ]);
  });

  // Wildcard filters, in the guide and the AWS Compute Blog post announcing them ("Filtering events in Amazon
  // EventBridge with wildcard pattern matching"): "*.png" matches strings ending in .png, "*Title*" ones including
  // "Title"; escapes from the Event Ruler README's "Wildcard matching".
  describe('wildcard matching', () => {
    cases([
      ['"*.png" matches photo.png', { FileName: [{ wildcard: '*.png' }] }, { FileName: 'photo.png' }, true],
      ['"*.png" does not match photo.png.bak', { FileName: [{ wildcard: '*.png' }] }, { FileName: 'photo.png.bak' }, false],
      ['"*Title*" matches a value with Title in the middle', { Name: [{ wildcard: '*Title*' }] }, { Name: 'MyTitleIsLong' }, true],
      ['"*Title*" does not match one without', { Name: [{ wildcard: '*Title*' }] }, { Name: 'MyHeading' }, false],
      ['"Simple*Service" matches SimpleQueueService', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleQueueService' }, true],
      ['"Simple*Service" does not match SimpleService2', { source: [{ wildcard: 'Simple*Service' }] }, { source: 'SimpleService2' }, false],
      ['"\\*" is a literal asterisk: a*b', { k: [{ wildcard: 'a\\*b' }] }, { k: 'a*b' }, true],
      ['"\\*" is a literal asterisk: axb', { k: [{ wildcard: 'a\\*b' }] }, { k: 'axb' }, false],
      ['wildcard only works on strings', { k: [{ wildcard: '*' }] }, { k: 5 }, false],
    ]);
  });

  describe('complex example with multiple matching', () => {
    const pattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
      },
    };
    cases([
      ['all conditions hold', pattern, rulerEvent, true],
      ['one does not', pattern, withDetail({ 'x-limit': 200 }), false],
      ['with a CIDR (Event Ruler README)', { ...pattern, detail: { ...pattern.detail, 'source-ip': [{ cidr: '10.0.0.0/8' }] } }, rulerEvent, true],
    ]);
  });

  describe('$or matching', () => {
    const numericOr = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    // "source" && ("metricName" || "namespace"), and the nested form, from the Event Ruler README.
    const sourceAnd = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };
    const nested = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        { metricType: ['MetricType'], namespace: ['AWS/EC2', 'AWS/ES'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        { scope: ['Service'] },
      ],
    };
    cases([
      ['one branch holds (d-count)', numericOr, detailOnly({ 'c-count': 0, 'd-count': 3 }), true],
      ['no branch holds', numericOr, detailOnly({ 'c-count': 0, 'd-count': 20, 'x-limit': 1 }), false],
      ['source and metricName', sourceAnd, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' }, true],
      ['source and namespace', sourceAnd, { source: 'aws.cloudwatch', namespace: 'AWS/ES' }, true],
      ['source without either', sourceAnd, { source: 'aws.cloudwatch', metricName: 'Other', namespace: 'AWS/Lambda' }, false],
      ['either without source', sourceAnd, { source: 'aws.ec2', namespace: 'AWS/EC2' }, false],
      ['nested: metricType, namespace and spaceId', nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 }, true],
      ['nested: metricType and namespace without metricId or spaceId', nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' }, false],
    ]);
  });
});

// Event Ruler README, "JSON Array Matching": objects in an event array are matched one element at a time.
describe('arrays of objects (Event Ruler README, "JSON Array Matching")', () => {
  const employees = { employees: [{ firstName: 'John', lastName: 'Doe' }, { firstName: 'Anna', lastName: 'Smith' }, { firstName: 'Peter', lastName: 'Jones' }] };
  cases([
    ['a field of any element', { employees: { firstName: ['Anna'] } }, employees, true],
    ['two fields of one element', { employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees, true],
    ['not two fields from different elements', { employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees, false],
    ['through multi-level arrays', { employees: { firstName: ['Peter'] } }, { employees: [[employees.employees[0], employees.employees[1]], [employees.employees[2]]] }, true],
    ['exists: false looks at every element', { employees: { middleName: [{ exists: false }] } }, { employees: [{ firstName: 'A' }, { firstName: 'B', middleName: 'C' }] }, false],
  ]);
});

describe('validateEventPattern: patterns EventBridge rejects', () => {
  it.each([
    ['a pattern that is not an object', ['aws.s3'], 'pattern must be a JSON object'],
    ['a leaf that is not an array', { source: 'aws.s3' }, 'source: must be an object or an array'],
    ['an empty array', { source: [] }, 'source: empty arrays are not allowed'],
    ['an empty object', { detail: {} }, 'detail: empty objects are not allowed'],
    ['an unknown operator', { detail: { key: [{ contains: 'x' }] } }, 'detail.key[0]: unknown operator "contains"'],
    ['two operators in one expression', { key: [{ prefix: 'a', suffix: 'b' }] }, 'exactly one key, found 2'],
    ['an array inside a leaf', { key: [['a']] }, 'a match value must be'],
    ['prefix with a number', { key: [{ prefix: 1 }] }, 'prefix takes a string'],
    ['prefix with another nested operator', { key: [{ prefix: { wildcard: 'a*' } }] }, 'prefix takes a string or { "equals-ignore-case": string }'],
    ['anything-but with a mixed list', { key: [{ 'anything-but': ['a', 1] }] }, 'only strings or only numbers'],
    ['anything-but with a boolean', { key: [{ 'anything-but': true }] }, 'anything-but takes'],
    ['anything-but with an empty prefix', { key: [{ 'anything-but': { prefix: '' } }] }, 'an empty prefix is not allowed'],
    ['anything-but with an unsupported form', { key: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'anything-but object takes exactly one of'],
    ['numeric with an unknown operator', { key: [{ numeric: ['!=', 1] }] }, 'numeric: unknown operator "!="'],
    ['numeric with a string value', { key: [{ numeric: ['>', '5'] }] }, 'the value of > must be a number'],
    ['numeric with a reversed range', { key: [{ numeric: ['>', 5, '<', 1] }] }, 'lower bound must be less than the upper bound'],
    ['numeric with the upper bound first', { key: [{ numeric: ['<', 5, '>', 1] }] }, 'numeric: too many elements'],
    ['numeric that is not an array', { key: [{ numeric: 5 }] }, 'numeric takes an array'],
    ['exists with a string', { key: [{ exists: 'yes' }] }, 'exists takes true or false'],
    ['cidr without a mask', { key: [{ cidr: '10.0.0.0' }] }, 'exactly one "/" is required'],
    ['cidr with a full-length mask', { key: [{ cidr: '10.0.0.1/32' }] }, 'IPv4 mask bits must be < 32'],
    ['cidr with a bad address', { key: [{ cidr: '10.0.0.256/24' }] }, 'is not an IPv4 or IPv6 address'],
    ['consecutive wildcards', { key: [{ wildcard: 'a**b' }] }, 'consecutive wildcard characters'],
    ['an escape other than \\* or \\\\', { key: [{ wildcard: 'a\\b' }] }, 'invalid escape'],
    ['$or with one branch', { $or: [{ a: ['1'] }] }, '$or needs at least 2 objects'],
    ['$or that is not an array', { $or: { a: ['1'] } }, '$or must be followed by an array'],
    ['$or with a branch that is not an object', { $or: [{ a: ['1'] }, 'b'] }, 'only JSON objects are allowed in $or'],
    ['$or with an operator as a field name', { $or: [{ a: ['1'] }, { prefix: ['b'] }] }, '"prefix" is reserved'],
  ])('%s', (_name, pattern, problem) => {
    const problems = validateEventPattern(pattern);
    expect(problems.join('\n')).toContain(problem);
    expect(() => matchesEventPattern(pattern, {})).toThrow(TypeError);
  });

  it('accepts the patterns of the guide used above', () => {
    expect(validateEventPattern({ detail: { state: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] } })).toEqual([]);
    expect(validateEventPattern({ detail: { 'c-count': [{ numeric: ['>=', 0, '<', 5] }], ip: [{ cidr: '2001:db8::/32' }] } })).toEqual([]);
  });
});

// Amazon S3 User Guide, "EventBridge event message structure": the documented events, verbatim.
const documentedCreated = {
  version: '0',
  id: '17793124-05d4-b198-2fde-7ededc63b103',
  'detail-type': 'Object Created',
  source: 'aws.s3',
  account: '111122223333',
  time: '2021-11-12T00:00:00Z',
  region: 'ca-central-1',
  resources: ['arn:aws:s3:::amzn-s3-demo-bucket1'],
  detail: {
    version: '0',
    bucket: { name: 'amzn-s3-demo-bucket1' },
    object: { key: 'example-key', size: 5, etag: 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e', sequencer: '617f08299329d189' },
    'request-id': 'N4N7GDK58NMKJ12R',
    requester: '123456789012',
    'source-ip-address': '1.2.3.4',
    reason: 'PutObject',
  },
};
const documentedDeleted = {
  version: '0',
  id: '2ee9cc15-d022-99ea-1fb8-1b1bac4850f9',
  'detail-type': 'Object Deleted',
  source: 'aws.s3',
  account: '111122223333',
  time: '2021-11-12T00:00:00Z',
  region: 'ca-central-1',
  resources: ['arn:aws:s3:::amzn-s3-demo-bucket1'],
  detail: {
    version: '0',
    bucket: { name: 'amzn-s3-demo-bucket1' },
    object: { key: 'example-key', etag: 'd41d8cd98f00b204e9800998ecf8427e', 'version-id': '1QW9g1Z99LUNbvaaYVpW9xDlOLU.qxgF', sequencer: '617f0837b476e463' },
    'request-id': '0BH729840619AG5K',
    requester: '123456789012',
    'source-ip-address': '1.2.3.4',
    reason: 'DeleteObject',
    'deletion-type': 'Delete Marker Created',
  },
};
const documentedExpired = {
  version: '0',
  id: 'ad1de317-e409-eba2-9552-30113f8d88e3',
  'detail-type': 'Object Deleted',
  source: 'aws.s3',
  account: '111122223333',
  time: '2021-11-12T00:00:00Z',
  region: 'ca-central-1',
  resources: ['arn:aws:s3:::amzn-s3-demo-bucket1'],
  detail: {
    version: '0',
    bucket: { name: 'amzn-s3-demo-bucket1' },
    object: { key: 'example-key', etag: 'd41d8cd98f00b204e9800998ecf8427e', 'version-id': 'mtB0cV.jejK63XkRNceanNMC.qXPWLeK', sequencer: '617b398000000000' },
    'request-id': '20EB74C14654DC47',
    requester: 's3.amazonaws.com',
    reason: 'Lifecycle Expiration',
    'deletion-type': 'Delete Marker Created',
  },
};

describe('s3ObjectEvent (Amazon S3 User Guide, "EventBridge event message structure")', () => {
  const bucket = 'amzn-s3-demo-bucket1';
  const at = { time: '2021-11-12T00:00:00Z' };

  it('builds the documented "Object created" event', () => {
    expect(s3ObjectEvent('Object Created', bucket, 'example-key', { ...at, id: documentedCreated.id, versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e' })).toEqual(documentedCreated);
  });

  it('builds the documented "Object deleted (using DeleteObject)" event', () => {
    expect(s3ObjectEvent('Object Deleted', bucket, 'example-key', { ...at, id: documentedDeleted.id, versionId: '1QW9g1Z99LUNbvaaYVpW9xDlOLU.qxgF' })).toEqual(documentedDeleted);
  });

  it('builds the documented "Object deleted (using lifecycle expiration)" event', () => {
    expect(s3ObjectEvent('Object Deleted', bucket, 'example-key', {
      ...at, id: documentedExpired.id, versionId: 'mtB0cV.jejK63XkRNceanNMC.qXPWLeK', sequencer: '617b398000000000', requestId: '20EB74C14654DC47', reason: 'Lifecycle Expiration',
    })).toEqual(documentedExpired);
  });

  it('gives each event a fresh v4 UUID and the time to the second, and leaves version-id out for an unversioned bucket', () => {
    const a = s3ObjectEvent('Object Created', 'b', 'k');
    const b = s3ObjectEvent('Object Deleted', 'b', 'k');
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.id).not.toBe(b.id);
    expect(a.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(a.detail.object).not.toHaveProperty('version-id');
    expect(b.detail['deletion-type']).toBe('Permanently Deleted');
    expect(b.detail.object).not.toHaveProperty('size');
  });

  it.each([
    ['a delete with a size', () => s3ObjectEvent('Object Deleted', 'b', 'k', { size: 1 })],
    ['a created event with a deletion type', () => s3ObjectEvent('Object Created', 'b', 'k', { deletionType: 'Permanently Deleted' })],
    ['a created event with a delete reason', () => s3ObjectEvent('Object Created', 'b', 'k', { reason: 'DeleteObject' })],
    ['a lifecycle expiration with a source IP', () => s3ObjectEvent('Object Deleted', 'b', 'k', { reason: 'Lifecycle Expiration', sourceIpAddress: '1.2.3.4' })],
  ])('refuses %s, which S3 never sends', (_name, build) => {
    expect(build).toThrow();
  });
});

// The kit's rules, as FineTuningWorkflow ("OnTrainUpload") and KnowledgeBase ("OnDocumentUpload") declare them,
// written the way EventBridge receives them (CDK turns detailType into "detail-type").
describe("the kit's S3 rules against S3's events", () => {
  const bucket = 'genai-datasets-111122223333';
  const onTrainUpload = {
    source: ['aws.s3'],
    'detail-type': ['Object Created'],
    detail: { bucket: { name: [bucket] }, object: { key: [{ prefix: DatasetPrefix.TRAIN }] } },
  };
  const onDocumentUpload = {
    source: ['aws.s3'],
    'detail-type': ['Object Created', 'Object Deleted'],
    detail: { bucket: { name: [bucket] }, object: { key: [{ prefix: DatasetPrefix.DOCUMENTS }] } },
  };
  const multiPrefix = { ...onTrainUpload, detail: { ...onTrainUpload.detail, object: { key: [{ prefix: 'train/' }, { prefix: 'validation/' }] } } };
  cases([
    ['training starts on an upload under train/', onTrainUpload, s3ObjectEvent('Object Created', bucket, 'train/data.jsonl'), true],
    ['and on a multipart upload there', onTrainUpload, s3ObjectEvent('Object Created', bucket, 'train/big.jsonl', { reason: 'CompleteMultipartUpload', size: 5e9 }), true],
    ['not on an upload elsewhere', onTrainUpload, s3ObjectEvent('Object Created', bucket, 'validation/data.jsonl'), false],
    ['not on a key that only starts with "train"', onTrainUpload, s3ObjectEvent('Object Created', bucket, 'training/data.jsonl'), false],
    ['not on another bucket', onTrainUpload, s3ObjectEvent('Object Created', 'other-bucket', 'train/data.jsonl'), false],
    ['not on a delete under train/', onTrainUpload, s3ObjectEvent('Object Deleted', bucket, 'train/data.jsonl'), false],
    ['prefixes are alternatives', multiPrefix, s3ObjectEvent('Object Created', bucket, 'validation/data.jsonl'), true],
    ['ingestion runs on a document upload', onDocumentUpload, s3ObjectEvent('Object Created', bucket, 'documents/guide.pdf'), true],
    ['and on a document delete', onDocumentUpload, s3ObjectEvent('Object Deleted', bucket, 'documents/guide.pdf', { versionId: 'v1' }), true],
    ['and on a lifecycle expiration of one', onDocumentUpload, s3ObjectEvent('Object Deleted', bucket, 'documents/old.pdf', { reason: 'Lifecycle Expiration' }), true],
    ['not on an upload outside documents/', onDocumentUpload, s3ObjectEvent('Object Created', bucket, 'documents-old/guide.pdf'), false],
    ['not on the documented example bucket', onDocumentUpload, documentedCreated, false],
  ]);
});
