import { describe, expect, it } from '@jest/globals';
import { classifyGcpError, GRPC_CODE } from './gcp-errors.ts';
import { KmsCallInterrupted } from './call.ts';

const SECRET = '-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
const ctx = { operation: 'GetKeyRing', resource: 'projects/p/locations/l/keyRings/r', endpoint: 'kms.example.test:443', secrets: [SECRET] };
const grpcError = (code: number, details = 'details') => Object.assign(new Error(`${code} ${details}`), { code, details });

describe('classifyGcpError', () => {
  it.each([
    [GRPC_CODE.UNAVAILABLE, 'KmsUnavailable'],
    [GRPC_CODE.DEADLINE_EXCEEDED, 'KmsTimeout'],
    [GRPC_CODE.RESOURCE_EXHAUSTED, 'KmsThrottled'],
    [GRPC_CODE.ABORTED, 'KmsUnavailable'],
    [GRPC_CODE.INTERNAL, 'KmsUnavailable'],
  ])('code %i is transient (%s)', (code, reason) => {
    expect(classifyGcpError(grpcError(code), ctx)).toMatchObject({ reason, transient: true });
  });

  it.each([
    [GRPC_CODE.UNAUTHENTICATED, 'KmsCredentialsRejected'],
    [GRPC_CODE.PERMISSION_DENIED, 'KmsPermissionDenied'],
    [GRPC_CODE.NOT_FOUND, 'KmsResourceNotFound'],
    [GRPC_CODE.INVALID_ARGUMENT, 'KmsRequestRejected'],
    [GRPC_CODE.FAILED_PRECONDITION, 'KmsRequestRejected'],
  ])('code %i needs a human (%s) and names the resource', (code, reason) => {
    const f = classifyGcpError(grpcError(code), ctx);
    expect(f).toMatchObject({ reason, transient: false });
    expect(f.message).toContain('projects/p/locations/l/keyRings/r');
  });

  it('reads auth library failures (no code)', () => {
    expect(classifyGcpError(new Error('Could not load the default credentials. Browse to ...'), ctx)).toMatchObject({ reason: 'KmsCredentialsMissing', transient: false });
    expect(classifyGcpError(new Error('invalid_grant: Invalid JWT Signature.'), ctx)).toMatchObject({ reason: 'KmsCredentialsRejected', transient: false });
    expect(classifyGcpError(new Error('socket hang up'), ctx)).toMatchObject({ reason: 'KmsCallFailed', transient: true });
  });

  it('maps our deadline to KmsTimeout', () => {
    expect(classifyGcpError(new KmsCallInterrupted('GetKeyRing', 'timeout', 100), ctx)).toMatchObject({ reason: 'KmsTimeout', transient: true });
  });

  it('never repeats a secret found in an error text', () => {
    const f = classifyGcpError(grpcError(GRPC_CODE.UNAUTHENTICATED, `bad key ${SECRET}`), ctx);
    expect(f.message).not.toContain(SECRET);
  });

  it('classifies errors that cannot be turned into text instead of throwing', () => {
    const noProto = Object.assign(Object.create(null) as object, { code: GRPC_CODE.UNAVAILABLE });
    expect(classifyGcpError(noProto, ctx)).toMatchObject({ reason: 'KmsUnavailable', transient: true });
    expect(classifyGcpError({ toString: 5 }, ctx)).toMatchObject({ reason: 'KmsCallFailed', transient: true });
    const trap = new Proxy({}, { get: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } });
    expect(classifyGcpError(trap, ctx)).toMatchObject({ reason: 'KmsCallFailed', transient: true });
  });
});
