import { exportJWK, generateKeyPair } from 'jose';
import { cacheLifetimeMs, RemoteKeysets } from '../../src/kernel/keysets';
import type { OutboundResponse } from '../../src/kernel/outbound';

const URL_A = 'https://canvas.example/api/lti/security/jwks';

async function publicJwk(kid: string) {
  const { publicKey } = await generateKeyPair('RS256');
  return { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
}

/** A platform keyset endpoint that counts its fetches; its keys and Cache-Control can change between them. */
function platform(keys: object[], cacheControl = '') {
  const state = { keys, cacheControl, fetches: 0, status: 200 };
  const fetcher = async (): Promise<OutboundResponse> => {
    state.fetches++;
    await new Promise((r) => setImmediate(r));
    return { status: state.status, contentType: 'application/json', cacheControl: state.cacheControl, text: JSON.stringify({ keys: state.keys }) };
  };
  return { state, fetcher };
}

describe('cacheLifetimeMs', () => {
  it('keeps a keyset for its max-age, bounded to a day, ten minutes without one, never for no-store or no-cache', () => {
    expect(cacheLifetimeMs('public, max-age=300')).toBe(300_000);
    expect(cacheLifetimeMs('max-age=9999999')).toBe(24 * 60 * 60_000);
    expect(cacheLifetimeMs('')).toBe(10 * 60_000);
    expect(cacheLifetimeMs(undefined)).toBe(10 * 60_000);
    expect(cacheLifetimeMs('no-store')).toBe(0);
    expect(cacheLifetimeMs('max-age=60, no-cache')).toBe(0);
  });
});

describe('RemoteKeysets', () => {
  it('fetches a keyset once and answers later launches from the cache until its max-age passes', async () => {
    const { state, fetcher } = platform([await publicJwk('k1')], 'max-age=60');
    let now = 1_000_000;
    const sets = new RemoteKeysets(fetcher, () => now);
    const first = await sets.keyFor(URL_A, 'k1');
    expect(first.asymmetricKeyType).toBe('rsa');
    await sets.keyFor(URL_A, 'k1');
    expect(state.fetches).toBe(1);
    now += 61_000;
    await sets.keyFor(URL_A, 'k1');
    expect(state.fetches).toBe(2);
  });

  it('fetches again at once when a token names a kid the cached keyset lacks (the platform rotated its key)', async () => {
    const { state, fetcher } = platform([await publicJwk('old')]);
    const sets = new RemoteKeysets(fetcher);
    await sets.keyFor(URL_A, 'old');
    state.keys = [...state.keys, await publicJwk('new')];
    await expect(sets.keyFor(URL_A, 'new')).resolves.toBeDefined();
    expect(state.fetches).toBe(2);
    await sets.keyFor(URL_A, 'old');
    expect(state.fetches).toBe(2);
  });

  it('refuses a kid the platform does not publish, and stops refetching for made-up kids after ten a minute', async () => {
    const { state, fetcher } = platform([await publicJwk('k1')]);
    const sets = new RemoteKeysets(fetcher);
    await sets.keyFor(URL_A, 'k1');
    for (let i = 0; i < 15; i++) await expect(sets.keyFor(URL_A, `forged-${i}`)).rejects.toThrow('KEY_NOT_FOUND');
    expect(state.fetches).toBe(11);
    await expect(sets.keyFor(URL_A, undefined)).rejects.toThrow('KID_NOT_FOUND');
  });

  it('shares one fetch among concurrent launches', async () => {
    const { state, fetcher } = platform([await publicJwk('k1')]);
    const sets = new RemoteKeysets(fetcher);
    await Promise.all(Array.from({ length: 20 }, () => sets.keyFor(URL_A, 'k1')));
    expect(state.fetches).toBe(1);
  });

  it('refuses a keyset endpoint that fails or answers something that is not a keyset, and tries again next time', async () => {
    const { state, fetcher } = platform([await publicJwk('k1')]);
    const sets = new RemoteKeysets(fetcher);
    state.status = 500;
    await expect(sets.keyFor(URL_A, 'k1')).rejects.toThrow('KEYSET_NOT_FOUND');
    state.status = 200;
    await expect(sets.keyFor(URL_A, 'k1')).resolves.toBeDefined();
    const broken = new RemoteKeysets(async () => ({ status: 200, contentType: 'text/html', cacheControl: '', text: '<html>' }));
    await expect(broken.keyFor(URL_A, 'k1')).rejects.toThrow('KEYSET_NOT_FOUND');
  });
});
