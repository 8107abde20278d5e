import PDFDocument from 'pdfkit';

export type Pdf = PDFKit.PDFDocument;

/** DejaVu Sans covers the names an LMS sends (accents, Greek, Cyrillic); the built-in PDF fonts do not. */
const FONTS = { body: 'DejaVuSans.ttf', bold: 'DejaVuSans-Bold.ttf' } as const;
export const fontPath = (face: keyof typeof FONTS) => require.resolve(`dejavu-fonts-ttf/ttf/${FONTS[face]}`);

/**
 * A new A4 PDF with the fonts registered as 'body' and 'bold' (body selected), and the buffer it
 * becomes once the caller ends it.
 */
export function newPdf(info: { Title: string; Author?: string }, opts: { layout?: 'portrait' | 'landscape'; margin?: number } = {}): { doc: Pdf; done: Promise<Buffer> } {
  const doc = new PDFDocument({ size: 'A4', margin: opts.margin ?? 50, layout: opts.layout ?? 'portrait', lang: 'en', displayTitle: true, info: { Author: 'PD Pathways', ...info } });
  doc.registerFont('body', fontPath('body'));
  doc.registerFont('bold', fontPath('bold'));
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('body').fontSize(10);
  return { doc, done };
}
