/**
 * ECDSA over a precomputed digest, as Cloud KMS AsymmetricSign does (the client sends the SHA-256 digest, not the
 * message). Node's crypto only signs messages (it hashes them itself), so the fake KMS signs with this small BigInt
 * implementation; the signatures verify with Node's crypto.verify against the message. Test use only (not constant-time).
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

interface Curve {
  p: bigint;
  a: bigint;
  n: bigint;
  gx: bigint;
  gy: bigint;
  bytes: number;
}

const CURVES: Record<string, Curve> = {
  'P-256': {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
    bytes: 32,
  },
  'P-384': {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
    bytes: 48,
  },
};

type Point = { x: bigint; y: bigint } | null;

const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}

function add(c: Curve, P: Point, Q: Point): Point {
  if (!P) return Q;
  if (!Q) return P;
  if (P.x === Q.x && mod(P.y + Q.y, c.p) === 0n) return null;
  const lambda = P.x === Q.x && P.y === Q.y
    ? mod((3n * P.x * P.x + c.a) * inverse(2n * P.y, c.p), c.p)
    : mod((Q.y - P.y) * inverse(Q.x - P.x, c.p), c.p);
  const x = mod(lambda * lambda - P.x - Q.x, c.p);
  return { x, y: mod(lambda * (P.x - x) - P.y, c.p) };
}

function multiply(c: Curve, k: bigint, P: Point): Point {
  let result: Point = null;
  for (let addend = P; k > 0n; k >>= 1n, addend = add(c, addend, addend)) {
    if (k & 1n) result = add(c, result, addend);
  }
  return result;
}

const toBigInt = (b: Buffer) => BigInt(`0x${b.toString('hex') || '0'}`);

/** DER `SEQUENCE { INTEGER r, INTEGER s }`, the signature format Cloud KMS returns for EC keys. */
function derSignature(r: bigint, s: bigint): Buffer {
  const int = (v: bigint) => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    let bytes = Buffer.from(hex, 'hex');
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** Signs `digest` with an EC private key (P-256 or P-384); returns a DER signature. */
export function signDigest(privateKey: KeyObject, digest: Buffer): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  const curve = jwk.crv ? CURVES[jwk.crv] : undefined;
  if (!curve || !jwk.d) throw new Error(`unsupported key for digest signing: ${jwk.kty} ${jwk.crv}`);
  const d = toBigInt(Buffer.from(jwk.d, 'base64url'));
  // Leftmost n-bit of the digest (FIPS 186-4); the digests used here are never longer than the curve order.
  const e = toBigInt(digest.subarray(0, curve.bytes));
  for (;;) {
    const k = mod(toBigInt(randomBytes(curve.bytes + 8)), curve.n - 1n) + 1n;
    const R = multiply(curve, k, { x: curve.gx, y: curve.gy });
    const r = mod(R!.x, curve.n);
    if (r === 0n) continue;
    const s = mod(inverse(k, curve.n) * (e + r * d), curve.n);
    if (s === 0n) continue;
    return derSignature(r, s);
  }
}
