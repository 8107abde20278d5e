import { chooseLocale, date, dateHelpers, dateTime, dayRange, money, timeTag } from '../../src/web/format';

const day = new Date('2026-12-02T00:00:00Z');

describe('dates in the reader\'s locale', () => {
  it('writes a calendar day per locale, never as ISO', () => {
    expect(date(day, 'en-US')).toBe('Dec 2, 2026');
    expect(date(day, 'en-GB')).toBe('2 Dec 2026');
    expect(date('2026-12-02', 'de-DE')).toBe('2. Dez. 2026');
    expect(date(undefined)).toBe('');
    expect(date('not a date')).toBe('');
  });

  it('keeps a stored UTC day on that day whatever the zone', () => {
    expect(dateHelpers({ locale: 'en-US', timeZone: 'America/Los_Angeles' }).time('2026-12-02')).toBe('<time datetime="2026-12-02">Dec 2, 2026</time>');
  });

  it('writes a moment to the minute in the reader\'s zone and names the zone', () => {
    const at = new Date('2026-12-02T09:30:00Z');
    expect(dateTime(at, 'en-GB')).toBe('2 Dec 2026, 09:30 UTC');
    expect(dateTime(at, 'en-US', 'America/New_York')).toMatch(/^Dec 2, 2026, 04:30 AM EST$/);
    expect(timeTag(at.toISOString(), { locale: 'en-GB', timeZone: 'UTC' })).toBe('<time datetime="2026-12-02T09:30:00.000Z">2 Dec 2026, 09:30 UTC</time>');
  });

  it('prints the fallback for no date, escaped', () => {
    expect(timeTag(undefined, undefined, '<never>')).toBe('&lt;never&gt;');
  });

  it('prints a range once when it is one day', () => {
    const { range } = dateHelpers({ locale: 'en-GB', timeZone: 'UTC' });
    expect(range(dayRange(day, new Date('2027-01-05T00:00:00Z')))).toBe('<time datetime="2026-12-02">2 Dec 2026</time> to <time datetime="2027-01-05">5 Jan 2027</time>');
    expect(range(dayRange(day, day))).toBe('<time datetime="2026-12-02">2 Dec 2026</time>');
    expect(range(dayRange(null, null))).toBe('');
  });

  it('takes the launch locale, else the browser\'s first usable language, else en-US', () => {
    expect(chooseLocale('de-DE', ['fr-FR'])).toBe('de-DE');
    expect(chooseLocale(undefined, ['*', 'en-GB', 'fr'])).toBe('en-GB');
    expect(chooseLocale('not a locale!!', ['fr_CA'])).toBe('fr-CA');
    expect(chooseLocale('', [])).toBe('en-US');
  });
});

describe('money', () => {
  it('always has cents', () => {
    expect(money(217.5)).toBe('$217.50');
    expect(money(1500)).toBe('$1,500.00');
  });
});
