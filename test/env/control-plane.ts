/**
 * A real Kubernetes control plane for tests, the demo and benchmarks: etcd and kube-apiserver on 127.0.0.1 with random
 * ports, static-token authentication, RBAC authorization and no kubelet (Pods stay Pending; tests play the workloads
 * by patching Deployment status themselves). The same setup as controller-runtime's envtest.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { testBinaries, type TestBinaries } from './binaries.ts';
import { reapOnExit } from './reap.ts';

export interface ControlPlaneOptions {
  /** Folder for data, certificates, logs and the kubeconfig; a new temporary folder by default. */
  dir?: string;
  /** How long to wait for each process to become healthy. */
  startTimeoutMs?: number;
}

/** Extra static-token users, e.g. for RBAC tests: name → groups. */
const STATIC_USERS: Record<string, string[]> = { admin: ['system:masters'] };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** GET over HTTP(S), returning status and body. The API server's certificate is not checked here: it is the health probe. */
function get(url: string, token?: string): Promise<{ status: number; body: string }> {
  if (url.startsWith('http:')) {
    return fetch(url, { signal: AbortSignal.timeout(2000) }).then(async (r) => ({ status: r.status, body: await r.text() }));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { rejectUnauthorized: false, timeout: 2000, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `url` until it answers 200, the process exits, or the timeout passes. */
async function waitHealthy(url: string, proc: ChildProcess, log: string, timeoutMs: number, token?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${url}: process exited with ${proc.exitCode}; log tail:\n${tail(log)}`);
    try {
      const res = await get(url, token);
      if (res.status === 200) return;
      last = `HTTP ${res.status}: ${res.body.slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms (last: ${last}); log tail:\n${tail(log)}`);
}

export class LocalControlPlane {
  readonly binaries: TestBinaries;
  readonly dir: string;
  readonly tokens: Record<string, string>;
  readonly kubeconfigPath: string;
  private etcd?: ChildProcess;
  private apiserver?: ChildProcess;
  private etcdPorts: { client: number; peer: number } = { client: 0, peer: 0 };
  private apiPort = 0;
  private readonly startTimeoutMs: number;

  private constructor(opts: ControlPlaneOptions) {
    this.binaries = testBinaries();
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'svkms-cp-'));
    mkdirSync(this.dir, { recursive: true });
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    this.tokens = Object.fromEntries(Object.keys(STATIC_USERS).map((u) => [u, randomBytes(24).toString('hex')]));
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
  }

  /** Starts etcd and kube-apiserver and writes an admin kubeconfig. */
  static async start(opts: ControlPlaneOptions = {}): Promise<LocalControlPlane> {
    const cp = new LocalControlPlane(opts);
    try {
      cp.prepareFiles();
      cp.etcdPorts = { client: await freePort(), peer: await freePort() };
      cp.apiPort = await freePort();
      await cp.startEtcd();
      await cp.startApiServer();
      cp.writeKubeconfig();
      return cp;
    } catch (err) {
      await cp.stop();
      throw err;
    }
  }

  get server(): string {
    return `https://127.0.0.1:${this.apiPort}`;
  }

  /** A KubeConfig for the admin user (system:masters). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  private prepareFiles(): void {
    mkdirSync(join(this.dir, 'certs'), { recursive: true });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(this.dir, 'certs', 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(join(this.dir, 'certs', 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const lines = Object.entries(STATIC_USERS).map(([user, groups]) => `${this.tokens[user]},${user},${user}-uid,"${groups.join(',')}"`);
    writeFileSync(join(this.dir, 'tokens.csv'), lines.join('\n') + '\n', { mode: 0o600 });
  }

  private spawnLogged(bin: string, args: string[], logName: string): ChildProcess {
    const log = createWriteStream(join(this.dir, logName));
    const child = reapOnExit(spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    return child;
  }

  private async startEtcd(): Promise<void> {
    const { client, peer } = this.etcdPorts;
    this.etcd = this.spawnLogged(
      this.binaries.etcd,
      [
        '--name=default',
        `--data-dir=${join(this.dir, 'etcd')}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=default=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      'etcd.log',
    );
    await waitHealthy(`http://127.0.0.1:${client}/health`, this.etcd, join(this.dir, 'etcd.log'), this.startTimeoutMs);
  }

  private async startApiServer(): Promise<void> {
    const certs = join(this.dir, 'certs');
    this.apiserver = this.spawnLogged(
      this.binaries.kubeApiserver,
      [
        `--etcd-servers=http://127.0.0.1:${this.etcdPorts.client}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${this.apiPort}`,
        `--cert-dir=${certs}`,
        `--token-auth-file=${join(this.dir, 'tokens.csv')}`,
        '--authorization-mode=RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        '--disable-admission-plugins=ServiceAccount',
        `--service-account-issuer=https://127.0.0.1:${this.apiPort}/`,
        `--service-account-key-file=${join(certs, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(certs, 'sa.key')}`,
        '--v=0',
      ],
      'kube-apiserver.log',
    );
    await waitHealthy(`${this.server}/readyz`, this.apiserver, join(this.dir, 'kube-apiserver.log'), this.startTimeoutMs, this.tokens.admin);
  }

  private writeKubeconfig(): void {
    // The API server generated a self-signed serving certificate in --cert-dir; trust exactly that file.
    const ca = readFileSync(join(this.dir, 'certs', 'apiserver.crt')).toString('base64');
    const users = Object.entries(this.tokens).map(([name, token]) => ({ name, user: { token } }));
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'local', cluster: { server: this.server, 'certificate-authority-data': ca } }],
      users,
      contexts: Object.keys(this.tokens).map((u) => ({ name: u, context: { cluster: 'local', user: u } })),
      'current-context': 'admin',
    };
    writeFileSync(this.kubeconfigPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  }

  /** Kills the API server and starts it again on the same port and etcd (for fault tests). */
  async restartApiServer(): Promise<void> {
    await stopProcess(this.apiserver);
    await this.startApiServer();
  }

  /** Kills both the API server and etcd, then starts them again on the same ports and data (a control-plane outage). */
  async restartAll(downMs = 0): Promise<void> {
    await stopProcess(this.apiserver);
    await stopProcess(this.etcd);
    if (downMs > 0) await sleep(downMs);
    await this.startEtcd();
    await this.startApiServer();
  }

  /** Stops both processes and removes the folder (unless it was given by the caller or `keep` is set). */
  async stop(opts: { keep?: boolean } = {}): Promise<void> {
    await stopProcess(this.apiserver);
    await stopProcess(this.etcd);
    if (!opts.keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function stopProcess(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
