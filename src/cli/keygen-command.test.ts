import { describe, it, expect } from '@jest/globals';
import { load } from 'js-yaml';
import { checkKeySecret } from '../keys/adoption.ts';
import { KEY_FINGERPRINT_ANNOTATION, KEY_KIND_LABEL } from '../keys/secret-manifest.ts';
import { runCli } from '../../test/support/cli.ts';

const sv = runCli;

interface SecretDoc {
  apiVersion: string;
  kind: string;
  type: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations: Record<string, string> };
  data: Record<string, string>;
}

const defaults = { governance: 'splice-app-sv-cometbft-governance-key', identity: 'splice-app-sv-key' } as const;

describe('sv-kms keygen', () => {
  it.each(['governance', 'identity'] as const)('prints a %s pair as upstream JSON that passes the adoption check', async (kind) => {
    const r = await sv('keygen', kind);
    expect(r.code).toBe(0);
    const pair = JSON.parse(r.stdout) as { public: string; private: string };
    expect(Object.keys(pair)).toEqual(['public', 'private']);
    const check = checkKeySecret(kind, { public: Buffer.from(pair.public).toString('base64'), private: Buffer.from(pair.private).toString('base64') });
    expect(check).toEqual({ ok: true, publicKey: pair.public, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // stderr tells the fingerprint, never the private key
    expect(r.stderr).toContain(check.ok ? check.fingerprint : 'no fingerprint');
    expect(r.stderr).not.toContain(pair.private);
  });

  it('generates a new key every time', async () => {
    const a = JSON.parse((await sv('keygen', 'governance')).stdout) as { private: string };
    const b = JSON.parse((await sv('keygen', 'governance')).stdout) as { private: string };
    expect(a.private).not.toBe(b.private);
  });

  it.each(['governance', 'identity'] as const)('prints a ready %s Secret manifest', async (kind) => {
    const r = await sv('keygen', kind, '--format', 'secret-yaml', '--namespace', 'sv-kms');
    expect(r.code).toBe(0);
    const secret = load(r.stdout) as SecretDoc;
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: defaults[kind], namespace: 'sv-kms' } });
    expect(secret.metadata.labels[KEY_KIND_LABEL]).toBe(kind);
    expect(Object.keys(secret.data).sort()).toEqual(['private', 'public']);
    const check = checkKeySecret(kind, secret.data);
    expect(check.ok).toBe(true);
    expect(secret.metadata.annotations[KEY_FINGERPRINT_ANNOTATION]).toBe(check.ok ? check.fingerprint : undefined);
    expect(r.stderr).not.toContain(secret.data.private!);
    expect(r.stderr).not.toContain(Buffer.from(secret.data.private!, 'base64').toString());
  });

  it('takes --name and leaves the namespace out unless given', async () => {
    const secret = load((await sv('keygen', 'identity', '--format=secret-yaml', '--name', 'my-sv-key')).stdout) as SecretDoc;
    expect(secret.metadata.name).toBe('my-sv-key');
    expect(secret.metadata.namespace).toBeUndefined();
  });

  it.each([
    [[], /which key\? give one of governance, identity/],
    [['cometbft'], /unknown key kind "cometbft"/],
    [['governance', 'identity'], /unexpected argument "identity"/],
    [['governance', '--format', 'pem'], /unknown format "pem"/],
    [['governance', '--name', 'x'], /--name and --namespace apply to --format secret-yaml only/],
    [['governance', '--format', 'secret-yaml', '--name', 'Bad_Name'], /not a valid Secret name/],
    [['identity', '--format', 'secret-yaml', '--namespace', 'a.b'], /not a valid namespace/],
    [['governance', '--format'], /option --format needs a value/],
    [['governance', '--bogus'], /unknown option --bogus/],
  ])('usage error for %j: exit 2, usage on stderr, nothing on stdout', async (args, message) => {
    const r = await sv('keygen', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: sv-kms keygen');
    expect(r.stdout).toBe('');
  });

  it('prints its help (exit 0) and is listed in the top-level help', async () => {
    const help = await sv('keygen', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: sv-kms keygen governance|identity');
    const top = await sv('--help');
    expect(top.stdout).toMatch(/^ {2}keygen +Generate/m);
    expect(top.stdout).toMatch(/^ {2}validate +Check/m);
  });
});
