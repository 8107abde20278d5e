/**
 * The one place words and numbers are formatted for people: money, dates, counts. Dates follow the
 * locale of the user's launch (LTI launch_presentation.locale) through Intl; stored dates are UTC days.
 */

export const DEFAULT_LOCALE = 'en-US';

/** A BCP 47 tag Intl accepts, else the default (a platform may send anything). */
export function safeLocale(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.trim()) return DEFAULT_LOCALE;
  try {
    const [canonical] = Intl.getCanonicalLocales(raw.trim().replace(/_/g, '-'));
    return canonical && Intl.DateTimeFormat.supportedLocalesOf([canonical]).length ? canonical : DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

/** US dollars with cents: $217.50, $2,000.00. */
export function money(amount: number): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(Number.isFinite(amount) ? amount : 0);
}

/** A calendar day in the user's locale ("Jun 30, 2031", "30 Jun 2031"); '' for none. */
export function date(d: Date | null | undefined, locale: string = DEFAULT_LOCALE): string {
  return d ? new Intl.DateTimeFormat(safeLocale(locale), { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(d) : '';
}

/** A moment in the user's locale, in UTC (said so), to the minute. */
export function dateTime(d: Date | null | undefined, locale: string = DEFAULT_LOCALE): string {
  return d ? `${new Intl.DateTimeFormat(safeLocale(locale), { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(d)} UTC` : '';
}

/** Machine-readable forms for CSV files and date inputs. */
export const isoDate = (d: Date | null | undefined): string => (d ? d.toISOString().slice(0, 10) : '');
export const isoDateTime = (d: Date | null | undefined): string => (d ? d.toISOString().replace('T', ' ').slice(0, 16) : '');

/** "1 activity", "3 activities". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** The verb that agrees with a field's name: "the cost looks", "the hours look". */
export function verbFor(noun: string, singular: string, plural: string): string {
  return /s$/.test(noun.trim()) ? plural : singular;
}
