import nodeConfig from 'config';
import { resolveConfig } from '../../src/config';

const raw = () => ({ ...(nodeConfig.util.toObject() as Record<string, unknown>), publicUrl: undefined });

describe('public URL', () => {
  test('outside production it follows the port when PUBLIC_URL is not set', () => {
    expect(resolveConfig({ ...raw(), env: 'development', port: 3200 }).publicUrl).toBe('http://localhost:3200');
  });

  test('a PUBLIC_URL that is set wins, without its trailing slash', () => {
    expect(resolveConfig({ ...raw(), env: 'development', port: 3200, publicUrl: 'https://pd.example.org/' }).publicUrl).toBe('https://pd.example.org');
  });

  test('production refuses to guess it', () => {
    const prev = process.env.APP_SECRET;
    process.env.APP_SECRET = 'x'.repeat(40);
    try {
      expect(() => resolveConfig({ ...raw(), env: 'production', port: 3200 })).toThrow(/PUBLIC_URL is required in production/);
    } finally {
      if (prev === undefined) delete process.env.APP_SECRET;
      else process.env.APP_SECRET = prev;
    }
  });
});

describe('extra framing origins (LTI_FRAME_ANCESTORS)', () => {
  const withFrames = (frameAncestors: unknown) => ({ ...raw(), lti: { ...nodeConfig.util.toObject(nodeConfig.get('lti')), frameAncestors } });

  test('a comma-separated list becomes origins', () => {
    expect(resolveConfig(withFrames('https://canvas.district.org, https://portal.district.org:8443')).lti.frameAncestors).toEqual(['https://canvas.district.org', 'https://portal.district.org:8443']);
  });

  test('anything but an origin is refused at start, naming the setting', () => {
    expect(() => resolveConfig(withFrames('https://canvas.district.org/path'))).toThrow(/lti\.frameAncestors.*origin/);
    expect(() => resolveConfig(withFrames("https://a;script-src 'unsafe-inline'"))).toThrow(/lti\.frameAncestors/);
  });
});

describe('WEB_CONCURRENCY', () => {
  test('a number of workers from the environment (a string) is read; one by default', () => {
    expect(resolveConfig(raw()).webConcurrency).toBe(1);
    expect(resolveConfig({ ...raw(), webConcurrency: '4' }).webConcurrency).toBe(4);
  });

  test('zero, a fraction or a word is refused at start, naming the setting', () => {
    for (const bad of ['0', '1.5', 'auto']) expect(() => resolveConfig({ ...raw(), webConcurrency: bad })).toThrow(/webConcurrency/);
  });
});
