/**
 * Scheduled scaling of endpoint capacity: the weekly timeline of an Application Auto Scaling target's scheduled
 * actions, and the hours and instance-hours by which they lower its minimum. Evaluates `cron(M H ? * DOW *)`
 * (DOW `*`, or days MON..SUN as a list and ranges) and `cron(M H * * ? *)` (every day), in the action's time zone
 * (UTC when none; daylight-saving changes ignored). Any other schedule (`at()`, `rate()`, other cron fields, an
 * action bounded by StartTime or EndTime) is reported as not evaluated rather than guessed.
 */
import { WEEK_DAYS } from '../../../lib/config/capacity-schedule';

/** One entry of a ScalableTarget's `ScheduledActions`, as synthesized. */
export interface ScheduledActionJson {
  readonly ScheduledActionName?: unknown;
  readonly Schedule?: unknown;
  readonly Timezone?: unknown;
  readonly StartTime?: unknown;
  readonly EndTime?: unknown;
  readonly ScalableTargetAction?: { readonly MinCapacity?: unknown; readonly MaxCapacity?: unknown };
}

/** One scheduled action as the review read it. */
export interface ScheduledStep {
  readonly name: string;
  readonly schedule: string;
  /** IANA time zone name; `UTC` when the action names none. */
  readonly timezone: string;
  readonly minCapacity?: number;
  readonly maxCapacity?: number;
  /** Why this action was not evaluated. @default - evaluated */
  readonly notEvaluated?: string;
}

/** What a target's schedule does to its minimum over a week, and a month (× 52 / 12). */
export interface ScheduleEvaluation {
  /** What the target's capacity counts. */
  readonly unit: 'instances' | 'copies';
  readonly actions: readonly ScheduledStep[];
  /** In words, e.g. `minimum 0 outside MON-FRI 08:00–20:00 Europe/Berlin`. */
  readonly summary: string;
  /** Every action was evaluated, so the figures below are set. */
  readonly evaluated: boolean;
  /** Why the schedule was not evaluated, or why its capacity cannot be turned into instances. @default - it was */
  readonly note?: string;
  /** Hours a week the minimum is below the target's own MinCapacity. */
  readonly loweredHoursPerWeek?: number;
  readonly loweredHoursPerMonth?: number;
  /** Instance-hours a month fewer than at the target's own minimum (negative when the schedule raises it). */
  readonly instanceHoursSavedPerMonth?: number;
  /** instanceHoursSavedPerMonth × the instance's USD per hour. @default - unpriced or not evaluated */
  readonly monthlyUsdSaved?: number;
}

/** Weeks in an average month. */
export const WEEKS_PER_MONTH = 52 / 12;

const MINUTES_PER_DAY = 24 * 60;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** A weekly cron: when it fires (minute and hour, local time) and on which days (0 = Monday). */
export interface WeeklyCron {
  readonly minute: number;
  readonly hour: number;
  readonly days: readonly number[];
  /** The day-of-week field as written, or `every day`. */
  readonly daysText: string;
}

/** The weekly form of a schedule expression, or why it is not one the review evaluates. */
export function parseWeeklyCron(expression: string): WeeklyCron | string {
  const match = /^cron\((.*)\)$/.exec(expression.trim());
  if (!match) return `${expression.split('(')[0]}() schedules are not evaluated`;
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) return `cron needs 6 fields (minutes hours day-of-month month day-of-week year), not ${fields.length}`;
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
  const minute = wholeNumber(minutes, 59);
  const hour = wholeNumber(hours, 23);
  if (minute === undefined || hour === undefined) return `minutes "${minutes}" and hours "${hours}" must each be one number`;
  if (month !== '*' || year !== '*') return 'only every month of every year (month and year `*`) is evaluated';
  if (dayOfMonth === '*' && dayOfWeek === '?') return { minute, hour, days: [0, 1, 2, 3, 4, 5, 6], daysText: 'every day' };
  if (dayOfMonth !== '?') return `day-of-month "${dayOfMonth}" is not evaluated (use ? with days of the week)`;
  const days = daysOf(dayOfWeek);
  return typeof days === 'string' ? days : { minute, hour, days, daysText: dayOfWeek === '*' ? 'every day' : dayOfWeek.toUpperCase() };
}

function wholeNumber(text: string, max: number): number | undefined {
  return /^\d{1,2}$/.test(text) && Number(text) <= max ? Number(text) : undefined;
}

function daysOf(field: string): number[] | string {
  if (field === '*') return [0, 1, 2, 3, 4, 5, 6];
  const days = new Set<number>();
  for (const part of field.toUpperCase().split(',')) {
    const [from, to, extra] = part.split('-');
    const start = WEEK_DAYS.indexOf(from as (typeof WEEK_DAYS)[number]);
    const end = to === undefined ? start : WEEK_DAYS.indexOf(to as (typeof WEEK_DAYS)[number]);
    if (extra !== undefined || start < 0 || end < 0 || end < start) return `day-of-week "${field}" is not evaluated (use MON..SUN, lists and ranges such as MON-FRI)`;
    for (let d = start; d <= end; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

/** The actions of a target as the review reads them: literal names, schedules, time zones and capacities. */
export function scheduledSteps(actions: readonly ScheduledActionJson[]): ScheduledStep[] {
  return actions.map((a, i) => {
    const name = typeof a.ScheduledActionName === 'string' ? a.ScheduledActionName : `action ${i + 1}`;
    const schedule = typeof a.Schedule === 'string' ? a.Schedule : JSON.stringify(a.Schedule ?? null);
    const timezone = a.Timezone === undefined ? 'UTC' : typeof a.Timezone === 'string' ? a.Timezone : JSON.stringify(a.Timezone);
    const target = a.ScalableTargetAction ?? {};
    const minCapacity = typeof target.MinCapacity === 'number' ? target.MinCapacity : undefined;
    const maxCapacity = typeof target.MaxCapacity === 'number' ? target.MaxCapacity : undefined;
    let notEvaluated: string | undefined;
    const cron = typeof a.Schedule === 'string' ? parseWeeklyCron(a.Schedule) : 'the schedule is not a literal string';
    if (typeof cron === 'string') notEvaluated = cron;
    else if (typeof a.Timezone !== 'string' && a.Timezone !== undefined) notEvaluated = 'the time zone is not a literal string';
    else if (a.StartTime !== undefined || a.EndTime !== undefined) notEvaluated = 'StartTime or EndTime bound the action to dates';
    else if ((target.MinCapacity !== undefined && minCapacity === undefined) || (target.MaxCapacity !== undefined && maxCapacity === undefined)) notEvaluated = 'a capacity is not a literal number';
    else if (minCapacity === undefined && maxCapacity === undefined) notEvaluated = 'the action sets neither MinCapacity nor MaxCapacity';
    return { name, schedule, timezone, ...(minCapacity !== undefined && { minCapacity }), ...(maxCapacity !== undefined && { maxCapacity }), ...(notEvaluated && { notEvaluated }) };
  });
}

export interface ScheduleInput {
  readonly unit: 'instances' | 'copies';
  /** The target's own MinCapacity and MaxCapacity: the capacity before any action applied. */
  readonly minCapacity: number;
  readonly maxCapacity: number;
  readonly actions: readonly ScheduledActionJson[];
  /** Instances that hold a capacity (copies → instances). @default - unknown: no instance-hours */
  readonly instancesFor?: (capacity: number) => number;
  /** Why instancesFor is absent, or what bounds it. */
  readonly instancesNote?: string;
  /** USD per hour of one instance. @default - unpriced */
  readonly usdPerHour?: number;
}

/**
 * Walks a week of the target's actions: the minimum in force at any time is the one the last action set (the
 * week repeats, so the last action of the week is in force when it starts); an action's MaxCapacity below the
 * minimum bounds it too. Compares with the target's own minimum.
 */
export function evaluateSchedule(input: ScheduleInput): ScheduleEvaluation {
  const steps = scheduledSteps(input.actions);
  const skipped = steps.filter((s) => s.notEvaluated !== undefined);
  const zones = new Set(steps.map((s) => s.timezone));
  const base = { unit: input.unit, actions: steps };
  if (skipped.length > 0) {
    return { ...base, evaluated: false, summary: describe(steps, input.minCapacity), note: `not evaluated: ${skipped.map((s) => `${s.name} (${s.schedule}): ${s.notEvaluated}`).join('; ')}` };
  }
  if (zones.size > 1) return { ...base, evaluated: false, summary: describe(steps, input.minCapacity), note: `not evaluated: the actions use different time zones (${[...zones].join(', ')})` };

  const events = steps.flatMap((step, order) => {
    const cron = parseWeeklyCron(step.schedule) as WeeklyCron;
    return cron.days.map((day) => ({ at: day * MINUTES_PER_DAY + cron.hour * 60 + cron.minute, order, step }));
  }).sort((a, b) => a.at - b.at || a.order - b.order);
  let state = { min: input.minCapacity, max: input.maxCapacity };
  const apply = (step: ScheduledStep) => ({ min: step.minCapacity ?? state.min, max: step.maxCapacity ?? state.max });
  for (const e of events) state = apply(e.step);
  const floor = Math.min(input.minCapacity, input.maxCapacity);
  let loweredMinutes = 0;
  let savedInstanceMinutes = 0;
  let from = 0;
  const account = (until: number) => {
    const minimum = Math.min(state.min, state.max);
    if (minimum < floor) loweredMinutes += until - from;
    if (input.instancesFor) savedInstanceMinutes += (input.instancesFor(floor) - input.instancesFor(minimum)) * (until - from);
    from = until;
  };
  for (const e of events) {
    account(e.at);
    state = apply(e.step);
  }
  account(MINUTES_PER_WEEK);
  const loweredHoursPerWeek = loweredMinutes / 60;
  const instanceHoursSavedPerMonth = input.instancesFor ? (savedInstanceMinutes / 60) * WEEKS_PER_MONTH : undefined;
  return {
    ...base, evaluated: true, summary: describe(steps, input.minCapacity),
    ...(input.instancesNote !== undefined && { note: input.instancesNote }),
    loweredHoursPerWeek, loweredHoursPerMonth: loweredHoursPerWeek * WEEKS_PER_MONTH,
    ...(instanceHoursSavedPerMonth !== undefined && { instanceHoursSavedPerMonth }),
    ...(instanceHoursSavedPerMonth !== undefined && input.usdPerHour !== undefined && { monthlyUsdSaved: instanceHoursSavedPerMonth * input.usdPerHour }),
  };
}

/**
 * The schedule in words: `minimum 0 outside MON-FRI 08:00–20:00 Europe/Berlin` for the common pair (lower in
 * the evening, restore in the morning, on the same days), else each action: `minimum 0 at 20:00 MON-FRI, ...`.
 */
function describe(steps: readonly ScheduledStep[], ownMin: number): string {
  const zone = [...new Set(steps.map((s) => s.timezone))].join(', ');
  const crons = steps.map((s) => parseWeeklyCron(s.schedule));
  if (steps.length === 2 && crons.every((c) => typeof c !== 'string') && steps.every((s) => s.maxCapacity === undefined && s.minCapacity !== undefined)) {
    const lowIndex = steps.findIndex((s) => s.minCapacity! < ownMin);
    const low = crons[lowIndex] as WeeklyCron | undefined;
    const up = crons[1 - lowIndex] as WeeklyCron;
    if (low && steps[1 - lowIndex].minCapacity! >= ownMin && low.daysText === up.daysText) {
      const lowAt = low.hour * 60 + low.minute;
      const upAt = up.hour * 60 + up.minute;
      const days = low.daysText === 'every day' ? '' : `${low.daysText} `;
      const window = upAt < lowAt ? `outside ${days}${clock(up)}–${clock(low)}` : `${days}${clock(low)}–${clock(up)}`;
      return `minimum ${steps[lowIndex].minCapacity} ${window} ${zone}`;
    }
  }
  return `${steps.map((s, i) => {
    const cron = crons[i];
    const what = [s.minCapacity === undefined ? '' : `minimum ${s.minCapacity}`, s.maxCapacity === undefined ? '' : `maximum ${s.maxCapacity}`].filter(Boolean).join(' and ') || 'no capacity';
    return typeof cron === 'string' ? `${what} on ${s.schedule}` : `${what} at ${clock(cron)} ${cron.daysText}`;
  }).join(', ')} (${zone})`;
}

function clock(cron: WeeklyCron): string {
  return `${String(cron.hour).padStart(2, '0')}:${String(cron.minute).padStart(2, '0')}`;
}
