// The schedule rules shared by config validation and InferenceEndpoint: the cron switches, the hours they
// lower the minimum, and what each mode allows.
import { capacityScheduleProblems, CapacityUnit, offHoursPerWeek, scheduleSwitches } from '../../lib/config/capacity-schedule';

describe('capacity schedules', () => {
  test('working hours 08:00-20:00 on weekdays by default: 108 hours a week at the lower minimum', () => {
    const schedule = { timeZone: 'Europe/Berlin', offHoursMinimum: 0 };
    expect(scheduleSwitches(schedule)).toEqual({ offHours: 'cron(0 20 ? * MON,TUE,WED,THU,FRI *)', workingHours: 'cron(0 8 ? * MON,TUE,WED,THU,FRI *)' });
    expect(offHoursPerWeek(schedule)).toBe(168 - 5 * 12);
    expect(offHoursPerWeek({ ...schedule, workingDays: ['MON', 'WED'], startHour: 9, endHour: 17 })).toBe(168 - 2 * 8);
  });

  test('copies may drop to 0, instances of a variant to 1 at the least', () => {
    const schedule = { timeZone: 'America/New_York', offHoursMinimum: 0 };
    expect(capacityScheduleProblems(schedule, { unit: CapacityUnit.COPIES, minimum: 1, managedMinInstances: 0 })).toEqual([]);
    expect(capacityScheduleProblems(schedule, { unit: CapacityUnit.INSTANCES, minimum: 2 }).map((p) => p.field)).toEqual(['offHoursMinimum']);
    expect(capacityScheduleProblems({ ...schedule, offHoursMinimum: 1 }, { unit: CapacityUnit.INSTANCES, minimum: 2 })).toEqual([]);
  });

  test('every problem at once: zone, days, hours, a minimum that saves nothing', () => {
    const problems = capacityScheduleProblems({ timeZone: 'Mars/Olympus_Mons', workingDays: ['MON', 'FUN'], startHour: 25, endHour: 0, offHoursMinimum: 3 }, { unit: CapacityUnit.INSTANCES, minimum: 2 });
    expect(problems.map((p) => [p.field, p.value])).toEqual([
      ['timeZone', 'Mars/Olympus_Mons'], ['workingDays', ['MON', 'FUN']], ['startHour', 25], ['endHour', 0], ['offHoursMinimum', 3],
    ]);
    expect(problems[4].problem).toMatch(/not below the usual minimum of 2 instances, so the schedule saves nothing/);
  });

  test('time zones are IANA names, not abbreviations', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires']) {
      expect([zone, capacityScheduleProblems({ timeZone: zone, offHoursMinimum: 0 }, { unit: CapacityUnit.COPIES, minimum: 1 })]).toEqual([zone, []]);
    }
    for (const zone of ['CET', 'EST', 'Berlin', '']) {
      expect(capacityScheduleProblems({ timeZone: zone, offHoursMinimum: 0 }, { unit: CapacityUnit.COPIES, minimum: 1 }).map((p) => p.field)).toEqual(['timeZone']);
    }
  });
});
