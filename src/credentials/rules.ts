import createDOMPurify from 'dompurify';
import { JSDOM } from 'jsdom';
import { config } from '../config';
import { Invalid } from '../kernel/errors';
import { IMAGE_TYPES } from './model';

// Badge image and issuer rules: what PD staff may upload and publish under the district's name.

export interface UploadedImage {
  buffer: Buffer;
  size: number;
}

export const MAX_IMAGE_BYTES = 1024 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const LOOKS_LIKE_SVG = /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i;

/** Elements and attributes whose removal means the file tried to run or load something: refused, not cleaned. */
const ACTIVE_ELEMENTS = new Set(['script', 'foreignobject', 'iframe', 'embed', 'object', 'handler', 'listener', 'set', 'animate', 'use', 'image', 'style', 'a']);
/** A reference may only point inside the image (`#id`) or at an embedded raster picture. */
const SAFE_REF = /^\s*(#[\w.:-]+|data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]+)\s*$/i;
/** CSS or presentation values may use url(#id) (gradients, clip paths), nothing outside the image. */
const OUTSIDE_URL = /url\s*\(\s*['"]?\s*(?!#)|@import|expression\s*\(|javascript:/i;

interface Refusal {
  what: string;
}

let purifier: { sanitize(svg: string): { root: Element | null; refused: Refusal[] }; serialize(root: Element): string } | undefined;

/**
 * DOMPurify (in a jsdom window) with its SVG allowlist; hooks refuse references and CSS that reach
 * outside the image. The cleaned tree is written out again with an XML serializer, so what is stored
 * is exactly what the allowlist kept.
 */
function svgPurifier() {
  if (purifier) return purifier;
  const { window } = new JSDOM('');
  const dom = createDOMPurify(window as unknown as Parameters<typeof createDOMPurify>[0]);
  let refused: Refusal[] = [];
  dom.addHook('uponSanitizeAttribute', (node, data) => {
    const name = data.attrName.toLowerCase();
    const outside = name === 'href' || name === 'xlink:href' ? !SAFE_REF.test(data.attrValue) || (/^\s*data:/i.test(data.attrValue) && node.nodeName.toLowerCase() !== 'image') : OUTSIDE_URL.test(data.attrValue);
    if (outside) {
      data.keepAttr = false;
      refused.push({ what: `${name}="${data.attrValue.slice(0, 40)}"` });
    }
  });
  dom.addHook('uponSanitizeElement', (node, data) => {
    if (data.tagName === 'style' && OUTSIDE_URL.test(node.textContent ?? '')) {
      node.parentNode?.removeChild(node);
      refused.push({ what: '<style> loading content from outside the image' });
    }
  });
  const serializer = new window.XMLSerializer();
  purifier = {
    sanitize(svg) {
      refused = [];
      const fragment = dom.sanitize(svg, { USE_PROFILES: { svg: true, svgFilters: true }, ADD_TAGS: ['use'], RETURN_DOM_FRAGMENT: true });
      for (const r of dom.removed) {
        const removed = r as { element?: Element; attribute?: Attr | null };
        const element = removed.element?.nodeName.toLowerCase();
        if (element && ACTIVE_ELEMENTS.has(element)) refused.push({ what: `<${removed.element!.nodeName}>` });
        if (removed.attribute && /^on/i.test(removed.attribute.name)) refused.push({ what: `${removed.attribute.name}=` });
      }
      const root = fragment.firstElementChild;
      return { root: root && root.nodeName.toLowerCase() === 'svg' && fragment.children.length === 1 ? root : null, refused };
    },
    serialize: (root) => serializer.serializeToString(root),
  };
  return purifier;
}

/** An SVG re-serialised through the allowlist; refused when it tried to run or load anything. */
export function sanitisedSvg(text: string): Buffer {
  const { root, refused } = svgPurifier().sanitize(text);
  if (refused.length) {
    const found = [...new Set(refused.map((r) => r.what))].slice(0, 3).join(', ');
    throw new Invalid('The image was refused.', { image: `SVG images may not contain scripts, event handlers, links or embedded content (found ${found}). Export a plain SVG or a PNG.` });
  }
  if (!root) throw new Invalid('The image was refused.', { image: 'The SVG could not be read as one image' });
  return Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${svgPurifier().serialize(root)}`);
}

/** A PNG or SVG of at most 1 MB, recognised by its content rather than its name. */
export function checkedImage(file: UploadedImage): { data: Buffer; contentType: (typeof IMAGE_TYPES)[number] } {
  if (file.size > MAX_IMAGE_BYTES) throw new Invalid('The image is too large.', { image: 'Upload an image of 1 MB or less' });
  if (file.buffer.subarray(0, 8).equals(PNG_SIGNATURE)) return { data: file.buffer, contentType: 'image/png' };
  const text = file.buffer.toString('utf8');
  if (LOOKS_LIKE_SVG.test(text)) return { data: sanitisedSvg(text), contentType: 'image/svg+xml' };
  throw new Invalid('The image was refused.', { image: 'Upload a PNG or SVG image' });
}

/** Badge issuer pages are verified by backpacks and employers: https only (plain http while developing). */
export function isIssuerUrl(url: string): boolean {
  const { protocol } = new URL(url);
  return protocol === 'https:' || (protocol === 'http:' && config().env !== 'production');
}
