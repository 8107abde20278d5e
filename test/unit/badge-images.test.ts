import { checkedImage, isIssuerUrl, sanitisedSvg } from '../../src/credentials/rules';
import { overrideConfig, config } from '../../src/config';
import { Invalid } from '../../src/kernel/errors';

const svg = (inner: string, attrs = '') => `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 100"${attrs}>${inner}</svg>`;
const upload = (text: string) => checkedImage({ buffer: Buffer.from(text), size: Buffer.byteLength(text) });

function refusal(text: string): string {
  try {
    upload(text);
  } catch (err) {
    expect(err).toBeInstanceOf(Invalid);
    return (err as Invalid).fields.image!;
  }
  throw new Error(`accepted: ${text}`);
}

describe('badge SVGs are re-serialised through the allowlist; anything that runs or loads is refused', () => {
  const bypasses: [string, string][] = [
    ['a script element', svg('<script>alert(1)</script>')],
    ['a script with odd case and a CDATA body', svg('<ScRiPt><![CDATA[alert(1)]]></ScRiPt>')],
    ['an onload attribute', svg('<rect width="10" height="10"/>', ' onload="alert(1)"')],
    ['an event handler after a newline', svg('<circle r="5"\nonmouseover="alert(1)"/>')],
    ['an event handler after a slash (passed the old regex)', svg('<circle r="5"/onclick="alert(1)"/>')],
    ['foreignObject with HTML', svg('<foreignObject width="100" height="100"><body xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></body></foreignObject>')],
    ['a javascript: link', svg('<a href="javascript:alert(1)"><text y="20">Badge</text></a>')],
    ['a javascript: link hidden by entities (passed the old regex)', svg('<a href="jav&#x61;script:alert(1)"><text y="20">Badge</text></a>')],
    ['an xlink:href to javascript', svg('<a xlink:href="javascript:alert(1)"><rect width="5" height="5"/></a>')],
    ['<use> pointing outside the image', svg('<use href="https://evil.example/sprite.svg#payload"/>')],
    ['<use> with xlink:href to a data: SVG (passed the old regex)', svg('<use xlink:href="data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+#x"/>')],
    ['an external image (tracking pixel)', svg('<image href="https://tracker.example/pixel.png" width="1" height="1"/>')],
    ['CSS in a style element loading a URL', svg('<style>rect { fill: url(https://evil.example/x.svg#p) }</style><rect width="5" height="5"/>')],
    ['CSS @import', svg('<style>@import url(//evil.example/x.css);</style>')],
    ['a style attribute with url()', svg('<rect width="5" height="5" style="fill:url(\'https://evil.example/a\')"/>')],
    ['a presentation attribute with an outside url()', svg('<rect width="5" height="5" fill="url(https://evil.example/g.svg#g)"/>')],
    ['<set> turning on a handler (passed the old regex)', svg('<set attributeName="onmouseover" to="alert(1)"/>')],
    ['an iframe', svg('<iframe src="https://evil.example"></iframe>')],
  ];

  test.each(bypasses)('%s', (_name, text) => {
    expect(refusal(text)).toMatch(/SVG images may not contain scripts, event handlers, links or embedded content/);
  });

  test('entity tricks: an internal DOCTYPE entity is never expanded into markup, and a billion laughs stays small', () => {
    const entity = `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "<script>alert(1)</script>">]>${svg('<text y="20">&x;</text>')}`;
    const out = upload(entity).data.toString();
    expect(out).not.toMatch(/<script/i);
    expect(out).not.toContain('<!ENTITY');
    const laughs = `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "hahahahaha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>${svg('<text>&d;</text>')}`;
    expect(upload(laughs).data.length).toBeLessThan(2000);
  });

  test('a real badge keeps its shapes, gradients, internal <use>, text and an embedded PNG', () => {
    const badge = svg(
      '<defs><linearGradient id="gold"><stop offset="0" stop-color="#f5c542"/><stop offset="1" stop-color="#b8860b"/></linearGradient><circle id="dot" r="3"/></defs>' +
        '<circle cx="50" cy="50" r="45" fill="url(#gold)" stroke="#333" stroke-width="2"/><use href="#dot" x="50" y="20"/><use xlink:href="#dot" x="50" y="80"/>' +
        '<text x="50" y="55" text-anchor="middle" font-family="sans-serif" style="font-weight:bold">PD &amp; Growth</text>' +
        '<image width="10" height="10" href="data:image/png;base64,iVBORw0KGgo="/>',
    );
    const { data, contentType } = upload(`<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n${badge}`);
    expect(contentType).toBe('image/svg+xml');
    const out = data.toString();
    expect(out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const kept of ['viewBox="0 0 100 100"', 'fill="url(#gold)"', '<linearGradient id="gold">', 'href="#dot"', 'xlink:href="#dot"', 'PD &amp; Growth', 'style="font-weight:bold"', 'href="data:image/png;base64,iVBORw0KGgo="']) expect(out).toContain(kept);
    // Written out again, the stored file is itself clean.
    expect(sanitisedSvg(out).toString()).toBe(out);
  });

  test('a file that is not one SVG image is refused', () => {
    expect(refusal('<html><body><svg></svg></body></html>')).toBe('Upload a PNG or SVG image');
    expect(refusal('GIF89a....')).toBe('Upload a PNG or SVG image');
  });
});

describe('the badge issuer URL', () => {
  const env = config().env;
  afterEach(() => overrideConfig({ env }));

  test('is https in production; plain http only while developing; other schemes never', () => {
    expect(isIssuerUrl('https://pd.district.example')).toBe(true);
    expect(isIssuerUrl('http://localhost:3000')).toBe(true);
    expect(isIssuerUrl('javascript://pd.district.example/%0aalert(1)')).toBe(false);
    expect(isIssuerUrl('ftp://pd.district.example')).toBe(false);
    overrideConfig({ env: 'production' });
    expect(isIssuerUrl('http://pd.district.example')).toBe(false);
    expect(isIssuerUrl('https://pd.district.example')).toBe(true);
  });
});
