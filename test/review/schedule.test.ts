/** Scheduled capacity: the weekly timeline of scheduled actions, and what lowering the minimum saves at minimum scale. */
import type { CfnResource } from '../../scripts/lib/review';
import { capacityOf, evaluateSchedule, HOURS_PER_MONTH, parseWeeklyCron, priceLookup, WEEKS_PER_MONTH, type ScheduledActionJson } from '../../scripts/lib/review';
import { stackOf } from './fixtures';

const prices = priceLookup();
// The catalog's third-party prices (lib/sizing/prices.ts), USD per hour.
const G6_2XLARGE = 1.222;
const G5_12XLARGE = 7.09;

/** Outside MON-FRI 08:00–20:00: four nights of 12 h, and Friday 20:00 to Monday 08:00 (60 h). */
const OFF_HOURS = 4 * 12 + 60;

function officeHours(low: number, high: number, timezone = 'Europe/Berlin'): ScheduledActionJson[] {
  return [
    { ScheduledActionName: 'Evening', Schedule: 'cron(0 20 ? * MON-FRI *)', Timezone: timezone, ScalableTargetAction: { MinCapacity: low } },
    { ScheduledActionName: 'Morning', Schedule: 'cron(0 8 ? * MON-FRI *)', Timezone: timezone, ScalableTargetAction: { MinCapacity: high } },
  ];
}

/** An endpoint with one variant, and a scalable target on its instances or on its inference component's copies. */
function endpoint(options: { instanceType: string; actions: ScheduledActionJson[]; min: number; max: number; component?: { devices: number }; managedMin?: number; async?: boolean }): CfnResource[] {
  const variant = {
    VariantName: 'AllTraffic', InstanceType: options.instanceType, InitialInstanceCount: 1,
    ...(options.component && { ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: options.managedMin ?? 0, MaxInstanceCount: 2 } }),
  };
  const resources: CfnResource[] = [
    { Type: 'AWS::SageMaker::EndpointConfig', Properties: { ProductionVariants: [variant], ...(options.async && { AsyncInferenceConfig: { OutputConfig: {} } }) } },
    { Type: 'AWS::SageMaker::Endpoint', Properties: { EndpointName: 'ep', EndpointConfigName: { 'Fn::GetAtt': ['Config', 'EndpointConfigName'] } } },
  ];
  const target = options.component
    ? { ScalableDimension: 'sagemaker:inference-component:DesiredCopyCount', ResourceId: 'inference-component/ep-model' }
    : { ScalableDimension: 'sagemaker:variant:DesiredInstanceCount', ResourceId: 'endpoint/ep/variant/AllTraffic' };
  resources.push({ Type: 'AWS::ApplicationAutoScaling::ScalableTarget', Properties: { ...target, MinCapacity: options.min, MaxCapacity: options.max, ScheduledActions: options.actions } });
  if (options.component) {
    resources.push({
      Type: 'AWS::SageMaker::InferenceComponent',
      Properties: {
        InferenceComponentName: 'ep-model', EndpointName: { 'Fn::GetAtt': ['Endpoint', 'EndpointName'] }, VariantName: 'AllTraffic',
        Specification: { ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: options.component.devices, MinMemoryRequiredInMb: 1024 } },
      },
    });
  }
  return resources;
}

function capacity(resources: CfnResource[]) {
  const [config, ep, target, component] = resources;
  return capacityOf([stackOf('S', { Config: config, Endpoint: ep, Target: target, ...(component && { Component: component }) })], prices);
}

describe('parseWeeklyCron', () => {
  test.each([
    ['cron(0 20 ? * MON-FRI *)', { minute: 0, hour: 20, days: [0, 1, 2, 3, 4], daysText: 'MON-FRI' }],
    ['cron(30 6 ? * mon,wed,SUN *)', { minute: 30, hour: 6, days: [0, 2, 6], daysText: 'MON,WED,SUN' }],
    ['cron(0 7 ? * SUN *)', { minute: 0, hour: 7, days: [6], daysText: 'SUN' }],
    ['cron(0 7 ? * * *)', { minute: 0, hour: 7, days: [0, 1, 2, 3, 4, 5, 6], daysText: 'every day' }],
    ['cron(15 22 * * ? *)', { minute: 15, hour: 22, days: [0, 1, 2, 3, 4, 5, 6], daysText: 'every day' }],
  ])('%s', (expression, expected) => {
    expect(parseWeeklyCron(expression)).toEqual(expected);
  });

  test.each([
    ['rate(1 day)', 'rate() schedules are not evaluated'],
    ['at(2026-12-24T18:00:00)', 'at() schedules are not evaluated'],
    ['cron(0 8 1 * ? *)', 'day-of-month "1" is not evaluated (use ? with days of the week)'],
    ['cron(0 8 ? * 2-6 *)', 'day-of-week "2-6" is not evaluated (use MON..SUN, lists and ranges such as MON-FRI)'],
    ['cron(0 8 ? * FRI-MON *)', 'day-of-week "FRI-MON" is not evaluated (use MON..SUN, lists and ranges such as MON-FRI)'],
    ['cron(0/15 8 ? * MON *)', 'minutes "0/15" and hours "8" must each be one number'],
    ['cron(0 8 ? DEC MON *)', 'only every month of every year (month and year `*`) is evaluated'],
    ['cron(0 8 ? * MON)', 'cron needs 6 fields (minutes hours day-of-month month day-of-week year), not 5'],
  ])('%s is not evaluated', (expression, reason) => {
    expect(parseWeeklyCron(expression)).toBe(reason);
  });
});

describe('evaluateSchedule', () => {
  test('minimum 0 outside office hours: 108 h a week, and the instance-hours and dollars it saves', () => {
    const schedule = evaluateSchedule({ unit: 'instances', minCapacity: 1, maxCapacity: 2, actions: officeHours(0, 1), instancesFor: (n) => n, usdPerHour: 2 });
    expect(schedule).toMatchObject({
      summary: 'minimum 0 outside MON-FRI 08:00–20:00 Europe/Berlin', evaluated: true,
      loweredHoursPerWeek: OFF_HOURS, loweredHoursPerMonth: OFF_HOURS * WEEKS_PER_MONTH,
    });
    expect(schedule.instanceHoursSavedPerMonth).toBeCloseTo(OFF_HOURS * WEEKS_PER_MONTH, 9);
    expect(schedule.monthlyUsdSaved).toBeCloseTo(OFF_HOURS * WEEKS_PER_MONTH * 2, 9);
  });

  test('the action in force when the week starts is the last one of the week; a lowered day window reads as such', () => {
    const actions = [
      { ScheduledActionName: 'Down', Schedule: 'cron(0 12 ? * SUN *)', ScalableTargetAction: { MinCapacity: 1 } },
      { ScheduledActionName: 'Up', Schedule: 'cron(0 18 ? * SUN *)', ScalableTargetAction: { MinCapacity: 3 } },
    ];
    const schedule = evaluateSchedule({ unit: 'instances', minCapacity: 3, maxCapacity: 4, actions, instancesFor: (n) => n });
    expect([schedule.summary, schedule.loweredHoursPerWeek, schedule.instanceHoursSavedPerMonth]).toEqual(['minimum 1 SUN 12:00–18:00 UTC', 6, 6 * 2 * WEEKS_PER_MONTH]);
  });

  test('a MaxCapacity below the minimum bounds it; other schedules are described action by action', () => {
    const actions = [
      { ScheduledActionName: 'Off', Schedule: 'cron(0 22 * * ? *)', ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 } },
      { ScheduledActionName: 'On', Schedule: 'cron(0 6 * * ? *)', ScalableTargetAction: { MinCapacity: 2, MaxCapacity: 4 } },
    ];
    const schedule = evaluateSchedule({ unit: 'instances', minCapacity: 2, maxCapacity: 4, actions, instancesFor: (n) => n });
    expect(schedule.summary).toBe('minimum 0 and maximum 0 at 22:00 every day, minimum 2 and maximum 4 at 06:00 every day (UTC)');
    expect([schedule.loweredHoursPerWeek, schedule.instanceHoursSavedPerMonth]).toEqual([8 * 7, 8 * 7 * 2 * WEEKS_PER_MONTH]);
  });

  test('a schedule that raises the minimum costs more: negative savings', () => {
    const actions = [
      { ScheduledActionName: 'Prescale', Schedule: 'cron(0 8 ? * MON *)', ScalableTargetAction: { MinCapacity: 3 } },
      { ScheduledActionName: 'Back', Schedule: 'cron(0 10 ? * MON *)', ScalableTargetAction: { MinCapacity: 1 } },
    ];
    const schedule = evaluateSchedule({ unit: 'instances', minCapacity: 1, maxCapacity: 3, actions, instancesFor: (n) => n, usdPerHour: 1 });
    expect([schedule.loweredHoursPerWeek, schedule.monthlyUsdSaved]).toEqual([0, -2 * 2 * WEEKS_PER_MONTH]);
  });

  test('any action in a form it does not evaluate leaves the whole schedule not evaluated, rather than guessed', () => {
    const actions = [...officeHours(0, 1), { ScheduledActionName: 'Xmas', Schedule: 'at(2026-12-24T18:00:00)', ScalableTargetAction: { MinCapacity: 0 } }];
    const schedule = evaluateSchedule({ unit: 'instances', minCapacity: 1, maxCapacity: 2, actions, instancesFor: (n) => n, usdPerHour: 2 });
    expect(schedule).toMatchObject({ evaluated: false, note: 'not evaluated: Xmas (at(2026-12-24T18:00:00)): at() schedules are not evaluated' });
    expect(schedule.monthlyUsdSaved).toBeUndefined();
    const bounded = evaluateSchedule({ unit: 'instances', minCapacity: 1, maxCapacity: 2, actions: [{ ...officeHours(0, 1)[0], EndTime: '2027-01-01T00:00:00Z' }, officeHours(0, 1)[1]] });
    expect(bounded.note).toBe('not evaluated: Evening (cron(0 20 ? * MON-FRI *)): StartTime or EndTime bound the action to dates');
    const zones = evaluateSchedule({ unit: 'instances', minCapacity: 1, maxCapacity: 2, actions: [officeHours(0, 1)[0], officeHours(0, 1, 'UTC')[1]] });
    expect(zones.note).toBe('not evaluated: the actions use different time zones (Europe/Berlin, UTC)');
  });
});

describe('capacity with a schedule', () => {
  test('a variant\'s instances: the saving is subtracted from the monthly minimum, and shown', () => {
    const c = capacity(endpoint({ instanceType: 'ml.g6.2xlarge', min: 2, max: 4, actions: officeHours(1, 2) }));
    const saved = OFF_HOURS * WEEKS_PER_MONTH * 1 * G6_2XLARGE;
    const [e] = c.endpoints;
    expect(e.schedule).toMatchObject({ unit: 'instances', summary: 'minimum 1 outside MON-FRI 08:00–20:00 Europe/Berlin', loweredHoursPerWeek: OFF_HOURS });
    expect(e.schedule?.monthlyUsdSaved).toBeCloseTo(saved, 9);
    expect(e.monthlyUsd?.min).toBeCloseTo(G6_2XLARGE * HOURS_PER_MONTH * 2 - saved, 9);
    expect(e.monthlyUsd?.max).toBeCloseTo(G6_2XLARGE * HOURS_PER_MONTH * 4, 9);
    expect(c.monthlyUsdSavedBySchedules).toBeCloseTo(saved, 9);
    expect(c.monthlyUsd.min).toBeCloseTo(G6_2XLARGE * HOURS_PER_MONTH * 2 - saved, 9);
  });

  test('a real-time variant keeps 1 instance at a scheduled minimum of 0; an asynchronous one stops them all', () => {
    const realtime = capacity(endpoint({ instanceType: 'ml.g6.2xlarge', min: 1, max: 2, actions: officeHours(0, 1) })).endpoints[0].schedule!;
    expect([realtime.loweredHoursPerWeek, realtime.monthlyUsdSaved, realtime.note]).toEqual([OFF_HOURS, 0, expect.stringContaining('a real-time variant keeps at least 1 instance')]);
    const async = capacity(endpoint({ instanceType: 'ml.g6.2xlarge', min: 1, max: 2, actions: officeHours(0, 1), async: true })).endpoints[0].schedule!;
    expect(async.monthlyUsdSaved).toBeCloseTo(OFF_HOURS * WEEKS_PER_MONTH * G6_2XLARGE, 9);
  });

  test('an inference component\'s copies become instances: accelerators per instance ÷ accelerators per copy', () => {
    // ml.g5.12xlarge has 4 GPUs; a copy takes 1, so 1 copy keeps 1 instance and 0 copies none.
    const c = capacity(endpoint({ instanceType: 'ml.g5.12xlarge', min: 1, max: 8, actions: officeHours(0, 1), component: { devices: 1 } }));
    const [e] = c.endpoints;
    expect([e.scaling, e.minInstances, e.maxInstances]).toEqual(['managed-instance-scaling', 1, 2]);
    expect(e.schedule).toMatchObject({ unit: 'copies', evaluated: true, loweredHoursPerWeek: OFF_HOURS, note: '4 copies per ml.g5.12xlarge' });
    expect(e.schedule?.monthlyUsdSaved).toBeCloseTo(OFF_HOURS * WEEKS_PER_MONTH * G5_12XLARGE, 9);
    expect(e.monthlyUsd?.min).toBeCloseTo(G5_12XLARGE * HOURS_PER_MONTH - OFF_HOURS * WEEKS_PER_MONTH * G5_12XLARGE, 9);
  });

  test('copies saved do not stop instances the managed scaling keeps; an unknown instance type is not turned into instances', () => {
    const kept = capacity(endpoint({ instanceType: 'ml.g5.12xlarge', min: 2, max: 8, actions: officeHours(0, 2), component: { devices: 2 }, managedMin: 1 })).endpoints[0];
    // 2 GPUs a copy: 2 copies per instance, so 2 copies keep 1 instance, which managed scaling keeps anyway.
    expect([kept.minInstances, kept.schedule?.monthlyUsdSaved, kept.schedule?.note]).toEqual([1, 0, '2 copies per ml.g5.12xlarge; managed instance scaling keeps at least 1']);
    const unknown = capacity(endpoint({ instanceType: 'ml.c7i.large', min: 1, max: 2, actions: officeHours(0, 1), component: { devices: 1 } })).endpoints[0].schedule!;
    expect([unknown.evaluated, unknown.loweredHoursPerWeek, unknown.instanceHoursSavedPerMonth, unknown.note]).toEqual([true, OFF_HOURS, undefined, 'copies per instance unknown: ml.c7i.large is not in the instance catalog']);
  });

  test('two inference components on one variant share its instances: the hours are counted, the instances not', () => {
    const [config, ep, target, component] = endpoint({ instanceType: 'ml.g5.12xlarge', min: 1, max: 8, actions: officeHours(0, 1), component: { devices: 1 } });
    const other = { ...component, Properties: { ...component.Properties, InferenceComponentName: 'ep-other' } };
    const [e] = capacityOf([stackOf('S', { Config: config, Endpoint: ep, Target: target, Component: component, Other: other })], prices).endpoints;
    expect([e.schedule?.loweredHoursPerWeek, e.schedule?.monthlyUsdSaved, e.schedule?.note]).toEqual([OFF_HOURS, undefined, 'instances not computed: 2 inference components share the variant\'s instances']);
  });

  test('a target without scheduled actions has no schedule', () => {
    expect(capacity(endpoint({ instanceType: 'ml.g6.2xlarge', min: 2, max: 4, actions: [] })).endpoints[0].schedule).toBeUndefined();
  });
});
