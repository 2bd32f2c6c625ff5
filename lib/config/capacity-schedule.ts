// Scheduled capacity in one place: the working hours an endpoint keeps its usual minimum, the lower minimum
// outside them, the Application Auto Scaling cron expressions that switch between the two, and the rules both
// config validation and InferenceEndpoint apply. Pure: no CDK.

/** Lower an endpoint's minimum capacity outside working hours, in a time zone. */
export interface CapacitySchedule {
  /** The time zone the hours are in: an IANA name such as `Europe/Berlin` or `America/New_York`. */
  readonly timeZone: string;
  /** Days with working hours, as cron names them (MON ... SUN). @default ['MON', 'TUE', 'WED', 'THU', 'FRI'] */
  readonly workingDays?: string[];
  /** The hour (0-23) working hours start: the usual minimum returns. @default 8 */
  readonly startHour?: number;
  /** The hour (1-23) they end: the minimum drops to `offHoursMinimum`, until the next working day starts. @default 20 */
  readonly endHour?: number;
  /**
   * The minimum outside working hours: model copies with inference components (0 lets the endpoint release its
   * instances), else instances (1 or more: a real-time variant keeps one).
   */
  readonly offHoursMinimum: number;
}

/** What an endpoint's minimum counts. */
export enum CapacityUnit {
  /** Copies of an inference component. */
  COPIES = 'copies',
  /** Instances of a variant. */
  INSTANCES = 'instances',
}

/** What a schedule is checked against. */
export interface CapacityScheduleContext {
  /** What the minimum counts: copies of an inference component, or instances of a variant. */
  readonly unit: CapacityUnit;
  /** The usual minimum, in that unit. */
  readonly minimum: number;
  /** The variant's minimum instances under managed instance scaling (inference components). @default - not managed */
  readonly managedMinInstances?: number;
}

/** Cron's day-of-week names, in Application Auto Scaling's order of a week. */
export const WEEK_DAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
export const DEFAULT_WORKING_DAYS: readonly string[] = ['MON', 'TUE', 'WED', 'THU', 'FRI'];
export const DEFAULT_START_HOUR = 8;
export const DEFAULT_END_HOUR = 20;

/**
 * The least capacity each mode accepts: a real-time variant's DesiredInstanceCount at least 1 ("Register a
 * model", SageMaker developer guide: "--min-capacity ... must be set to at least 1"); an inference component's
 * DesiredCopyCount 0 ("Scale an endpoint to zero instances", SageMaker developer guide). Read 2026-12-03.
 */
export const LEAST_CAPACITY = { instances: 1, copies: 0 } as const;

/** A schedule's two switches: when the minimum drops and when it returns. */
export interface ScheduleSwitches {
  /** Application Auto Scaling cron at working hours' end: `cron(0 20 ? * MON,TUE,WED,THU,FRI *)`. */
  readonly offHours: string;
  /** At their start. */
  readonly workingHours: string;
}

/** The cron expressions of a schedule, in its time zone (Application Auto Scaling's six-field cron). */
export function scheduleSwitches(schedule: CapacitySchedule): ScheduleSwitches {
  const days = daysOf(schedule).join(',');
  return {
    offHours: `cron(0 ${schedule.endHour ?? DEFAULT_END_HOUR} ? * ${days} *)`,
    workingHours: `cron(0 ${schedule.startHour ?? DEFAULT_START_HOUR} ? * ${days} *)`,
  };
}

/** Hours a week at the lower minimum: every hour outside the working hours of the working days. */
export function offHoursPerWeek(schedule: CapacitySchedule): number {
  const start = schedule.startHour ?? DEFAULT_START_HOUR;
  const end = schedule.endHour ?? DEFAULT_END_HOUR;
  return 7 * 24 - new Set(daysOf(schedule)).size * (end - start);
}

/** What is wrong with a schedule: the field (`timeZone`, `offHoursMinimum`, ...), its value, the problem and the fix. */
export interface ScheduleProblem {
  readonly field: string;
  readonly value: unknown;
  readonly problem: string;
  readonly fix: string;
}

/** Every problem of a schedule for an endpoint in this context. */
export function capacityScheduleProblems(schedule: CapacitySchedule, context: CapacityScheduleContext): ScheduleProblem[] {
  const problems: ScheduleProblem[] = [];
  const add = (field: string, value: unknown, problem: string, fix: string) => problems.push({ field, value, problem, fix });
  if (typeof schedule.timeZone !== 'string' || !isTimeZone(schedule.timeZone)) {
    add('timeZone', schedule.timeZone, 'is not an IANA time zone name', 'use one such as "Europe/Berlin", "America/New_York" or "UTC"');
  }
  const days = schedule.workingDays ?? DEFAULT_WORKING_DAYS;
  if (!Array.isArray(days) || days.length === 0 || days.some((d) => !(WEEK_DAYS as readonly string[]).includes(d))) {
    add('workingDays', days, 'is not a list of week days', `use one or more of ${WEEK_DAYS.join(', ')}`);
  }
  const start = schedule.startHour ?? DEFAULT_START_HOUR;
  const end = schedule.endHour ?? DEFAULT_END_HOUR;
  if (!Number.isInteger(start) || start < 0 || start > 22) add('startHour', start, 'is not a whole hour from 0 to 22', 'use the hour working hours start, e.g. 8');
  if (!Number.isInteger(end) || end < 1 || end > 23) add('endHour', end, 'is not a whole hour from 1 to 23', 'use the hour working hours end, e.g. 20');
  else if (Number.isInteger(start) && end <= start) add('endHour', end, `is not after startHour (${start})`, 'working hours end after they start, on the same day');
  const off = schedule.offHoursMinimum;
  if (!Number.isInteger(off) || off < LEAST_CAPACITY[context.unit]) {
    if (context.unit === CapacityUnit.INSTANCES) {
      add('offHoursMinimum', off, 'is below 1 instance, and a real-time endpoint variant keeps at least 1 (only inference components scale to zero)', 'use 1 or more, or serve with inference components');
    } else {
      add('offHoursMinimum', off, 'is not a whole number of copies, 0 or more', 'use 0 to release the instances outside working hours');
    }
  } else if (off >= context.minimum) {
    add('offHoursMinimum', off, `is not below the usual minimum of ${context.minimum} ${context.unit}, so the schedule saves nothing`, 'lower it, or raise the minimum for working hours');
  } else if (context.unit === CapacityUnit.COPIES && off === 0 && (context.managedMinInstances ?? 0) > 0) {
    add('offHoursMinimum', off, `is 0 copies, but the endpoint keeps at least ${context.managedMinInstances} instance(s) (minInstances), which would run without a model`, 'set minInstances to 0 so the instances are released');
  }
  return problems;
}

function daysOf(schedule: CapacitySchedule): readonly string[] {
  return schedule.workingDays ?? DEFAULT_WORKING_DAYS;
}

/**
 * Whether the name is an IANA zone the runtime's time zone database (ICU's copy of IANA's) knows: `UTC` or an
 * Area/Location name, as Application Auto Scaling takes them ("Schedule recurring scaling actions using
 * Application Auto Scaling": canonical IANA names; read 2026-12-03).
 */
function isTimeZone(name: string): boolean {
  if (name !== 'UTC' && !name.includes('/')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
