import { describe, expect, it } from '@jest/globals';
import { DependencyTimeoutException, KMSInternalException, KMSServiceException, LimitExceededException, NotFoundException } from '@aws-sdk/client-kms';
import { classifyAwsError } from './aws-errors.ts';
import { KmsCallInterrupted } from './call.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ctx = { operation: 'ListKeys', region: 'eu-west-1', endpoint: 'https://kms.example.test', secrets: [SECRET] };
const meta = (httpStatusCode: number) => ({ httpStatusCode, attempts: 1, totalRetryDelay: 0 });

/** An error as the SDK builds it for a modelled-less error code (name from `__type`). */
function serviceError(name: string, status: number, message = 'x', fault: 'client' | 'server' = status >= 500 ? 'server' : 'client') {
  return new KMSServiceException({ name, $fault: fault, $metadata: meta(status), message });
}

describe('classifyAwsError', () => {
  it.each([
    ['UnrecognizedClientException', 'KmsCredentialsRejected'],
    ['InvalidSignatureException', 'KmsCredentialsRejected'],
    ['ExpiredTokenException', 'KmsCredentialsExpired'],
    ['AccessDeniedException', 'KmsPermissionDenied'],
  ])('%s (400) needs a human: %s', (name, reason) => {
    const f = classifyAwsError(serviceError(name, 400), ctx);
    expect(f).toMatchObject({ reason, transient: false });
    expect(f.message).toContain('eu-west-1');
    expect(f.message).toContain('https://kms.example.test');
  });

  it('reads the modelled exception classes', () => {
    expect(classifyAwsError(new KMSInternalException({ $metadata: meta(500), message: 'boom' }), ctx)).toMatchObject({ reason: 'KmsUnavailable', transient: true });
    expect(classifyAwsError(new DependencyTimeoutException({ $metadata: meta(503), message: 'slow' }), ctx)).toMatchObject({ reason: 'KmsUnavailable', transient: true });
    expect(classifyAwsError(new LimitExceededException({ $metadata: meta(400), message: 'too many keys' }), ctx)).toMatchObject({ reason: 'KmsQuotaExceeded', transient: false });
    expect(classifyAwsError(new NotFoundException({ $metadata: meta(400), message: 'no key' }), ctx)).toMatchObject({ reason: 'KmsRequestRejected', transient: false });
  });

  it.each(['ThrottlingException', 'TooManyRequestsException'])('%s is transient throttling', (name) => {
    expect(classifyAwsError(serviceError(name, 400), ctx)).toMatchObject({ reason: 'KmsThrottled', transient: true });
  });

  it('treats any 5xx, and a 429, as transient', () => {
    expect(classifyAwsError(serviceError('SomethingNew', 502), ctx)).toMatchObject({ reason: 'KmsUnavailable', transient: true });
    expect(classifyAwsError(serviceError('Unknown', 429), ctx)).toMatchObject({ reason: 'KmsThrottled', transient: true });
  });

  it('treats network errors as transient, also when the SDK wrapped them into plain text', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(classifyAwsError(refused, ctx)).toMatchObject({ reason: 'KmsUnreachable', transient: true });
    expect(classifyAwsError(new Error('AWS SDK error wrapper for Error: getaddrinfo ENOTFOUND kms.eu-west-1.amazonaws.com'), ctx)).toMatchObject({ reason: 'KmsUnreachable', transient: true });
    expect(classifyAwsError(new Error('outer', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }), ctx)).toMatchObject({ reason: 'KmsUnreachable' });
  });

  it('treats our deadline and the caller abort as transient', () => {
    expect(classifyAwsError(new KmsCallInterrupted('ListKeys', 'timeout', 500), ctx)).toMatchObject({ reason: 'KmsTimeout', transient: true });
    expect(classifyAwsError(new KmsCallInterrupted('ListKeys', 'aborted', 500), ctx)).toMatchObject({ reason: 'KmsCallAborted', transient: true });
  });

  it('reports missing ambient credentials as needing a human', () => {
    const err = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(classifyAwsError(err, ctx)).toMatchObject({ reason: 'KmsCredentialsMissing', transient: false });
  });

  it('never repeats a secret that appears in an error text', () => {
    const leaky = serviceError('AccessDeniedException', 400, `denied for ${SECRET}`);
    const f = classifyAwsError(leaky, ctx);
    expect(f.message).not.toContain(SECRET);
    expect(f.message).toContain('[redacted]');
    const odd = classifyAwsError(new Error(`weird ${SECRET}`), ctx);
    expect(odd).toMatchObject({ reason: 'KmsCallFailed', transient: true });
    expect(odd.message).not.toContain(SECRET);
  });

  it('classifies errors that cannot be turned into text (no prototype, toString not a function, odd status) instead of throwing', () => {
    const noProto = Object.assign(Object.create(null) as object, { $metadata: { httpStatusCode: 400 } });
    const badToString = { toString: 5, name: { toString: 'x' }, $metadata: { httpStatusCode: Object.create(null) as unknown } };
    const badStatus = { message: 'm', $metadata: { httpStatusCode: { valueOf: 7 } } };
    const throwingGetter = Object.defineProperty({}, 'message', { get: () => { throw new Error('getter'); } });
    const trap = new Proxy({}, { get: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } });
    for (const err of [noProto, badToString, badStatus, throwingGetter, trap, Object.create(null) as unknown]) {
      const f = classifyAwsError(err, ctx);
      expect(f.reason).toMatch(/^Kms[A-Z][A-Za-z]+$/);
      expect(f.message.trim()).not.toBe('');
    }
    expect(classifyAwsError(noProto, ctx)).toMatchObject({ reason: 'KmsRequestRejected', transient: false });
    expect(classifyAwsError(badToString, ctx).message).toContain('[unprintable Object]');
  });

  it('on HTTP 429 names only a known AWS error code, and never a secret', () => {
    const leaky = { name: `Throttle-${SECRET}`, message: 'slow down', $metadata: meta(429) };
    const f = classifyAwsError(leaky, ctx);
    expect(f).toMatchObject({ reason: 'KmsThrottled', transient: true });
    expect(f.message).not.toContain(SECRET);
    expect(f.message).not.toContain('Throttle-');
    expect(f.message).toContain('(HTTP 429)');
    expect(classifyAwsError(serviceError('ThrottlingException', 429), ctx).message).toContain('(ThrottlingException)');
  });

  it('scrubs secrets from every message, also where the context carries them', () => {
    const f = classifyAwsError(serviceError('SomethingNew', 400, 'x'), { ...ctx, endpoint: `https://kms.example.test/${SECRET}` });
    expect(f.message).not.toContain(SECRET);
    expect(f.message).toContain('[redacted]');
  });

  it('rejects an unparseable 4xx answer non-transiently, naming the status', () => {
    const err = Object.assign(new SyntaxError('Unexpected token <'), { $metadata: meta(403) });
    const f = classifyAwsError(err, ctx);
    expect(f).toMatchObject({ reason: 'KmsRequestRejected', transient: false });
    expect(f.message).toContain('HTTP 403');
  });
});
