/**
 * The local validator and the CRD agree on hostile manifests: a sample of the generated manifests
 * (test/unit/hostile/arbitraries.ts) is sent to the real API server (create, dry run, field validation Strict) and
 * `validateMigration` must accept exactly what the API server accepts, except for the differences listed in
 * {@link KNOWN_DIFFERENCES}.
 *
 * Long variant: `SVKMS_LONG_TESTS=1` (400 manifests and a random seed instead of 40 with a fixed seed).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { createTestNamespace, testKubeConfig } from '../env/kube.ts';
import { GROUP, PLURAL, VERSION } from '../../src/api/schema.ts';
import { validateMigration, type Problem } from '../../src/api/validate.ts';
import { LONG, manifestArbitrary, setPath, type GeneratedManifest, type LooseManifest } from '../unit/hostile/arbitraries.ts';
import { loadExample } from '../fixtures/bad-manifests.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const SAMPLE = LONG ? 400 : 40;
const SEED = LONG ? Date.now() : 4242;

/** A case where the two may legitimately disagree, with why. */
interface KnownDifference {
  name: string;
  /** Whether the case applies: the manifest, the local problems, whether the API server accepted it. */
  applies(m: LooseManifest, local: Problem[], serverAccepted: boolean): boolean;
}

const onlyAt = (local: Problem[], re: RegExp) => local.length > 0 && local.every((p) => re.test(p.path));

/** The documented differences between `sv-kms validate` and the API server. Everything else must agree. */
const KNOWN_DIFFERENCES: KnownDifference[] = [
  {
    // ConfigMap names are derived from it (`<name>-participant-values`), so the local rule is a DNS-1123 label of at most
    // 40 characters; the API server takes any DNS-1123 subdomain of up to 253.
    name: 'metadata.name is stricter locally',
    applies: (_m, local, server) => server && onlyAt(local, /^metadata\.name$/),
  },
  {
    // ObjectMeta belongs to the API server (labels, annotations, generateName …); locally only name is checked.
    name: 'metadata other than name is checked by the API server only',
    applies: (m, local, server) => !server && local.length === 0 && isObj(m.metadata) && Object.keys(m.metadata).some((k) => !['name', 'namespace'].includes(k)),
  },
];

/** Hand-picked cases where two validators most easily part ways (regex dialects, list sets, nulls, lengths). */
const EDGE_CASES: [string, (m: LooseManifest) => void][] = [
  ['duplicate scan URLs (list-type set)', (m) => setPath(m, 'spec.network.scanUrls', ['https://a.example.com', 'https://a.example.com'])],
  ['no-break space in a URL path (JS \\s vs RE2 \\s, before HTTP_URL listed its ranges)', (m) => setPath(m, 'spec.newSv.svNode.sponsorApiUrl', 'https://a.example.com/x\u00a0y')],
  ['line separator in a URL path', (m) => setPath(m, 'spec.newSv.svNode.sponsorApiUrl', 'https://a.example.com/x\u2028y')],
  ['non-ASCII letter in a URL path', (m) => setPath(m, 'spec.oldSv.svAppUrl', 'https://a.example.com/caf\u00e9')],
  ['tab and DEL in URL paths', (m) => setPath(m, 'spec.network.scanUrls', ['https://a.example.com/x\ty', 'https://b.example.com/x\u007fy'])],
  ['every ASCII character the URL path allows', (m) => setPath(m, 'spec.oldSv.walletUrl', 'https://a.example.com/!#%&()*+,-./09:;<=>?@AZ[]^_az{|}~')],
  ['null for a defaulted field', (m) => setPath(m, 'spec.paused', null)],
  ['null for a required field', (m) => setPath(m, 'spec.oldSv.name', null)],
  ['null inside extraConfig', (m) => setPath(m, 'spec.kms.extraConfig', { auditLogging: null })],
  ['null map value in customTags', (m) => setPath(m, 'spec.kms.aws.customTags', { Team: null })],
  ['emoji at the maxLength boundary (code points vs UTF-16)', (m) => setPath(m, 'spec.oldSv.auth.audience', '\ud83d\ude00'.repeat(512))],
  ['emoji custom tag key of 128 code points (CEL size)', (m) => setPath(m, 'spec.kms.aws.customTags', { ['\ud83d\ude00'.repeat(128)]: 'x' })],
  ['integer as a float literal 2.0', (m) => setPath(m, 'spec.network.scanQuorum', 2.0)],
  ['integer beyond 2^53', (m) => setPath(m, 'spec.workflow.weightTransfer.attempt', 2 ** 53 + 2)],
  ['empty extraConfig key', (m) => setPath(m, 'spec.kms.extraConfig', { '': 'x' })],
];

let objects: CustomObjectsApi;
let namespace: string;

beforeAll(async () => {
  const kc = testKubeConfig();
  objects = kc.makeApiClient(CustomObjectsApi);
  namespace = await createTestNamespace(kc, 'hostile');
});

/** Creates the object in a dry run with strict field validation; true when accepted, false on 400/422. */
async function serverAccepts(body: Obj): Promise<{ accepted: boolean; message: string }> {
  try {
    await objects.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body, fieldValidation: 'Strict', dryRun: 'All' });
    return { accepted: true, message: '' };
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    if (e.code !== 400 && e.code !== 422) throw err;
    const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
    return { accepted: false, message: (JSON.parse(body) as { message?: string }).message ?? body };
  }
}

describe(`hostile manifests against the real API server (${SAMPLE}, seed ${SEED})`, () => {
  it('are accepted by the API server exactly when validateMigration accepts them (modulo the listed differences)', async () => {
    // NaN and Infinity cannot travel as JSON; everything else the generator makes can.
    const sample: GeneratedManifest[] = [
      ...fc.sample(manifestArbitrary({ maxString: 1 << 16, nonFinite: false }), { numRuns: SAMPLE, seed: SEED }),
      ...EDGE_CASES.map(([, change]) => {
        const manifest = loadExample('aws');
        change(manifest);
        return { manifest, mutated: true };
      }),
    ];
    const disagreements: string[] = [];
    const seen = { accepted: 0, rejected: 0, excused: new Map<string, number>() };
    for (const { manifest } of sample) {
      // The object's namespace must be the request's; the API server refuses a mismatch before validating anything.
      if (isObj(manifest.metadata)) manifest.metadata.namespace = namespace;
      const body = JSON.parse(JSON.stringify(manifest)) as Obj;
      const local = validateMigration(body).problems;
      const server = await serverAccepts(body);
      if (server.accepted) seen.accepted++;
      else seen.rejected++;
      if (server.accepted === (local.length === 0)) continue;
      const excuse = KNOWN_DIFFERENCES.find((d) => d.applies(manifest, local, server.accepted));
      if (excuse) {
        seen.excused.set(excuse.name, (seen.excused.get(excuse.name) ?? 0) + 1);
        continue;
      }
      disagreements.push(
        `${server.accepted ? 'API server accepts, validateMigration rejects' : 'API server rejects, validateMigration accepts'}:\n` +
          `  local: ${JSON.stringify(local).slice(0, 500)}\n  server: ${server.message.slice(0, 500)}\n  manifest.spec: ${JSON.stringify(body.spec).slice(0, 1500)}`,
      );
    }
    expect(disagreements).toEqual([]);
    // Both outcomes must occur, or the comparison proves little.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
  }, LONG ? 1_800_000 : 120_000);
});
