import { fontPath, newPdf, Pdf } from '../kernel/pdf';
import { date, DayRange, DEFAULT_LOCALE } from '../web/format';
import type { recordExport } from './recordPresenter';

type Record = ReturnType<typeof recordExport>;
type Doc = Pdf;
/** Writes an ISO day from the view model in the reader's locale. */
type Day = (iso: string) => string;

const MUTED = '#555555';

function heading(doc: Doc, text: string, size: number): void {
  doc.moveDown(0.6).font('bold').fontSize(size).fillColor('black').text(text).font('body').fontSize(10);
}

function line(doc: Doc, text: string, opts: { muted?: boolean; indent?: number } = {}): void {
  doc.fillColor(opts.muted ? MUTED : 'black').text(text, { indent: opts.indent ?? 0 }).fillColor('black');
}

/** Completed PD per year as a table: year, activities, hours, cost. */
function creditTable(doc: Doc, credit: Record['credit']): void {
  heading(doc, 'Completed PD by year', 13);
  if (!credit.years.length) return line(doc, 'No completed activities yet.', { muted: true });
  const bold = (cells: string[]) => cells.map((text) => ({ text, type: 'TH' as const, font: { src: fontPath('bold') } }));
  doc.table({
    columnStyles: [90, 90, 90, 120],
    data: [
      bold(['Year', 'Activities', 'Hours', 'Cost']),
      ...credit.years.map((y) => [String(y.year), String(y.activities), y.hours, y.cost]),
      bold(['Total', String(credit.total.activities), credit.total.hours, credit.total.cost]),
    ],
  });
  doc.font('body').fontSize(10);
}

function goalSection(doc: Doc, g: Record['plans'][number]['goals'][number], day: Day): void {
  heading(doc, `Goal ${g.number}: ${g.statement}`, 11);
  line(doc, [`${g.progress}%${g.completed ? `, completed ${day(g.completedOn)}` : ''}`, g.competency, g.targetLevel, day(g.targetDate)].filter(Boolean).join(' · '), { muted: true });
  if (g.measure) line(doc, `Success measure: ${g.measure}`);
  for (const a of g.activities) line(doc, `• ${a.title} — ${a.statusLabel}${a.completedOn ? ` (${day(a.completedOn)}, ${a.source})` : ''}; ${a.hours}, ${a.cost}`, { indent: 10 });
  for (const r of g.reflections) line(doc, `Reflection (${day(r.on)}, ${r.about}): ${r.learned} — ${r.practice}${r.impact ? ` — Impact: ${r.impact}` : ''}`);
  if (g.evidence.length) line(doc, `Evidence: ${g.evidence.map((e) => `${e.activity}: ${e.name} (${e.statusLabel})`).join('; ')}`);
  for (const f of g.feedback) line(doc, `${f.by} (${f.role}, ${day(f.on)}): ${f.text}`, { muted: true });
}

function planSection(doc: Doc, p: Record['plans'][number], day: Day): void {
  const period = (r: DayRange) => [r.start, r.end].filter(Boolean).map(day).join(' to ');
  heading(doc, `Plan ${period(p.period)} (${p.status})`, 13);
  line(doc, `Progress ${p.progress}%.${p.commitment ? ` Time commitment: ${p.commitment}` : ''}`);
  p.goals.forEach((g) => goalSection(doc, g, day));
  for (const r of p.reviews) {
    heading(doc, `${r.kind === 'annual' ? 'Annual review' : 'End-of-period review'} (${day(r.on)})`, 11);
    r.goals.forEach((g, i) => line(doc, `Goal ${i + 1}: ${g.reflection}${g.selfLevel ? ` — self-rating ${g.selfLevel}` : ''}`));
    if (r.summary) line(doc, r.summary);
  }
  if (p.approvals.length) line(doc, `Decisions: ${p.approvals.map((a) => `${day(a.on)} ${a.decision} by ${a.by}${a.comment ? ` (${a.comment})` : ''}`).join('; ')}`, { muted: true });
}

/** The record page as a PDF: the same view model, so the same words, dates (in the reader's locale) and amounts. */
export function recordPdf(record: Record, locale: string = DEFAULT_LOCALE): Promise<Buffer> {
  const day: Day = (iso) => date(iso, locale);
  const { doc, done } = newPdf({ Title: `PD record: ${record.teacher.name}` });
  doc.font('bold').fontSize(18).text('PD record');
  doc.font('body').fontSize(10);
  line(doc, [record.teacher.name, record.teacher.email, `exported ${day(record.exportedOn)}`].filter(Boolean).join(' · '));
  creditTable(doc, record.credit);
  if (record.keptCredit.length) {
    heading(doc, 'Kept by your district', 13);
    line(doc, 'Completed activities from data you deleted, kept as the district’s PD record (counted above).', { muted: true });
    for (const k of record.keptCredit) line(doc, `• ${k.title} — completed ${day(k.completedOn)}; ${k.hours}, ${k.cost} (kept ${k.until ? `until ${day(k.until)}` : 'until PD staff delete it'})`, { indent: 10 });
  }
  if (!record.plans.length) line(doc, 'No plans yet.', { muted: true });
  record.plans.forEach((p) => planSection(doc, p, day));
  if (record.teamGoals.length) {
    heading(doc, 'Team goals', 13);
    for (const t of record.teamGoals) line(doc, `• ${t.statement} (${t.owner})`, { indent: 10 });
  }
  doc.end();
  return done;
}
