import { Resvg } from '@resvg/resvg-js';
import * as fontkit from 'fontkit';
import { fontPath } from '../kernel/pdf';
import { sanitisedSvg } from './rules';

// The badge drawn when PD staff upload no image: a hexagon in the achievement's color carrying its whole
// name, wrapped over lines and made smaller until every line fits (never cut off).

const SIZE = 240;
/** The band of the hexagon that is full width (x 23–217, y 64–176), less a margin. */
export const TEXT_BOX = { width: 164, height: 108, centerY: 120 };
const FONT_SIZES = { largest: 26, smallest: 9 };
const LINE_HEIGHT = 1.18;
const FONT_FAMILY = 'DejaVu Sans, Verdana, Arial, sans-serif';

export interface BadgeLine {
  text: string;
  /** Its advance width at the chosen size, in SVG user units. */
  width: number;
}

export interface BadgeText {
  fontSize: number;
  lines: BadgeLine[];
}

type Measure = (text: string, fontSize: number) => number;

let bold: fontkit.Font | undefined;

/** Advance width of a line in DejaVu Sans Bold, the face the SVG names first (and forces with textLength). */
export const measureBold: Measure = (text, fontSize) => {
  bold ??= fontkit.openSync(fontPath('bold')) as fontkit.Font;
  return (bold.layout(text).advanceWidth / bold.unitsPerEm) * fontSize;
};

/** A word wider than the box is split into pieces that fit (rare: a long compound or a URL). */
function pieces(word: string, fontSize: number, measure: Measure): string[] {
  if (measure(word, fontSize) <= TEXT_BOX.width) return [word];
  const out: string[] = [];
  let current = '';
  for (const ch of Array.from(word)) {
    if (current && measure(current + ch, fontSize) > TEXT_BOX.width) {
      out.push(current);
      current = ch;
    } else current += ch;
  }
  return current ? [...out, current] : out;
}

/** Greedy wrapping of the words at one size. */
function wrap(words: string[], fontSize: number, measure: Measure): BadgeLine[] {
  const lines: string[] = [];
  for (const piece of words.flatMap((w) => pieces(w, fontSize, measure))) {
    const last = lines[lines.length - 1];
    if (last !== undefined && measure(`${last} ${piece}`, fontSize) <= TEXT_BOX.width) lines[lines.length - 1] = `${last} ${piece}`;
    else lines.push(piece);
  }
  return lines.map((text) => ({ text, width: measure(text, fontSize) }));
}

const fits = (lines: BadgeLine[], fontSize: number) => lines.length * fontSize * LINE_HEIGHT <= TEXT_BOX.height;

/**
 * The largest size at which the name fits the box in whole words per line; failing that (a word wider
 * than the box even at the smallest size), the largest at which its split pieces fit; at worst the
 * smallest size, wrapped anyway (a 120-character name fits well before that).
 */
export function layoutName(name: string, measure: Measure = measureBold): BadgeText {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const sizes = Array.from({ length: FONT_SIZES.largest - FONT_SIZES.smallest + 1 }, (_, i) => FONT_SIZES.largest - i);
  for (const fontSize of sizes) {
    if (words.some((w) => measure(w, fontSize) > TEXT_BOX.width)) continue;
    const lines = wrap(words, fontSize, measure);
    if (fits(lines, fontSize)) return { fontSize, lines };
  }
  for (const fontSize of sizes) {
    const lines = wrap(words, fontSize, measure);
    if (fits(lines, fontSize)) return { fontSize, lines };
  }
  return { fontSize: FONT_SIZES.smallest, lines: wrap(words, FONT_SIZES.smallest, measure) };
}

/** XML has no place for control characters; markup characters become references. */
function xmlText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Dark text on a light color, white on a dark one (WCAG relative luminance). */
function textColor(hex: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return '#ffffff';
  const [r, g, b] = m.slice(1).map((h) => {
    const c = parseInt(h, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b! > 0.179 ? '#1c2430' : '#ffffff';
}

/**
 * The SVG: each line carries `textLength`, so a viewer without DejaVu Sans stretches or squeezes its own
 * font to the measured width instead of overflowing. The markup then passes the same allowlist sanitiser
 * as uploaded SVGs.
 */
export function defaultBadgeSvg(a: { name: string; color?: string | null }): Buffer {
  const color = /^#[0-9a-f]{6}$/i.test(a.color ?? '') ? a.color! : '#1f5f8b';
  const { fontSize, lines } = layoutName(a.name);
  const lineHeight = fontSize * LINE_HEIGHT;
  // Baseline of the first line: the block is centred, a line's ink sits about 0.35 em above its baseline.
  const firstBaseline = TEXT_BOX.centerY - ((lines.length - 1) * lineHeight) / 2 + fontSize * 0.35;
  const text = lines.map(
    (l, i) => `<text x="${SIZE / 2}" y="${(firstBaseline + i * lineHeight).toFixed(1)}" textLength="${l.width.toFixed(1)}" lengthAdjust="spacingAndGlyphs">${xmlText(l.text)}</text>`,
  );
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img">`,
    `<title>${xmlText(a.name)}</title>`,
    `<polygon points="120,8 217,64 217,176 120,232 23,176 23,64" fill="${color}" stroke="#f2b134" stroke-width="8"/>`,
    `<g font-family="${FONT_FAMILY}" font-size="${fontSize}" font-weight="700" fill="${textColor(color)}" text-anchor="middle">`,
    ...text,
    '</g>',
    '</svg>',
  ].join('');
  return sanitisedSvg(svg);
}

/**
 * A PNG of a badge SVG, for what shows no SVG (link previews on LinkedIn and chat apps, some backpacks):
 * rendered with the DejaVu fonts the layout measured, no system fonts, nothing loaded from outside.
 */
export function badgePng(svg: Buffer, width = 480): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: { fontFiles: [fontPath('body'), fontPath('bold')], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  });
  return Buffer.from(resvg.render().asPng());
}
