import { describe, it, expect } from '@jest/globals';
import { AuthError, TransientError } from './errors.ts';
import { ClientCredentialsTokenSource } from './oauth.ts';

const SECRET = 's3cr3t-value';
const creds = { tokenUrl: 'http://idp/token', audience: 'https://sv.example.com/api', clientId: 'operator', clientSecret: SECRET, scope: 'daml_ledger_api' };

function source(responses: Response[], now: { t: number }) {
  const bodies: string[] = [];
  const fetchFn = (async (_u: string | URL | Request, init?: RequestInit) => {
    bodies.push(String(init?.body as string | undefined)); // the client sends the form as a string
    const r = responses.shift();
    if (!r) throw new Error('no more responses');
    return r;
  }) as typeof fetch;
  return { src: new ClientCredentialsTokenSource(creds, { fetch: fetchFn, now: () => now.t, sleep: async () => {} }), bodies };
}
const ok = (token: string, expiresIn: number) => new Response(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: expiresIn }), { status: 200 });

describe('ClientCredentialsTokenSource', () => {
  it('sends the client-credentials form and caches the token until the refresh margin', async () => {
    const now = { t: 0 };
    const { src, bodies } = source([ok('t1', 600), ok('t2', 600)], now);
    expect(await src.token()).toBe('t1');
    const form = new URLSearchParams(bodies[0]);
    expect(Object.fromEntries(form)).toEqual({ grant_type: 'client_credentials', client_id: 'operator', client_secret: SECRET, audience: creds.audience, scope: 'daml_ledger_api' });
    now.t = 539_000;
    expect(await src.token()).toBe('t1');
    now.t = 540_000;
    expect(await src.token()).toBe('t2');
    expect(bodies).toHaveLength(2);
  });

  it('shares one request between concurrent callers', async () => {
    const { src, bodies } = source([ok('t1', 600)], { t: 0 });
    expect(await Promise.all([src.token(), src.token()])).toEqual(['t1', 't1']);
    expect(bodies).toHaveLength(1);
  });

  it.each([400, 401])('HTTP %i invalid_client → AuthError naming URL and client id, never the secret', async (status) => {
    const { src } = source([new Response(JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${SECRET}` }), { status })], { t: 0 });
    const err = await src.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    const msg = (err as Error).message;
    expect(msg).toContain('http://idp/token');
    expect(msg).toContain('"operator"');
    expect(msg).toContain('invalid_client');
    expect(msg).not.toContain(SECRET);
    expect((err as AuthError).transient).toBe(false);
  });

  it('retries 5xx and then reports a TransientError', async () => {
    const { src, bodies } = source([new Response('down', { status: 503 }), new Response('down', { status: 503 }), new Response('down', { status: 503 }), new Response('down', { status: 503 })], { t: 0 });
    await expect(src.token()).rejects.toThrow(TransientError);
    expect(bodies).toHaveLength(4);
  });

  it('rejects a 200 without access_token', async () => {
    const { src } = source([new Response('{}', { status: 200 })], { t: 0 });
    await expect(src.token()).rejects.toThrow(/no access_token/);
  });
});
