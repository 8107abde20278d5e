/**
 * The one place words and numbers are formatted for people: money, dates, counts. Dates follow the
 * reader's locale (the LTI launch's launch_presentation.locale, else the browser's Accept-Language,
 * else en-US) through Intl. Stored calendar days are UTC midnights and print as that day anywhere;
 * moments print in the district's time zone (UTC where it has none), naming the zone.
 */

export const DEFAULT_LOCALE = 'en-US';
export const DEFAULT_TIME_ZONE = 'UTC';

/** Whose eyes a page is for: the language dates are written in and the zone moments are shown in. */
export interface Reader {
  locale: string;
  timeZone: string;
}

export const DEFAULT_READER: Reader = { locale: DEFAULT_LOCALE, timeZone: DEFAULT_TIME_ZONE };

/**
 * Building an Intl formatter, or checking a locale or zone, costs far more than formatting with one; pages
 * format many values in the same few locales and zones, so each is built once (bounded: the keys come from
 * launches and browsers).
 */
function memo<T>(build: (key: string) => T): (key: string) => T {
  const built = new Map<string, T>();
  return (key) => {
    let value = built.get(key);
    if (value === undefined && !built.has(key)) {
      if (built.size >= 500) built.clear();
      value = build(key);
      built.set(key, value);
    }
    return value as T;
  };
}

/** A BCP 47 tag Intl accepts, else undefined (a platform or browser may send anything). */
function supportedLocale(raw: unknown): string | undefined {
  return typeof raw === 'string' ? checkedLocale(raw) : undefined;
}

const checkedLocale = memo((raw: string): string | undefined => {
  if (!raw.trim() || raw.trim() === '*') return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(raw.trim().replace(/_/g, '-'));
    return canonical && Intl.DateTimeFormat.supportedLocalesOf([canonical]).length ? canonical : undefined;
  } catch {
    return undefined;
  }
});

/** A BCP 47 tag Intl accepts, else the default. */
export function safeLocale(raw: unknown): string {
  return supportedLocale(raw) ?? DEFAULT_LOCALE;
}

/** The launch's locale if usable, else the first usable of the browser's languages (best first), else en-US. */
export function chooseLocale(launchLocale: unknown, acceptedLanguages: readonly string[] = []): string {
  for (const candidate of [launchLocale, ...acceptedLanguages]) {
    const locale = supportedLocale(candidate);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

/** An IANA zone Intl knows ("Europe/Berlin"), else UTC. */
export function safeTimeZone(raw: unknown): string {
  return typeof raw === 'string' && raw.trim() ? checkedZone(raw.trim()) : DEFAULT_TIME_ZONE;
}

const checkedZone = memo((zone: string): string => {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return DEFAULT_TIME_ZONE;
  }
});

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** US dollars with cents: $217.50, $2,000.00. */
export function money(amount: number): string {
  return dollars.format(Number.isFinite(amount) ? amount : 0);
}

type When = Date | string | null | undefined;
const CALENDAR_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A Date from a Date or an ISO string (what presenters hand views); undefined for none or nonsense. */
function toDate(value: When): Date | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const d = value instanceof Date ? value : new Date(CALENDAR_DAY.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A calendar day in the reader's locale ("Dec 2, 2026", "2 Dec 2026", "02.12.2026"-style per locale); '' for none. */
export function date(value: When, locale: string = DEFAULT_LOCALE): string {
  const d = toDate(value);
  return d ? dayFormat(safeLocale(locale)).format(d) : '';
}

const dayFormat = memo((locale: string) => new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }));
const momentFormat = memo((key: string) => {
  const [locale, timeZone] = key.split(' ');
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' });
});

/** A moment in the reader's locale and zone, to the minute, naming the zone ("Dec 2, 2026, 09:30 UTC"); '' for none. */
export function dateTime(value: When, locale: string = DEFAULT_LOCALE, timeZone: string = DEFAULT_TIME_ZONE): string {
  const d = toDate(value);
  return d
    ? momentFormat(`${safeLocale(locale)} ${safeTimeZone(timeZone)}`).format(d)
    : '';
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

/**
 * A `<time>` element for views (`<%- time(x) %>`; every part is escaped here): a calendar day for a
 * `YYYY-MM-DD` string, else a moment; `empty` (escaped) when there is no date.
 */
export function timeTag(value: When, reader: Reader = DEFAULT_READER, empty = ''): string {
  const d = toDate(value);
  if (!d) return escapeHtml(empty);
  const isDay = typeof value === 'string' && CALENDAR_DAY.test(value);
  const text = isDay ? date(d, reader.locale) : dateTime(d, reader.locale, reader.timeZone);
  return `<time datetime="${escapeHtml(isDay ? (value as string) : d.toISOString())}">${escapeHtml(text)}</time>`;
}

/** The date helpers a page's views get, bound to its reader. */
export function dateHelpers(reader: Reader) {
  return {
    date: (value: When) => date(value, reader.locale),
    dateTime: (value: When) => dateTime(value, reader.locale, reader.timeZone),
    time: (value: When, empty?: string) => timeTag(value, reader, empty),
    /** "<time>start</time> to <time>end</time>", or the one day. */
    range: (r: DayRange | undefined) => (r?.start ? [timeTag(r.start, reader), ...(r.end ? [timeTag(r.end, reader)] : [])].join(' to ') : ''),
  };
}

/** Machine-readable forms for CSV files and date inputs. */
export const isoDate = (d: Date | null | undefined): string => (d ? d.toISOString().slice(0, 10) : '');
/** A moment as full ISO 8601 (what presenters hand views for `time()`). */
export const isoMoment = (d: Date | null | undefined): string => (d ? d.toISOString() : '');
export const isoDateTime = (d: Date | null | undefined): string => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '');

/** "1 activity", "3 activities". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** The verb that agrees with a field's name: "the cost looks", "the hours look". */
export function verbFor(noun: string, singular: string, plural: string): string {
  return /s$/.test(noun.trim()) ? plural : singular;
}

/** Two calendar days as a range for views (`range(r)`); `end` is '' when it is the start day. */
export interface DayRange {
  start: string;
  end: string;
}

export function dayRange(start: Date | null | undefined, end: Date | null | undefined): DayRange {
  const [s, e] = [isoDate(start), isoDate(end)];
  return s ? { start: s, end: e === s ? '' : e } : { start: e, end: '' };
}
