import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inClusterAccess, kubeAccessFromConfig, loadKubeAccess, type KubeAccess } from './kube-access.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;
let server: Server;
let serverUrl: string;
let seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'svkms-access-'));
  server = createServer((req, res) => (seen.push(req.headers), res.end('{}')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig document: one cluster `c` (at the test server unless given), one user, one context `x` (current). */
function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}, context: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: serverUrl, 'insecure-skip-tls-verify': true, ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', ...context } }],
    'current-context': 'x',
  };
}

function writeConfig(name: string, doc: unknown): string {
  const file = join(dir, name);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(doc));
  return file;
}

/** The headers the test server received from one request made with the access's credentials and connection pool. */
async function headersSent(access: KubeAccess): Promise<IncomingHttpHeaders> {
  const [headers, agent] = await Promise.all([access.headers(), access.agent()]);
  seen = [];
  await new Promise<void>((resolve, reject) => {
    const req = request(`${access.server}/api`, { headers, agent }, (res) => res.resume().on('end', resolve));
    req.on('error', reject).end();
  });
  agent.destroy();
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('a kubeconfig read without client-node', () => {
  it('takes the current context: server without trailing slash, namespace, bearer token, impersonation', async () => {
    const access = await kubeAccessFromConfig(kubeconfig({ token: 'tok-1', as: 'jane' }, { server: `${serverUrl}/` }, { namespace: 'team-a' }));
    expect(access).toMatchObject({ server: serverUrl, namespace: 'team-a', source: 'kubeconfig' });
    const headers = await headersSent(access);
    expect(headers.authorization).toBe('Bearer tok-1');
    expect(headers['impersonate-user']).toBe('jane');
  });

  it('reads a token file (relative to the kubeconfig) on every call, so a rotated token is used, without the newline', async () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'token'), 'first\n');
    const file = writeConfig('sub/config', kubeconfig({ tokenFile: 'token' }));
    const access = await loadKubeAccess({ file });
    expect((await headersSent(access)).authorization).toBe('Bearer first');
    writeFileSync(join(dir, 'sub', 'token'), 'second');
    expect((await headersSent(access)).authorization).toBe('Bearer second');
  });

  it('sends basic auth for a username and password, and nothing for a context without a user', async () => {
    const basic = await kubeAccessFromConfig(kubeconfig({ username: 'admin', password: 's3cret' }));
    expect((await headersSent(basic)).authorization).toBe(`Basic ${Buffer.from('admin:s3cret').toString('base64')}`);
    const doc = kubeconfig({});
    doc.contexts = [{ name: 'x', context: { cluster: 'c' } as never }];
    expect((await headersSent(await kubeAccessFromConfig(doc))).authorization).toBeUndefined();
  });

  it('KUBECONFIG: the first file that names an entry or sets the current context wins; missing files are skipped', async () => {
    const first = writeConfig('merge/a', { users: [{ name: 'u', user: { token: 'from-a' } }], 'current-context': 'x' });
    const second = writeConfig('merge/b', { ...kubeconfig({ token: 'from-b' }), 'current-context': 'other' });
    const KUBECONFIG = [join(dir, 'merge', 'missing'), first, second].join(delimiter);
    const access = await loadKubeAccess({ env: { KUBECONFIG }, serviceAccountDir: join(dir, 'no-sa') });
    expect(access.server).toBe(serverUrl);
    expect((await headersSent(access)).authorization).toBe('Bearer from-a');
  });

  it('without --kubeconfig and KUBECONFIG: ~/.kube/config, else the service account, else an error', async () => {
    const home = join(dir, 'home');
    writeConfig('home/.kube/config', kubeconfig({ token: 'from-home' }));
    const sa = join(dir, 'sa');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'sa-token');
    const env = { HOME: home, KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect((await loadKubeAccess({ env, serviceAccountDir: sa })).source).toBe('kubeconfig');
    expect(await loadKubeAccess({ env: { ...env, HOME: join(dir, 'nowhere') }, serviceAccountDir: sa })).toMatchObject({ source: 'in-cluster', server: 'https://10.0.0.1:443' });
    await expect(loadKubeAccess({ env: { HOME: join(dir, 'nowhere') }, serviceAccountDir: join(dir, 'no-sa') })).rejects.toThrow(/no kubeconfig found/);
    await expect(loadKubeAccess({ env: { KUBECONFIG: join(dir, 'none') } })).rejects.toThrow(/none of the KUBECONFIG files exists/);
  });

  it.each([
    ['no current context', () => ({ ...kubeconfig({}), 'current-context': undefined }), /sets no current-context/],
    ['an unknown context', () => ({ ...kubeconfig({}), 'current-context': 'y' }), /no context "y"/],
    ['an unknown cluster', () => kubeconfig({}, {}, { cluster: 'd' }), /no cluster "d"/],
    ['an unknown user', () => kubeconfig({}, {}, { user: 'v' }), /no user "v"/],
    ['plain HTTP that does not say insecure-skip-tls-verify', () => kubeconfig({}, { 'insecure-skip-tls-verify': false }), /plain HTTP .* needs insecure-skip-tls-verify/],
    ['a cluster without a server', () => kubeconfig({}, { server: '' }), /has no server/],
    ['a token that is not a string', () => kubeconfig({ token: 42 }), /token is not a string/],
    ['not a mapping', () => ['a'], /not a mapping/],
    ['an entry without a name', () => ({ clusters: [{ cluster: {} }] }), /clusters\[0\]\.name is missing/],
  ])('refuses %s', async (_what, doc, message) => {
    // The documents are built when the test runs: the test server's URL is known then.
    await expect(kubeAccessFromConfig(doc())).rejects.toThrow(message);
  });

  it('says which file is not YAML', async () => {
    const file = join(dir, 'broken');
    writeFileSync(file, 'clusters: [');
    await expect(loadKubeAccess({ file })).rejects.toThrow(`${file} is not YAML`);
    await expect(loadKubeAccess({ file: join(dir, 'absent') })).rejects.toThrow(/cannot read .*absent: ENOENT/);
  });
});

describe('the service account of a pod', () => {
  it('builds the server from the service environment (IPv6 in brackets), reads the namespace, and the token on every call', async () => {
    const sa = join(dir, 'pod-sa');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'token'), 'one');
    writeFileSync(join(sa, 'ca.crt'), '');
    writeFileSync(join(sa, 'namespace'), 'sv-kms-system\n');
    const access = inClusterAccess({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, sa);
    expect(access).toMatchObject({ server: 'https://[fd00::1]:6443', namespace: 'sv-kms-system', source: 'in-cluster' });
    expect(await access.headers()).toEqual({ Authorization: 'Bearer one' });
    writeFileSync(join(sa, 'token'), 'two');
    expect(await access.headers()).toEqual({ Authorization: 'Bearer two' });
    expect(() => inClusterAccess({}, sa)).toThrow(/KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set/);
  });
});

describe('an exec plugin', () => {
  it('is handed to client-node, loaded then, whose plugin supplies the token', async () => {
    const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-plugin' } };
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', `process.stdout.write(${JSON.stringify(JSON.stringify(credential))})`], interactiveMode: 'Never' };
    const access = await kubeAccessFromConfig(kubeconfig({ exec }, {}, { namespace: 'ns' }));
    expect(access).toMatchObject({ source: 'client-node', server: serverUrl, namespace: 'ns' });
    expect((await headersSent(access)).authorization).toBe('Bearer from-plugin');
  });
});

interface Footprint {
  modules: number;
  clientNode: number;
  clientNodeGenerated: number;
  undici: number;
}

/** Runs scripts/import-footprint.ts in a fresh Node process (this one's, Node 24) and parses its line. */
function footprint(kubeconfigFile: string): Promise<Footprint> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [join(repo, 'scripts', 'import-footprint.ts'), '--kubeconfig', kubeconfigFile], { cwd: repo, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`import-footprint failed: ${err.message}\n${stderr}`));
      done(JSON.parse(stdout.trim().split('\n').at(-1)!) as Footprint);
    });
  });
}

describe('what the operator loads', () => {
  it('runs without client-node (no module of the package, none of its generated models) and without undici, with a token kubeconfig', async () => {
    const run = await footprint(writeConfig('footprint/token', kubeconfig({ token: 't' })));
    expect(run.modules).toBeGreaterThan(100);
    // The Kubernetes client is on node:http(s); undici would cost ~18 MB of RSS (kube-access.ts: agentFor).
    expect(run).toMatchObject({ clientNode: 0, clientNodeGenerated: 0, undici: 0 });
  }, 60_000);

  it('(the check sees client-node when it is loaded: a kubeconfig with an exec plugin loads it)', async () => {
    const exec = { apiVersion: 'client.authentication.k8s.io/v1', command: process.execPath, args: ['-e', 'process.stdout.write(JSON.stringify({apiVersion:"client.authentication.k8s.io/v1",kind:"ExecCredential",status:{token:"x"}}))'] };
    const run = await footprint(writeConfig('footprint/exec', kubeconfig({ exec })));
    expect(run.clientNodeGenerated).toBeGreaterThan(100);
  }, 60_000);
});

describe('imports of client-node in the sources', () => {
  it('are type-only, except the on-demand import of kube-access.ts (paths the run above does not take are covered too)', () => {
    const src = join(repo, 'src');
    const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    const runtime = files.flatMap((f) => {
      const text = readFileSync(join(src, f), 'utf8');
      const found = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+'@kubernetes\/client-node[^']*'|import\(\s*'@kubernetes\/client-node[^']*'\s*\)/gm)];
      return found.map(() => relative(repo, join(src, f)));
    });
    expect(files.length).toBeGreaterThan(50);
    expect(runtime).toEqual(['src/controller/kube-access.ts']);
  });
});
