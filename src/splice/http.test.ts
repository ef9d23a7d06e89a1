import { describe, it, expect } from '@jest/globals';
import { Ajv } from 'ajv';
import { ApiError, AuthError, MalformedResponseError, TransientError } from './errors.ts';
import { backoffDelayMs, DEFAULT_RETRY, JsonHttp, parseRetryAfterMs, serverMessage } from './http.ts';
import type { CallEvent } from './http.ts';

const validate = new Ajv().compile<{ n: number }>({ type: 'object', required: ['n'], properties: { n: { type: 'integer' } } });

/** A scripted fetch: each call takes the next response (or throws the next error) and records the request. */
function scripted(steps: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const fn = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
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
  const sleeps: number[] = [];
  const events: CallEvent[] = [];
  const http = new JsonHttp({
    api: 'scan',
    baseUrl: 'http://x/',
    fetch: f.fn,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    onCall: (e) => events.push(e),
    ...extra,
  });
  return { http, calls: f.calls, sleeps, events };
}

const get = { operation: 'getX', method: 'GET' as const, path: '/api/x', validate };

describe('backoffDelayMs', () => {
  it('doubles per attempt with equal jitter and is capped', () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, p, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, p, () => 1))).toEqual([100, 200, 400, 800, 1000]);
  });
});

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
    expect(serverMessage('<html> bad\n gateway </html>')).toBe('<html> bad gateway </html>');
    expect(serverMessage('')).toBe('(empty body)');
  });
});

describe('JsonHttp', () => {
  it('returns the validated body and reports the call', async () => {
    const { http, calls, events } = client([json(200, { n: 1 })]);
    await expect(http.request(get)).resolves.toEqual({ n: 1 });
    expect(calls[0]!.url).toBe('http://x/api/x');
    expect(events.map((e) => [e.api, e.operation, e.outcome])).toEqual([['scan', 'getX', 'ok']]);
  });

  it('retries 5xx and network errors with backoff, then succeeds', async () => {
    const { http, sleeps, events } = client([json(502, { error: 'bad gateway' }), new TypeError('fetch failed'), json(200, { n: 2 })]);
    await expect(http.request(get)).resolves.toEqual({ n: 2 });
    expect(sleeps).toEqual([150, 300]);
    expect(events.map((e) => e.outcome)).toEqual(['transient', 'transient', 'ok']);
  });

  it('gives up after maxAttempts with a TransientError', async () => {
    const { http, sleeps } = client([json(500, { error: 'a' }), json(500, { error: 'b' }), json(500, { error: 'c' })], { retry: { maxAttempts: 3 } });
    const err = await http.request(get).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).message).toMatch(/gave up after 3 attempts: .*HTTP 500: c/);
    expect((err as TransientError).status).toBe(500);
    expect(sleeps).toHaveLength(2);
  });

  it('honours Retry-After on 429 and 503 (capped)', async () => {
    const { http, sleeps } = client([json(429, { error: 'slow down' }, { 'retry-after': '7' }), json(503, { error: 'x' }, { 'retry-after': '99999' }), json(200, { n: 3 })]);
    await expect(http.request(get)).resolves.toEqual({ n: 3 });
    expect(sleeps).toEqual([7000, DEFAULT_RETRY.maxRetryAfterMs]);
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

  it('treats a timeout as transient and retries it', async () => {
    const hang = (async (_url: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      })) as typeof fetch;
    let n = 0;
    const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => (n++ === 0 ? hang(url, init) : json(200, { n: 4 }))) as typeof fetch;
    const { http } = client([], { fetch: fetchFn, timeoutMs: 5 });
    await expect(http.request(get)).resolves.toEqual({ n: 4 });
    expect(n).toBe(2);
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
