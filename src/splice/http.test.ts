import { describe, it, expect } from '@jest/globals';
import { Ajv } from 'ajv';
import { ApiError, AuthError, MalformedResponseError, RateLimited, TransferExists, TransientError } from './errors.ts';
import { JsonHttp, parseRetryAfterMs, serverMessage } from './http.ts';
import type { CallEvent } from './http.ts';

const validate = new Ajv().compile<{ n: number }>({ type: 'object', required: ['n'], properties: { n: { type: 'integer' } } });

/** A scripted fetch: each call takes the next response (or throws the next error) and records the request. */
function scripted(steps: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fn = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: url instanceof Request ? url.url : String(url), init });
    const step = steps.shift();
    if (step === undefined) throw new Error('no more scripted responses');
    if (step instanceof Error) throw step;
    return step;
  }) as typeof fetch;
  return { fn, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function client(steps: (Response | Error)[], extra: Partial<ConstructorParameters<typeof JsonHttp>[0]> = {}) {
  const f = scripted(steps);
  const events: CallEvent[] = [];
  const http = new JsonHttp({ api: 'scan', baseUrl: 'http://x/', fetch: f.fn, now: () => 1_000_000, onCall: (e) => events.push(e), ...extra });
  return { http, calls: f.calls, events };
}

const get = { operation: 'getX', method: 'GET' as const, path: '/api/x', validate };

describe('parseRetryAfterMs', () => {
  it('reads delta seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('3', 0)).toBe(3000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfterMs(null, 0)).toBeUndefined();
    expect(parseRetryAfterMs('soon', 0)).toBeUndefined();
  });
});

describe('serverMessage', () => {
  it('prefers the ErrorResponse error field', () => {
    expect(serverMessage('{"error":"nope"}')).toBe('nope');
    expect(serverMessage('')).toBe('(empty body)');
    expect(serverMessage('plain\n\ttext\u0007 here')).toBe('plain text here');
    expect(serverMessage('{"error": 42}')).toBe('{"error": 42}');
  });

  it('turns an HTML error page into a short printable line', () => {
    expect(serverMessage('<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>')).toBe('502 Bad Gateway');
    expect(serverMessage('<!DOCTYPE html><body><p>upstream\n connect error</p><script>x()</script></body>')).toBe('upstream connect error');
    expect(serverMessage(`<html><body>${'x'.repeat(5000)}</body></html>`).length).toBeLessThanOrEqual(201);
    expect(serverMessage(JSON.stringify({ error: 'e'.repeat(1000) })).length).toBeLessThanOrEqual(201);
  });
});

describe('JsonHttp', () => {
  it('returns the validated body and reports the call', async () => {
    const { http, calls, events } = client([json(200, { n: 1 })]);
    await expect(http.request(get)).resolves.toEqual({ n: 1 });
    expect(calls[0]!.url).toBe('http://x/api/x');
    expect(events.map((e) => [e.api, e.operation, e.outcome])).toEqual([['scan', 'getX', 'ok']]);
  });

  it('makes one attempt on a 5xx, a network error, or a POST 503: TransientError, no retry', async () => {
    for (const step of [json(502, { error: 'bad gateway' }), new TypeError('fetch failed')]) {
      const { http, calls, events } = client([step, json(200, { n: 2 })]);
      const err = await http.request(get).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TransientError);
      expect(calls).toHaveLength(1);
      expect(events.map((e) => e.outcome)).toEqual(['transient']);
    }
    const { http, calls } = client([json(503, { error: 'x' }), json(200, {})]);
    await expect(http.request({ operation: 'create', method: 'POST', path: '/p', body: { a: 1 } })).rejects.toMatchObject({ name: 'TransientError', status: 503 });
    expect(calls).toHaveLength(1);
  });

  it('an HTML 502 from a proxy stays a 502 with a short printable message', async () => {
    const { http } = client([new Response('<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', { status: 502, headers: { 'content-type': 'text/html' } })]);
    const err = await http.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ status: 502, message: 'scan getX: HTTP 502: 502 Bad Gateway' });
  });

  it('429 is RateLimited with the Retry-After delay (seconds or HTTP date), without retrying', async () => {
    const a = client([json(429, { error: 'slow down' }, { 'retry-after': '7' }), json(200, { n: 3 })]);
    const err = await a.http.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimited);
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toMatchObject({ retryAfterMs: 7000, status: 429, transient: true });
    expect(a.calls).toHaveLength(1);
    expect(a.events.map((e) => e.outcome)).toEqual(['rate_limited']);
    const b = client([json(429, { error: 'x' }, { 'retry-after': new Date(1_000_000 + 12_000).toUTCString() })]);
    await expect(b.http.request(get)).rejects.toMatchObject({ name: 'RateLimited', retryAfterMs: 12_000 });
    const c = client([json(429, '')]);
    await expect(c.http.request(get)).rejects.toMatchObject({ name: 'RateLimited', retryAfterMs: undefined });
  });

  it('maps 4xx answers to domain errors through the client-wide and per-request mappers', async () => {
    const wide = (e: ApiError) => (e.status === 404 ? new Error(`mapped ${e.serverMessage}`) : e);
    const { http } = client([json(404, { error: 'gone' }), json(409, { error: 'dup' })], { mapApiError: wide });
    await expect(http.request(get)).rejects.toThrow('mapped gone');
    const err = await http.request({ ...get, mapApiError: (e) => new TransferExists(e, 't-1') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferExists);
    expect(err).toMatchObject({ status: 409, trackingId: 't-1', serverMessage: 'dup' });
  });

  it('does not retry 4xx: 400 → ApiError with the server message', async () => {
    const { http, calls } = client([json(400, { error: 'This vote request has already been created 00ab.' })]);
    const err = await http.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, serverMessage: 'This vote request has already been created 00ab.', transient: false });
    expect(calls).toHaveLength(1);
  });

  it.each([401, 403])('maps %i to AuthError with the server message, without retrying', async (status) => {
    const { http, calls } = client([json(status, { error: 'Authorization Failed for sv1::1220' })]);
    const err = await http.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).message).toContain('Authorization Failed for sv1::1220');
    expect((err as AuthError).status).toBe(status);
    expect(calls).toHaveLength(1);
  });

  it('reports a body that is not JSON, or not the documented shape, as MalformedResponseError (no retry)', async () => {
    const a = client([json(200, '{"n": 1')]);
    await expect(a.http.request(get)).rejects.toThrow(MalformedResponseError);
    const b = client([json(200, { n: 'one' })]);
    const err = await b.http.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as MalformedResponseError).problems).toEqual(['/n: must be integer']);
    expect(b.events.map((e) => e.outcome)).toEqual(['malformed']);
  });

  it('treats a timeout as transient, after one attempt', async () => {
    const hang = (async (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error));
      })) as typeof fetch;
    let n = 0;
    const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => (n++ === 0 ? hang(url, init) : json(200, { n: 4 }))) as typeof fetch;
    const { http } = client([], { fetch: fetchFn, timeoutMs: 5 });
    await expect(http.request(get)).rejects.toThrow(/timed out after 5ms/);
    expect(n).toBe(1);
  });

  it('stops at once when the caller aborts', async () => {
    const ac = new AbortController();
    ac.abort(new Error('shutting down'));
    const fetchFn = (async (_u: string | URL | Request, init?: RequestInit) => {
      throw init?.signal?.reason;
    }) as typeof fetch;
    const { http, events } = client([], { fetch: fetchFn });
    await expect(http.request({ ...get, signal: ac.signal })).rejects.toThrow('shutting down');
    expect(events).toHaveLength(1);
  });

  it('sends the bearer token and JSON body', async () => {
    const { http, calls } = client([json(200, {})], { token: async () => 'tok123' });
    await http.request({ operation: 'create', method: 'POST', path: '/p', body: { a: 1 } });
    const headers = calls[0]!.init!.headers as Record<string, string>;
    expect(headers.authorization).toBe('Bearer tok123');
    expect(headers['content-type']).toBe('application/json');
    expect(calls[0]!.init!.body).toBe('{"a":1}');
  });
});
