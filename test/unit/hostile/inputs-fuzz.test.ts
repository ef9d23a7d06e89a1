/**
 * Hostile inputs other than the manifest (issue 7): users' base-values YAML, key Secrets, Splice API answers and KMS
 * errors. Each must end in a value or the module's own typed failure, never a crash, a hang, a wrong value or a leaked
 * secret.
 *
 * Long variant: `SVKMS_LONG_TESTS=1` (many more runs, random seed; a failure prints the seed to replay it).
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_VALUES_NODES, parseValuesYaml, ValuesYamlError } from '../../../src/render/values.ts';
import { checkKeySecret, keySecretData } from '../../../src/keys/adoption.ts';
import { KEY_KIND_INFO, type KeyKind } from '../../../src/keys/key-kinds.ts';
import type { EncodedKeyPair } from '../../../src/keys/encoding.ts';
import { ScanClient } from '../../../src/splice/scan.ts';
import { WalletClient } from '../../../src/splice/wallet.ts';
import { SvAppClient } from '../../../src/splice/sv-app.ts';
import type { DsoInfoBody } from '../../../src/splice/scan.ts';
import { ApiError, AuthError, MalformedResponseError, SpliceError, TransientError } from '../../../src/splice/errors.ts';
import { classifyAwsError } from '../../../src/kms/aws-errors.ts';
import { classifyGcpError, GRPC_CODE } from '../../../src/kms/gcp-errors.ts';
import { KmsCallInterrupted } from '../../../src/kms/call.ts';
import type { KmsFailure } from '../../../src/kms/types.ts';
import { anyValue, fuzzParameters, hostileString, INJECTIONS, LONG } from './arbitraries.ts';

const TIMEOUT_MS = LONG ? 1_800_000 : 60_000;
/** Longest a whole property may run before fast-check stops it and reports a failure (a hang shows up as a failure). */
const TIME_LIMIT_MS = LONG ? 600_000 : 20_000;
const bounded = <T>(short: number, long: number, seed?: number): fc.Parameters<T> => ({
  ...fuzzParameters<T>(short, long, seed),
  interruptAfterTimeLimit: TIME_LIMIT_MS,
  markInterruptAsFailure: true,
});

const isPlain = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

describe('parseValuesYaml on malformed values files', () => {
  const yamlish = fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString('utf8')),
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString('latin1')),
    fc.array(fc.oneof(fc.constantFrom(...INJECTIONS, ':', '- ', '  ', '\t', 'a: ', 'a: 1', '&a ', '*a', '<<: *a', '!!binary ', '!!set ', '? '), hostileString(32)), { maxLength: 20 }).map((p) => p.join('')),
    fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 5 })), { maxLength: 8 }).map((kv) => kv.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join('\n')),
    fc.integer({ min: 1, max: 5000 }).map((d) => `a: ${'['.repeat(d)}${']'.repeat(d)}`),
    fc.integer({ min: 1, max: 5000 }).map((d) => `a: ${'{b: '.repeat(d)}1${'}'.repeat(d)}`),
    fc.integer({ min: 1, max: 400 }).map((d) => Array.from({ length: d }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')),
  );

  it('returns a map or throws ValuesYamlError with a message, quickly', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        let value: unknown;
        try {
          value = parseValuesYaml(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ValuesYamlError);
          expect((err as Error).message.trim()).not.toBe('');
          return;
        }
        expect(isPlain(value)).toBe(true);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      bounded(2000, 50000),
    );
  }, TIMEOUT_MS);

  it('refuses duplicate keys and tab indentation with the line', () => {
    expect(() => parseValuesYaml('a: 1\nb: 2\na: 3\n')).toThrow(/line 3, column 1: duplicated mapping key/);
    expect(() => parseValuesYaml('a:\n\tb: 1\n')).toThrow(ValuesYamlError);
  });

  it('keeps alias bombs from hanging the parser', () => {
    // 9 levels of 9 aliases: 9^9 ≈ 387 million strings once expanded.
    let bomb = 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 9; i++) bomb += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    const started = performance.now();
    let rejected = false;
    try {
      parseValuesYaml(bomb);
    } catch (err) {
      expect(err).toBeInstanceOf(ValuesYamlError);
      rejected = true;
    }
    expect(rejected).toBe(true);
    // Not a timed pass/fail of speed: a parser that expanded the aliases would not return at all in a test's lifetime.
    expect(performance.now() - started).toBeLessThan(TIME_LIMIT_MS);
  });

  it('accepts alias graphs up to the node bound and rejects bigger ones, quickly', () => {
    // `levels` anchors, each a list of `width` aliases to the one before; the first holds `width` strings.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (levels, width) => {
        let text = `l0: &l0 [${Array(width).fill('"lol"').join(',')}]\n`;
        for (let i = 1; i < levels; i++) text += `l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(',')}]\n`;
        // Nodes once expanded: the root map, and per level its list plus `width` copies of the level below.
        let size = 1 + width;
        let total = 1 + size;
        for (let i = 1; i < levels; i++) total += size = 1 + width * size;
        let value: Record<string, unknown> | undefined;
        try {
          value = parseValuesYaml(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ValuesYamlError);
          expect((err as Error).message).toBe(`the values expand to more than ${MAX_VALUES_NODES} nodes (YAML aliases?)`);
        }
        expect(value !== undefined).toBe(total <= MAX_VALUES_NODES);
        if (value) expect(Object.keys(value)).toHaveLength(levels);
      }),
      bounded(144, 2000),
    );
  });
});

/** CamelCase words, as Kubernetes condition reasons. */
const CAMEL = /^[A-Z][a-zA-Z0-9]*$/;

/** A generated pair of each kind (generation is asynchronous, so it happens before the tables are built). */
const GENERATED: Record<KeyKind, EncodedKeyPair> = { governance: await KEY_KIND_INFO.governance.generate(), identity: await KEY_KIND_INFO.identity.generate() };

describe('checkKeySecret on malformed key Secrets', () => {
  const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
  const kinds: KeyKind[] = ['governance', 'identity'];
  const pairs = Object.fromEntries(kinds.map((k) => [k, keySecretData(GENERATED[k])])) as Record<KeyKind, { public: string; private: string }>;

  /** A data value: base64 (once or twice) of random bytes, of key-like texts, of whitespace-padded keys, or raw junk. */
  const dataValue = (kind: KeyKind) => {
    const inner = Buffer.from(pairs[kind].private, 'base64').toString('utf8');
    return fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => b64(b64(b))),
      fc.uint8Array({ maxLength: 200 }).map(b64),
      fc.integer({ min: 0, max: inner.length }).map((n) => b64(inner.slice(0, n))),
      fc.constantFrom('\n', ' ', '\r\n', '\t').map((ws) => b64(`${inner}${ws}`)),
      fc.constant(b64(`-----BEGIN PRIVATE KEY-----\n${inner}\n-----END PRIVATE KEY-----\n`)),
      fc.constant(b64(inner.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))),
      fc.constant(pairs[kind].public),
      fc.constant(pairs[kind].private),
      hostileString(300),
    );
  };

  const secretCase = fc.constantFrom(...kinds).chain((kind) =>
    fc.record({
      kind: fc.constant(kind),
      data: fc.oneof(
        fc.dictionary(fc.oneof(fc.constantFrom('public', 'private', 'publicKey', 'privateKey'), fc.string({ maxLength: 10 })), dataValue(kind), { maxKeys: 5 }),
        fc.record({ public: dataValue(kind), private: dataValue(kind) }),
        fc.record({ public: dataValue(kind), private: fc.constant(pairs[kind].private) }),
      ),
    }),
  );

  it('answers ok with the stored public key, or a CamelCase reason and a message without key material; never throws', () => {
    fc.assert(
      fc.property(secretCase, ({ kind, data }) => {
        const result = checkKeySecret(kind, data, { name: 'k', namespace: 'ns' });
        if (result.ok) {
          expect(result.publicKey).toBe(Buffer.from(data.public, 'base64').toString('utf8'));
          expect(result.fingerprint).toMatch(/^[0-9a-f]{64}$/);
          return;
        }
        expect(result.reason).toMatch(CAMEL);
        expect(result.message.trim()).not.toBe('');
        const keyNames = Object.keys(data).join('\n');
        for (const stored of Object.values(data)) {
          const texts = [stored, Buffer.from(stored, 'base64').toString('utf8'), Buffer.from(stored, 'base64').toString('latin1')];
          for (const t of texts) if (t.trim().length >= 12 && !keyNames.includes(t)) expect(result.message).not.toContain(t.trim());
        }
      }),
      bounded(2000, 50000),
    );
  }, TIMEOUT_MS);
});

describe('Splice clients on malformed answers', () => {
  const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.SECRET-TOKEN-PAYLOAD.sig';
  const STATUSES = [200, 201, 202, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503];

  const validDso = () => ({
    sv_user: 'sv1', sv_party_id: 'sv1::12', dso_party_id: 'DSO::12', voting_threshold: 3,
    dso_rules: { contract: { template_id: 't', contract_id: 'cid', created_event_blob: '', created_at: '2026-01-01T00:00:00Z', payload: {
      svs: [['p1::12', { name: 'Acme-1', svRewardWeight: '10000', participantId: 'PAR::1', joinedAsOfRound: { number: '5' } }]],
      offboardedSvs: [],
    } } },
    amulet_rules: {}, latest_mining_round: {}, sv_node_states: [],
  });
  const validBalance = () => ({ round: 12, effective_unlocked_qty: '100.5', effective_locked_qty: '0', total_holding_fees: '0.1' });

  /** Replaces one random leaf of `body` (by a walk chosen with `choices`) with `value`. */
  function mutateLeaf(body: unknown, choices: number[], value: unknown): unknown {
    if (choices.length === 0 || typeof body !== 'object' || body === null) return value;
    const keys = Object.keys(body);
    if (keys.length === 0) return value;
    const k = keys[choices[0]! % keys.length]!;
    const copy: Record<string, unknown> = Array.isArray(body) ? ([...body] as unknown as Record<string, unknown>) : { ...body };
    copy[k] = mutateLeaf((body as Record<string, unknown>)[k], choices.slice(1), value);
    return copy;
  }

  const bodyText = (template: () => unknown) =>
    fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      hostileString(2048),
      fc.tuple(fc.array(fc.nat(), { maxLength: 7 }), anyValue(256)).map(([choices, v]) => JSON.stringify(mutateLeaf(template(), choices, v)) ?? 'undefined'),
      fc.constant(JSON.stringify(template())),
    );

  const answer = (template: () => unknown) => fc.record({ status: fc.constantFrom(...STATUSES), body: bodyText(template) });

  const opts = (status: number, body: string) => ({
    baseUrl: 'https://app.example.com',
    fetch: (async () => new Response(body, { status })) as typeof fetch,
    token: async () => TOKEN,
  });

  /** The typed error the status must produce (2xx: a value or a malformed response). */
  function expectTyped(err: unknown, status: number): void {
    expect(err).toBeInstanceOf(SpliceError);
    const e = err as Error;
    expect(e.message).not.toContain(TOKEN);
    if (status >= 200 && status < 300) expect(err).toBeInstanceOf(MalformedResponseError);
    else if (status >= 500 || status === 429 || status === 408) expect(err).toBeInstanceOf(TransientError);
    else if (status === 401 || status === 403) expect(err).toBeInstanceOf(AuthError);
    else expect(err).toBeInstanceOf(ApiError);
  }

  it('Scan getDsoState: the DSO state exactly as sent, or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(answer(validDso), async ({ status, body }) => {
        const { token: _unused, ...scanOpts } = opts(status, body);
        try {
          const state = await new ScanClient(scanOpts).getDsoState();
          const sent = JSON.parse(body) as DsoInfoBody;
          expect(state.dsoPartyId).toBe(sent.dso_party_id);
          expect(state.votingThreshold).toBe(sent.voting_threshold);
          expect(state.svs.size).toBe(new Set(sent.dso_rules.contract.payload.svs.map(([p]) => p)).size);
          for (const [party, info] of sent.dso_rules.contract.payload.svs) {
            const got = state.svs.get(party)!;
            expect(got.name).toBe(info.name);
            expect(String(got.svRewardWeight)).toBe(String(info.svRewardWeight).replaceAll('_', '').trim().replace(/^0+(?=\d)/, ''));
          }
        } catch (err) {
          expectTyped(err, status);
        }
      }),
      bounded(1000, 20000),
    );
  }, TIMEOUT_MS);

  it('Wallet getBalance: the decimals exactly as sent, or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(answer(validBalance), async ({ status, body }) => {
        try {
          const balance = await new WalletClient(opts(status, body)).getBalance();
          const sent = JSON.parse(body) as ReturnType<typeof validBalance>;
          expect(balance).toEqual({ round: sent.round, unlocked: sent.effective_unlocked_qty, locked: sent.effective_locked_qty, holdingFees: sent.total_holding_fees });
          for (const q of [balance.unlocked, balance.locked, balance.holdingFees]) expect(q).toMatch(/^-?[0-9]+(\.[0-9]+)?$/);
        } catch (err) {
          expectTyped(err, status);
        }
      }),
      bounded(1000, 20000),
    );
  }, TIMEOUT_MS);

  it('SV app vote requests, onboarding status and wallet offer status: a value or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(answer(() => ({ dso_rules_vote_requests: [], state: 'unknown', status: 'created', contract_id: 'c', transaction_id: 't' })), async ({ status, body }) => {
        const calls = [
          () => new SvAppClient(opts(status, body)).listVoteRequests(),
          () => new SvAppClient(opts(status, body)).getOnboardingStatus('Acme-2'),
          () => new WalletClient(opts(status, body)).getTransferOfferStatus('track-1'),
          () => new WalletClient(opts(status, body)).getUserStatus(),
        ];
        for (const call of calls) {
          try {
            await call();
            expect(status >= 200 && status < 300).toBe(true);
          } catch (err) {
            expectTyped(err, status);
          }
        }
      }),
      bounded(500, 10000),
    );
  }, TIMEOUT_MS);
});

describe('KMS error mappers on random error objects', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9+/]{16,40}$/);
  const AWS_NAMES = ['UnrecognizedClientException', 'ExpiredTokenException', 'AccessDeniedException', 'CredentialsProviderError', 'LimitExceededException',
    'ThrottlingException', 'KMSInternalException', 'AbortError', 'TimeoutError', 'NotFoundException', 'Error', 'TypeError'];

  /** An error-like value whose texts may embed the secret. */
  const errorLike = (s: string) => {
    const text = fc.oneof(hostileString(400), fc.constant(s), fc.tuple(hostileString(100), hostileString(100)).map(([a, b]) => `${a}${s}${b}`));
    const shape = fc.record(
      {
        name: fc.oneof(fc.constantFrom(...AWS_NAMES), text, anyValue(50)),
        message: fc.oneof(text, anyValue(50)),
        code: fc.oneof(fc.constantFrom(...Object.values(GRPC_CODE), 'ECONNREFUSED', 'ENOTFOUND', 'UND_ERR_SOCKET'), fc.integer(), text),
        $fault: fc.constantFrom('client', 'server', 'other'),
        $metadata: fc.oneof(fc.record({ httpStatusCode: fc.oneof(fc.integer({ min: 0, max: 999 }), anyValue(10)) }), anyValue(10)),
        details: text,
      },
      { requiredKeys: [] },
    );
    const withCause = fc.tuple(shape, shape).map(([outer, cause]) => ({ ...outer, cause }));
    const asError = fc.tuple(text, fc.constantFrom(...AWS_NAMES)).map(([msg, name]) => Object.assign(new Error(msg), { name }));
    return fc.oneof(shape, withCause, asError, anyValue(100), fc.constant(undefined), fc.constant(new KmsCallInterrupted('ListKeys', 'timeout', 1000)));
  };

  function expectSafe(f: KmsFailure, secrets: string[]): void {
    expect(f.reason).toMatch(CAMEL);
    expect(typeof f.transient).toBe('boolean');
    expect(f.message.trim()).not.toBe('');
    for (const s of secrets) expect(f.message).not.toContain(s);
  }

  it('classify anything into a KmsFailure with a CamelCase reason and no credentials in the message', () => {
    fc.assert(
      fc.property(secret.chain((s) => fc.tuple(fc.constant(s), errorLike(s))), ([s, err]) => {
        expectSafe(classifyAwsError(err, { operation: 'ListKeys', region: 'us-east-1', secrets: [s] }), [s]);
        expectSafe(classifyGcpError(err, { operation: 'GetKeyRing', resource: 'projects/p/locations/l/keyRings/r', secrets: [s] }), [s]);
      }),
      bounded(3000, 100000),
    );
  }, TIMEOUT_MS);
});
