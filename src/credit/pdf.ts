import { fontPath, newPdf, Pdf } from '../kernel/pdf';
import { date, DEFAULT_LOCALE } from '../web/format';
import type { CertificateView, TranscriptView } from './presenter';

const MUTED = '#555555';

function heading(doc: Pdf, text: string): void {
  doc.moveDown(0.6).font('bold').fontSize(13).fillColor('black').text(text).font('body').fontSize(10);
}

const bold = (cells: string[]) => cells.map((text) => ({ text, type: 'TH' as const, font: { src: fontPath('bold') } }));

/** The verification URL on a line of its own, small enough to fit the page width unbroken. */
function verifyLine(doc: Pdf, label: string, url: string): void {
  doc.moveDown(0.8).fillColor(MUTED).fontSize(9).text(label).fontSize(7).text(url, { link: url, lineBreak: false }).fontSize(10).fillColor('black');
}

/** The official transcript: completions with dates, provider and credit; totals per year, per cycle and overall. */
export function transcriptPdf(t: TranscriptView, locale: string = DEFAULT_LOCALE): Promise<Buffer> {
  const day = (iso: string) => date(iso, locale);
  const { doc, done } = newPdf({ Title: `PD transcript: ${t.teacher.name}` });
  doc.font('bold').fontSize(18).text('Professional development transcript');
  doc.font('body').fontSize(11).text(t.district);
  doc.fontSize(10).text([t.teacher.name, t.teacher.email, `issued ${day(t.issuedOn)}`].filter(Boolean).join(' · '));
  heading(doc, 'Completed activities');
  if (!t.lines.length) doc.fillColor(MUTED).text('No completed activities yet.').fillColor('black');
  else {
    doc.table({ columnStyles: [70, 170, 100, 155], data: [bold(['Completed', 'Activity', 'Provider', 'Credit']), ...t.lines.map((l) => [day(l.completedOn), l.title, l.provider, l.credit])] });
    doc.font('body').fontSize(10);
  }
  heading(doc, 'Credit by year');
  for (const y of t.years) doc.text(`${y.year}: ${y.totals}`);
  if (t.cycle) {
    heading(doc, `Renewal cycle: ${t.cycle.rule}`);
    doc.text(`${day(t.cycle.start)} to ${day(t.cycle.end)}: ${t.cycle.totals}`);
    doc.text(`${t.cycle.progress.statusText}: ${t.cycle.progress.earned}; ${t.cycle.progress.remaining}.`);
  }
  heading(doc, 'Total');
  doc.text(t.total);
  verifyLine(doc, 'Verify this transcript as issued:', t.verifyUrl);
  doc.end();
  return done;
}

/** A certificate of completion: district, teacher, activity, credit, date and a signature line. */
export function certificatePdf(c: CertificateView, locale: string = DEFAULT_LOCALE): Promise<Buffer> {
  const { doc, done } = newPdf({ Title: `Certificate of completion: ${c.activity}` }, { layout: 'landscape', margin: 60 });
  const width = doc.page.width - 120;
  doc.moveDown(2).font('body').fontSize(14).text(c.district, { align: 'center', width });
  doc.moveDown(0.5).font('bold').fontSize(28).text('Certificate of completion', { align: 'center', width });
  doc.moveDown(1).font('body').fontSize(13).text('This certifies that', { align: 'center', width });
  doc.moveDown(0.3).font('bold').fontSize(22).text(c.teacher, { align: 'center', width });
  doc.moveDown(0.3).font('body').fontSize(13).text('completed', { align: 'center', width });
  doc.moveDown(0.3).font('bold').fontSize(18).text(c.activity, { align: 'center', width });
  doc.moveDown(0.5).font('body').fontSize(12).text([c.provider && `Provided by ${c.provider}`, `on ${date(c.completedOn, locale)}`].filter(Boolean).join(' '), { align: 'center', width });
  doc.moveDown(0.3).text(`Credit earned: ${c.credit}`, { align: 'center', width });
  doc.moveDown(2.5).text('______________________________', { align: 'center', width }).text('Signature, professional development office', { align: 'center', width });
  verifyLine(doc, 'Verify this certificate:', c.verifyUrl);
  doc.end();
  return done;
}
