import { describe, expect, it } from '@jest/globals';
import { describeError, KmsCallInterrupted, redact, secretsOf, timedCall } from './call.ts';
import type { KmsCallRecord } from './types.ts';

const never = () => new Promise<never>(() => undefined);

describe('timedCall', () => {
  it('returns the result and reports an ok call', async () => {
    const calls: KmsCallRecord[] = [];
    await expect(timedCall('aws', 'ListKeys', { onCall: (c) => calls.push(c) }, async () => 42)).resolves.toBe(42);
    expect(calls).toEqual([expect.objectContaining({ provider: 'aws', operation: 'ListKeys', outcome: 'ok' })]);
  });

  it('abandons a call that outlives its deadline, aborting the signal it handed out', async () => {
    let handed: AbortSignal | undefined;
    const calls: KmsCallRecord[] = [];
    const err = await timedCall('gcp', 'GetKeyRing', { timeoutMs: 20, onCall: (c) => calls.push(c) }, (signal) => ((handed = signal), never())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KmsCallInterrupted);
    expect((err as KmsCallInterrupted).kind).toBe('timeout');
    expect(handed?.aborted).toBe(true);
    expect(calls.map((c) => c.outcome)).toEqual(['error']);
  });

  it('stops at once when the caller aborts, before or during the call', async () => {
    const before = new AbortController();
    before.abort();
    let started = false;
    await expect(timedCall('aws', 'ListKeys', { signal: before.signal }, async () => ((started = true), 1))).rejects.toMatchObject({ kind: 'aborted' });
    expect(started).toBe(false);
    const during = new AbortController();
    const pending = timedCall('aws', 'ListKeys', { signal: during.signal, timeoutMs: 60_000 }, () => never());
    during.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('passes the client error through when the call fails on its own', async () => {
    const boom = new Error('boom');
    await expect(timedCall('aws', 'ListKeys', {}, async () => Promise.reject(boom))).rejects.toBe(boom);
  });
});

describe('secretsOf and redact', () => {
  it('collects AWS secrets but not the access key id', () => {
    expect(secretsOf({ aws: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret-access-key-1', sessionToken: 'session-token-123' } }).sort()).toEqual(['secret-access-key-1', 'session-token-123']);
  });

  it('collects the whole GCP file and its private parts, line by line', () => {
    const key = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
    const json = JSON.stringify({ type: 'service_account', private_key: key, private_key_id: '0123456789abcdef' });
    const secrets = secretsOf({ gcp: { credentialsJson: json } });
    expect(secrets).toEqual(expect.arrayContaining([json, key, 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC', '0123456789abcdef']));
    expect(redact('line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC leaked', secrets)).toBe('line [redacted] leaked');
  });

  it('does nothing for ambient credentials', () => {
    expect(secretsOf(undefined)).toEqual([]);
  });
});

describe('describeError', () => {
  it('describes any thrown value without throwing, redacted and short', () => {
    expect(describeError(new TypeError('bad thing'), [])).toBe('TypeError: bad thing');
    expect(describeError('plain string', [])).toBe('Error: plain string');
    expect(describeError(undefined, [])).toBe('Error: undefined');
    expect(describeError(Object.create(null), [])).toBe('Error: [unprintable Object]');
    expect(describeError({ toString: 5, name: 'Odd' }, [])).toBe('Odd: [unprintable Object]');
    expect(describeError(Object.assign(Object.create(null) as object, { message: 42 }), [])).toBe('Error: [unprintable Object]');
    expect(describeError(Object.defineProperty({}, 'message', { get: () => { throw new Error('x'); } }), [])).toBe('Error: [object Object]');
    expect(describeError(new Error('token SECRET-VALUE-123 leaked'), ['SECRET-VALUE-123'])).toBe('Error: token [redacted] leaked');
    expect(describeError(new Error('x'.repeat(1000)), [])).toHaveLength(300);
  });
});

