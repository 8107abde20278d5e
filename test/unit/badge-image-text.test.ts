import fc from 'fast-check';
import { JSDOM } from 'jsdom';
import { defaultBadgeSvg, layoutName, measureBold, TEXT_BOX } from '../../src/credentials/badgeImage';

/** The lines of a drawn badge as a reader of the SVG sees them. */
function linesOf(svg: Buffer) {
  const doc = new JSDOM(svg.toString(), { contentType: 'image/svg+xml' }).window.document;
  const group = doc.querySelector('g')!;
  const fontSize = Number(group.getAttribute('font-size'));
  return {
    doc,
    fontSize,
    lines: [...doc.querySelectorAll('text')].map((t) => ({ text: t.textContent ?? '', y: Number(t.getAttribute('y')), textLength: Number(t.getAttribute('textLength')) })),
  };
}

const LONG = 'Culturally Responsive Teaching in Multilingual Classrooms: Designing Assessment for Learning Across the Content Areas (K-12)';

test('a long name is drawn whole, over lines that each fit the hexagon, none cut off', () => {
  const { fontSize, lines, doc } = linesOf(defaultBadgeSvg({ name: LONG, color: '#1f5f8b' }));
  expect(lines.length).toBeGreaterThan(3);
  expect(lines.map((l) => l.text).join(' ')).toBe(LONG);
  expect(doc.querySelector('title')!.textContent).toBe(LONG);
  for (const line of lines) {
    expect(measureBold(line.text, fontSize)).toBeLessThanOrEqual(TEXT_BOX.width);
    // textLength pins the drawn width, so a viewer's fallback font cannot overflow it.
    expect(line.textLength).toBeCloseTo(measureBold(line.text, fontSize), 0);
    expect(line.y).toBeGreaterThan(64);
    expect(line.y).toBeLessThan(176);
  }
  expect(lines.join('')).not.toContain('…');
});

test('a short name is drawn large on one line; the text is dark on a light color and white on a dark one', () => {
  const short = linesOf(defaultBadgeSvg({ name: 'Mentor', color: '#ffee00' }));
  expect(short.lines.map((l) => l.text)).toEqual(['Mentor']);
  expect(short.fontSize).toBe(26);
  expect(short.doc.querySelector('g')!.getAttribute('fill')).toBe('#1c2430');
  expect(linesOf(defaultBadgeSvg({ name: 'Mentor', color: '#1f5f8b' })).doc.querySelector('g')!.getAttribute('fill')).toBe('#ffffff');
});

test('a word too long for any line is split over lines rather than cut off', () => {
  const word = 'Pneumonoultramicroscopicsilicovolcanoconiosisandmoreletters';
  const { lines, fontSize } = linesOf(defaultBadgeSvg({ name: `${word} badge`, color: '#1f5f8b' }));
  expect(lines.map((l) => l.text).join('').replace(/\s/g, '')).toBe(`${word}badge`);
  for (const line of lines) expect(measureBold(line.text, fontSize)).toBeLessThanOrEqual(TEXT_BOX.width);
});

test('a name made of markup is text in the image: no element, no handler, control characters dropped', () => {
  const name = '<script>alert(1)</script> <img src=x onerror=alert(1)> & "quotes" \u0007bell';
  const svg = defaultBadgeSvg({ name, color: '#1f5f8b" onload="alert(1)' });
  const { doc, lines } = linesOf(svg);
  expect(doc.querySelectorAll('script, img, foreignObject').length).toBe(0);
  expect(svg.toString()).not.toMatch(/onload|onerror=alert\(1\)"/);
  expect(lines.map((l) => l.text).join(' ')).toBe(name.replace('\u0007', ''));
  // An invalid color falls back to the default rather than reaching the markup.
  expect(doc.querySelector('polygon')!.getAttribute('fill')).toBe('#1f5f8b');
});

test('any name of up to 120 characters keeps every word, and every line fits the box', () => {
  const word = fc.stringMatching(/^[A-Za-zÀ-ÿ0-9:&'()-]{1,18}$/);
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 12 }).map((ws) => ws.join(' ').slice(0, 120).trim()).filter((n) => n.length > 0), (name) => {
      const { fontSize, lines } = layoutName(name);
      expect(lines.map((l) => l.text).join(' ').replace(/\s+/g, '')).toBe(name.replace(/\s+/g, ''));
      for (const l of lines) expect(l.width).toBeLessThanOrEqual(TEXT_BOX.width);
      expect(lines.length * fontSize).toBeLessThanOrEqual(TEXT_BOX.height + fontSize);
    }),
    { numRuns: 150 },
  );
});
