/**
 * The simulator's identity provider: an RS256 key pair, its JWKS, a client-credentials token endpoint, and token
 * verification the way the Splice apps do it (signature, expiry, `aud` contains the app's audience, user from
 * `https://canton-network`.`daml_user` or `sub`).
 */
import { exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet, SignJWT } from 'jose';
import type { JSONWebKeySet } from 'jose';

type KeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A configured OAuth2 client: its secret and the ledger API user its tokens carry as `sub`. */
export interface SimClient {
  clientId: string;
  clientSecret: string;
  user: string;
}

/** Result of verifying a bearer token. */
export type TokenCheck = { ok: true; user: string } | { ok: false; status: 401 | 403; error: string };

/** Issues and verifies the simulator's JWTs. */
export class SimIdp {
  readonly jwks: JSONWebKeySet;
  readonly #privateKey: KeyLike;
  readonly #keySet: ReturnType<typeof createLocalJWKSet>;
  readonly #clients = new Map<string, SimClient>();
  readonly issuer: string;

  private constructor(issuer: string, privateKey: KeyLike, jwks: JSONWebKeySet) {
    this.issuer = issuer;
    this.#privateKey = privateKey;
    this.jwks = jwks;
    this.#keySet = createLocalJWKSet(jwks);
  }

  /** Creates a fresh key pair. */
  static async create(issuer: string): Promise<SimIdp> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'sim-1', alg: 'RS256', use: 'sig' };
    return new SimIdp(issuer, privateKey, { keys: [jwk] });
  }

  /** Registers (or replaces) a client. */
  addClient(c: SimClient): void {
    this.#clients.set(c.clientId, c);
  }

  /** Handles a client-credentials form; returns the OAuth2 JSON answer and status. */
  async token(form: URLSearchParams): Promise<{ status: number; body: Record<string, unknown> }> {
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const c = this.#clients.get(form.get('client_id') ?? '');
    if (!c || c.clientSecret !== form.get('client_secret')) return { status: 401, body: { error: 'invalid_client', error_description: 'Unknown client or wrong client secret' } };
    const audience = form.get('audience');
    if (!audience) return { status: 400, body: { error: 'invalid_request', error_description: 'audience is required' } };
    return { status: 200, body: { access_token: await this.sign(c.user, audience), token_type: 'Bearer', expires_in: 3600 } };
  }

  /** Signs a token for `user` and `audience` (tests use this to forge unusual tokens). */
  async sign(user: string, audience: string, expiresIn = '1h'): Promise<string> {
    return new SignJWT({ scope: 'daml_ledger_api' })
      .setProtectedHeader({ alg: 'RS256', kid: 'sim-1' })
      .setSubject(user)
      .setAudience(audience)
      .setIssuer(this.issuer)
      .setIssuedAt()
      .setExpirationTime(expiresIn)
      .sign(this.#privateKey);
  }

  /** Verifies an `Authorization` header for an app with `audience`. */
  async verify(authorization: string | undefined, audience: string): Promise<TokenCheck> {
    const m = /^Bearer (.+)$/.exec(authorization ?? '');
    if (!m) return { ok: false, status: 401, error: 'The supplied authentication is invalid' };
    let payload;
    try {
      ({ payload } = await jwtVerify(m[1]!, this.#keySet, { algorithms: ['RS256'] }));
    } catch {
      return { ok: false, status: 401, error: 'The supplied authentication is invalid' };
    }
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!aud.includes(audience)) return { ok: false, status: 403, error: `Authorization Failed: token audience does not contain ${audience}` };
    const claim = (payload['https://canton-network'] as { daml_user?: unknown } | undefined)?.daml_user;
    const user = typeof claim === 'string' ? claim : payload.sub;
    if (!user) return { ok: false, status: 401, error: 'The supplied authentication is invalid' };
    return { ok: true, user };
  }
}
