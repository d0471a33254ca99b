/**
 * Time counted in business hours: working intervals per weekday in the calendar's time zone,
 * holidays off. Luxon does the calendar work (local dates, weekdays, daylight-saving shifts), so
 * an interval of 09:00–18:00 is nine hours of local time on every working day, also the day the
 * clocks change.
 *
 * Durations are in minutes and may be fractional (75 % of a 30-minute target is 22.5 minutes);
 * instants are JavaScript Dates, exact to the millisecond.
 */
import { DateTime } from 'luxon';
import { type BusinessCalendar, minutesOfDay, WEEKDAYS } from '#schemas/admin/sla-policy';

const MINUTE = 60_000;
/**
 * How far a search may look ahead. The policy schema admits no target longer than two years of
 * the calendar's working weeks, and at most 400 holidays, so every answer lies well within this.
 */
const SEARCH_DAYS = 5 * 366;

/** One working interval on one local date, as instants. */
interface Span {
  start: number;
  end: number;
}

const localDay = (at: number, zone: string) => DateTime.fromMillis(at, { zone }).startOf('day');

/** The working spans of one local date: none on a holiday or a day without hours. */
function spansOf(day: DateTime, calendar: BusinessCalendar, holidays: ReadonlySet<string>): Span[] {
  if (holidays.has(day.toISODate() ?? '')) return [];
  const weekday = WEEKDAYS[day.weekday - 1] as (typeof WEEKDAYS)[number];
  const at = (clock: string) => {
    const minutes = minutesOfDay(clock);
    // 24:00 is the next local midnight, whatever the length of this day.
    return minutes === 24 * 60
      ? day.plus({ days: 1 }).toMillis()
      : day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60 }).toMillis();
  };
  return (calendar.week[weekday] ?? [])
    .map((interval) => ({ start: at(interval.start), end: at(interval.end) }))
    .filter((span) => span.end > span.start)
    .sort((a, b) => a.start - b.start);
}

/** A calendar ready to answer questions; holidays indexed once. */
export class BusinessClock {
  private readonly holidays: ReadonlySet<string>;

  constructor(readonly calendar: BusinessCalendar) {
    this.holidays = new Set(calendar.holidays.map((h) => h.date));
  }

  /** Working spans by local date: the deadline searches of one check walk the same days again. */
  private readonly byDay = new Map<string, Span[]>();

  private spans(day: DateTime): Span[] {
    const key = day.toISODate() ?? '';
    let found = this.byDay.get(key);
    if (!found) {
      found = spansOf(day, this.calendar, this.holidays);
      this.byDay.set(key, found);
    }
    return found;
  }

  /** The instant `minutes` of business time after `from`. Zero (or less) answers `from` itself. */
  addMinutes(from: Date, minutes: number): Date {
    let remaining = minutes * MINUTE;
    const cursor = from.getTime();
    if (remaining <= 0) return new Date(cursor);
    let day = localDay(cursor, this.calendar.timeZone);
    for (let i = 0; i < SEARCH_DAYS; i++) {
      for (const span of this.spans(day)) {
        const start = Math.max(span.start, cursor);
        if (start >= span.end) continue;
        const available = span.end - start;
        if (remaining <= available) return new Date(start + remaining);
        remaining -= available;
      }
      day = day.plus({ days: 1 });
    }
    throw new RangeError('the calendar has too few working hours to reach the target');
  }

  /** Business minutes between two instants (0 when `to` is not after `from`). */
  minutesBetween(from: Date, to: Date): number {
    const a = from.getTime();
    const b = to.getTime();
    if (b <= a) return 0;
    let total = 0;
    for (let day = localDay(a, this.calendar.timeZone); day.toMillis() < b; day = day.plus({ days: 1 }))
      for (const span of this.spans(day))
        total += Math.max(0, Math.min(span.end, b) - Math.max(span.start, a));
    return total / MINUTE;
  }

  /** Whether the local date has working hours (not a holiday, not a day off). */
  isBusinessDay(at: Date): boolean {
    return this.spans(localDay(at.getTime(), this.calendar.timeZone)).length > 0;
  }

  /**
   * `days` business days after `from`, at the same local time of day: Friday 15:00 plus one
   * business day is Monday 15:00, or Tuesday when Monday is a holiday.
   */
  addBusinessDays(from: Date, days: number): Date {
    let at = DateTime.fromMillis(from.getTime(), { zone: this.calendar.timeZone });
    let counted = 0;
    for (let i = 0; counted < days; i++) {
      if (i > SEARCH_DAYS) throw new RangeError('the calendar has no business days');
      at = at.plus({ days: 1 });
      if (this.spans(at.startOf('day')).length > 0) counted++;
    }
    return at.toJSDate();
  }

  /** The first instant at or after `at` in working hours: `at` itself when it is in them. */
  nextOpen(at: Date): Date {
    const cursor = at.getTime();
    let day = localDay(cursor, this.calendar.timeZone);
    for (let i = 0; i < SEARCH_DAYS; i++) {
      for (const span of this.spans(day))
        if (span.end > cursor) return new Date(Math.max(span.start, cursor));
      day = day.plus({ days: 1 });
    }
    throw new RangeError('the calendar has no working hours');
  }

  /** Local midnight of a date (YYYY-MM-DD) in the calendar's time zone, `days` later (or earlier). */
  startOfDate(date: string, days = 0): Date {
    return DateTime.fromISO(date, { zone: this.calendar.timeZone }).plus({ days }).startOf('day').toJSDate();
  }

  /** A local, readable time for messages: `Mon 30 Nov 2026, 09:55 (Europe/Berlin)`. */
  format(at: Date): string {
    const local = DateTime.fromMillis(at.getTime(), { zone: this.calendar.timeZone });
    return `${local.toFormat('ccc d LLL yyyy, HH:mm')} (${this.calendar.timeZone})`;
  }
}
