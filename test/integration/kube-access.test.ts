/**
 * The operator's own kubeconfig loader (src/controller/kube-access.ts) against the real API server: TLS verified
 * against the CA (inline, as a file, with tls-server-name), the static token and a token file, and a pod's service
 * account; a connection that the CA does not vouch for fails.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inClusterAccess, kubeAccessFromConfig, loadKubeAccess, type KubeAccess } from '../../src/controller/kube-access.ts';
import { KubeClient, type KubeObject, type ResourceType } from '../../src/controller/kube-client.ts';
import { TEST_KUBECONFIG_ENV } from '../env/kube.ts';

const NAMESPACES: ResourceType = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };

interface TestKubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { token: string } }[];
}

let file: string;
let server: string;
let caPem: Buffer;
let token: string;
let dir: string;

beforeAll(() => {
  file = process.env[TEST_KUBECONFIG_ENV] ?? '';
  if (!file) throw new Error(`${TEST_KUBECONFIG_ENV} is not set`);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as TestKubeconfig;
  server = doc.clusters[0]!.cluster.server;
  caPem = Buffer.from(doc.clusters[0]!.cluster['certificate-authority-data'], 'base64');
  token = doc.users.find((u) => u.name === 'admin')!.user.token;
  dir = mkdtempSync(join(tmpdir(), 'svkms-access-it-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Reads the namespace `default` through a KubeClient on this access. */
const readDefault = (access: KubeAccess) => new KubeClient(access, { fieldManager: 'access-test', timeoutMs: 10_000 }).get<KubeObject>(NAMESPACES, undefined, 'default');

function config(cluster: Record<string, unknown>, user: Record<string, unknown>) {
  return {
    clusters: [{ name: 'c', cluster: { server, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'x',
  };
}

describe('the operator reaching the API server without client-node', () => {
  it('through the test kubeconfig: CA inline, static token', async () => {
    const access = await loadKubeAccess({ file });
    expect(access.source).toBe('kubeconfig');
    expect((await readDefault(access))?.metadata?.name).toBe('default');
  });

  it('through a kubeconfig with the CA and the token in files beside it, and a TLS server name the certificate holds', async () => {
    writeFileSync(join(dir, 'ca.crt'), caPem);
    writeFileSync(join(dir, 'token'), `${token}\n`);
    writeFileSync(join(dir, 'config'), JSON.stringify(config({ 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes.default.svc' }, { tokenFile: 'token' })));
    expect((await readDefault(await loadKubeAccess({ file: join(dir, 'config') })))?.metadata?.name).toBe('default');
  });

  it('as a pod: the service account token, CA and namespace, the server from the service environment', async () => {
    const sa = join(dir, 'serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), token);
    writeFileSync(join(sa, 'ca.crt'), caPem);
    writeFileSync(join(sa, 'namespace'), 'sv-kms-system');
    const url = new URL(server);
    const access = inClusterAccess({ KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }, sa);
    expect(access.namespace).toBe('sv-kms-system');
    expect((await readDefault(access))?.metadata?.name).toBe('default');
  });

  it('refuses a server the CA does not vouch for: no CA, or a server name the certificate does not hold', async () => {
    await expect(readDefault(await kubeAccessFromConfig(config({}, { token })))).rejects.toThrow();
    const caData = caPem.toString('base64');
    await expect(readDefault(await kubeAccessFromConfig(config({ 'certificate-authority-data': caData, 'tls-server-name': 'elsewhere.example' }, { token })))).rejects.toThrow();
    // The same settings with the right name pass, so the failures above are the TLS checks.
    expect((await readDefault(await kubeAccessFromConfig(config({ 'certificate-authority-data': caData, 'tls-server-name': 'kubernetes' }, { token }))))?.metadata?.name).toBe('default');
  });

  it('is refused by the API server with a wrong token (401), and skips verification only when told to', async () => {
    await expect(readDefault(await kubeAccessFromConfig(config({ 'certificate-authority-data': caPem.toString('base64') }, { token: 'wrong' })))).rejects.toMatchObject({ code: 401 });
    expect((await readDefault(await kubeAccessFromConfig(config({ 'insecure-skip-tls-verify': true }, { token }))))?.metadata?.name).toBe('default');
  });
});
