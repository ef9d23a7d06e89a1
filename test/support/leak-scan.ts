/**
 * The secret-leak scan of every integration run (issue 7): after the last test, every secret value in the cluster
 * (private keys, client secrets, cloud credentials: all Secret data but public keys) and the tests' own credential
 * constants are searched — raw, JSON-escaped (a value quoted inside a JSON log line or status: a PEM key's newlines
 * become `\n`), URL-encoded (a query string or form body), base64, base64url and hex, and the decoded bytes of
 * base64 values — in everything
 * the operator emitted: its logs (in-process and `sv-kms run` processes), Events, SvKmsMigration statuses and
 * ConfigMaps. Any hit fails the run.
 */
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeObject } from '../../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../../src/controller/kube-access.ts';
import { RESOURCES, SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';

/** Env var naming the folder where harnesses drop what the operator wrote (logs). */
export const LEAK_DIR_ENV = 'SVKMS_LEAK_DIR';

/** Appends operator output to the run's leak-scan folder (no-op outside an integration run). */
export function recordEmitted(file: string, text: string): void {
  const dir = process.env[LEAK_DIR_ENV];
  if (dir) appendFileSync(join(dir, file), text);
}

export interface Haystack {
  source: string;
  text: string;
}

export interface Leak {
  source: string;
  secret: string;
  form: string;
}

/**
 * Data keys that hold public material or identifiers by design: the key Secrets' public halves, and the ids that go
 * with a credential (an OAuth2 client id, an AWS access key id), which messages name on purpose so that a human can
 * tell which credential failed.
 */
const PUBLIC_KEYS = new Set(['public', 'publicKey', 'ca.crt', 'clientId', 'accessKeyId']);
const MIN_LENGTH = 12;

/** The encodings a secret could appear in. */
export function encodings(secret: string): { form: string; text: string }[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [
    { form: 'raw', text: secret },
    { form: 'base64', text: bytes.toString('base64').replace(/=+$/, '') },
    { form: 'base64url', text: bytes.toString('base64url') },
    { form: 'hex', text: bytes.toString('hex') },
    // Escaped forms only when they differ from the raw one (otherwise the raw form finds them).
    ...[
      { form: 'json-escaped', text: JSON.stringify(secret).slice(1, -1) },
      { form: 'json-escaped-ascii', text: JSON.stringify(secret).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) },
      { form: 'url-encoded', text: encodeURIComponent(secret) },
      { form: 'form-encoded', text: new URLSearchParams({ x: secret }).toString().slice(2) },
    ].filter((f, i, all) => f.text !== secret && all.findIndex((g) => g.text === f.text) === i),
  ];
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(secret) && secret.length % 4 === 0) {
    const decoded = Buffer.from(secret, 'base64');
    forms.push({ form: 'decoded-hex', text: decoded.toString('hex') });
    const latin = decoded.toString('latin1');
    if (/^[\x20-\x7e]+$/.test(latin)) forms.push({ form: 'decoded', text: latin });
  }
  return forms.filter((f) => f.text.length >= MIN_LENGTH);
}

/** Every place a secret appears in the haystacks (the secret itself is reported by its first characters only). */
export function findLeaks(secrets: Iterable<string>, haystacks: Haystack[]): Leak[] {
  const leaks: Leak[] = [];
  for (const secret of new Set(secrets)) {
    if (secret.length < MIN_LENGTH) continue;
    for (const { form, text } of encodings(secret)) {
      for (const h of haystacks) {
        if (h.text.includes(text)) leaks.push({ source: h.source, secret: `${secret.slice(0, 4)}…(${secret.length} chars)`, form });
      }
    }
  }
  return leaks;
}

/** The secret-looking string fields of a JSON credentials file (a leak may quote just the private key). */
function secretLeaves(value: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string' && /private|secret|token|password/i.test(key)) out.push(v);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(parsed, '');
  return out;
}

type SecretObject = KubeObject & { type?: string; data?: Record<string, string> };

/** Secret values in the cluster, as the strings a leak would contain (the decoded data values). */
export async function clusterSecrets(client: KubeClient): Promise<string[]> {
  const values: string[] = [];
  for (const s of (await client.list<SecretObject>(RESOURCES.secrets)).items) {
    if (s.type === 'kubernetes.io/service-account-token') continue;
    for (const [key, b64] of Object.entries(s.data ?? {})) {
      if (PUBLIC_KEYS.has(key)) continue;
      const value = Buffer.from(b64, 'base64').toString('utf8');
      values.push(value, ...secretLeaves(value));
    }
  }
  return values;
}

/** What the operator emitted into the cluster, and what harnesses recorded in the leak folder. */
export async function emitted(client: KubeClient, leakDir: string | undefined): Promise<Haystack[]> {
  const stacks: Haystack[] = [];
  for (const e of (await client.list<KubeObject & { message?: string; reason?: string }>(RESOURCES.events)).items) {
    stacks.push({ source: `Event ${e.metadata?.namespace}/${e.metadata?.name}`, text: `${e.reason ?? ''} ${e.message ?? ''}` });
  }
  for (const m of (await client.list<KubeObject & { status?: unknown }>(SVKMS_MIGRATIONS)).items) {
    stacks.push({ source: `SvKmsMigration ${m.metadata?.namespace}/${m.metadata?.name} status`, text: JSON.stringify(m.status ?? {}) });
  }
  for (const cm of (await client.list<KubeObject & { data?: Record<string, string> }>(RESOURCES.configMaps)).items) {
    stacks.push({ source: `ConfigMap ${cm.metadata?.namespace}/${cm.metadata?.name}`, text: JSON.stringify(cm.data ?? {}) });
  }
  if (leakDir && existsSync(leakDir)) {
    for (const f of readdirSync(leakDir)) stacks.push({ source: `file ${f}`, text: readFileSync(join(leakDir, f), 'utf8') });
  }
  return stacks;
}

/** The whole scan; `extraSecrets` are values the tests know to be secret but that live outside the cluster. */
export async function scanForLeaks(kc: KubeConfig, leakDir: string | undefined, extraSecrets: string[] = []): Promise<{ leaks: Leak[]; secrets: number; haystacks: number }> {
  const client = new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'leak-scan' });
  for (let attempt = 1; ; attempt++) {
    try {
      const secrets = [...(await clusterSecrets(client)), ...extraSecrets];
      const haystacks = await emitted(client, leakDir);
      return { leaks: findLeaks(secrets, haystacks), secrets: secrets.length, haystacks: haystacks.length };
    } catch (err) {
      // A freshly started API server answers "storage is (re)initializing" for a moment.
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
