/**
 * Where the API server is and how to authenticate to it: the kubeconfig loader of the operator and the CLI.
 *
 * Why not client-node's KubeConfig: its module (`dist/config.js`) statically imports the package's generated API
 * (`dist/gen/index.js`: the model classes and API clients of every group, over 800 modules), and the package offers
 * no narrower entry point, so loading KubeConfig alone costs some 30 MB of heap, 100 MB of RSS and most of a second
 * at start (`node scripts/import-footprint.ts` measures it). The operator uses none of that API: it talks raw JSON
 * (kube-client.ts) and needs a server URL, TLS settings and an Authorization header. This module reads those for a
 * pod's service account and for a kubeconfig with static credentials (token, token file, client certificate, basic
 * auth) — what the operator in a cluster, the tests and most local setups use. A kubeconfig whose current user runs an
 * exec plugin or an auth provider, or whose cluster is reached through a proxy, is handed to client-node's KubeConfig,
 * imported on demand: only such a kubeconfig pays for the package. `kube-access.test.ts` fails when the import graph
 * of `sv-kms run` reaches client-node.
 *
 * Loading order (kubectl's, and client-node's `loadFromDefault`): the file given (`--kubeconfig`), else the files of
 * `KUBECONFIG` (merged as kubectl does: the first file to name an entry or the current context wins; missing files are
 * skipped), else `~/.kube/config`, else the pod's service account.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions as HttpsRequestOptions } from 'node:https';
import { load } from 'js-yaml';
import type { KubeConfig } from '@kubernetes/client-node';

/** Where Kubernetes mounts a pod's service account token, CA and namespace. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How this process reaches the API server. */
export interface KubeAccess {
  /** Base URL of the API server, without a trailing slash. */
  readonly server: string;
  /** The current context's namespace (the pod's own in a cluster), when one is set. */
  readonly namespace?: string;
  /** What read the settings: the service account, a kubeconfig read here, or client-node's KubeConfig. */
  readonly source: 'in-cluster' | 'kubeconfig' | 'client-node';
  /**
   * The headers of a request (Authorization, Impersonate-User), read afresh: a rotated token file is read again. The
   * caller decides how long to reuse them.
   */
  headers(): Promise<Record<string, string>>;
  /**
   * A new connection pool (a `node:http`/`node:https` Agent) with the TLS settings (CA, client certificate), read
   * afresh: rotated files are read again. The caller decides how long to reuse it.
   */
  agent(): Promise<HttpAgent>;
}

export interface LoadKubeAccessOptions {
  /** A kubeconfig file (`--kubeconfig`); it must exist. */
  file?: string;
  /** Environment (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT); process.env by default. */
  env?: Record<string, string | undefined>;
  /** The service account folder; {@link SERVICE_ACCOUNT_DIR} by default. */
  serviceAccountDir?: string;
}

/** Loads the access from the first source that exists, in the order of the module comment. */
export async function loadKubeAccess(opts: LoadKubeAccessOptions = {}): Promise<KubeAccess> {
  const env = opts.env ?? process.env;
  if (opts.file) return kubeAccessFromFiles([opts.file]);
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  if (listed.length > 0) {
    const present = listed.filter((f) => existsSync(f));
    if (present.length === 0) throw new Error(`none of the KUBECONFIG files exists (${listed.join(delimiter)})`);
    return kubeAccessFromFiles(present);
  }
  const home = env.HOME || env.USERPROFILE;
  if (home && existsSync(join(home, '.kube', 'config'))) return kubeAccessFromFiles([join(home, '.kube', 'config')]);
  const saDir = opts.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  if (existsSync(join(saDir, 'token'))) return inClusterAccess(env, saDir);
  throw new Error('no kubeconfig found: pass --kubeconfig, set KUBECONFIG or create ~/.kube/config (or run in a pod with a service account token)');
}

/** The access of a pod: the API server from the service environment, the service account's token and CA. */
export function inClusterAccess(env: Record<string, string | undefined>, saDir = SERVICE_ACCOUNT_DIR): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error(`a service account token is mounted (${saDir}) but KUBERNETES_SERVICE_HOST or KUBERNETES_SERVICE_PORT is not set`);
  const namespaceFile = join(saDir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() || undefined : undefined;
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    namespace,
    source: 'in-cluster',
    headers: async () => bearer((await readFile(join(saDir, 'token'), 'utf8')).trim()),
    agent: async () => agentFor('https:', { ca: await readFile(join(saDir, 'ca.crt')) }),
  };
}

/** Reads and merges kubeconfig files (relative paths in each resolved against its folder); see {@link kubeAccessFromConfig}. */
export async function kubeAccessFromFiles(files: readonly string[]): Promise<KubeAccess> {
  const docs = files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    let doc: unknown;
    try {
      doc = load(text);
    } catch (err) {
      throw new Error(`${file} is not YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    return parseConfig(doc ?? {}, file, dirname(file));
  });
  return fromParsed(mergeConfigs(docs));
}

/**
 * The access a kubeconfig document (the parsed YAML) describes through its current context; relative file paths are
 * resolved against `baseDir` (the process's folder when unset).
 */
export async function kubeAccessFromConfig(doc: unknown, baseDir = process.cwd()): Promise<KubeAccess> {
  return fromParsed(parseConfig(doc, 'the kubeconfig', baseDir));
}

/**
 * An access through client-node's KubeConfig, for a kubeconfig this module does not read itself, and for tests that
 * hold one. The caller has loaded client-node already (it passes a KubeConfig), so the import here costs nothing more.
 */
export function accessFromKubeConfig(kc: KubeConfig): KubeAccess {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  /** `node:https` request options with client-node's authentication applied (headers, TLS, a proxy's agent). */
  const applied = async () => {
    const opts: HttpsRequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    return opts;
  };
  return {
    server: cluster.server,
    namespace,
    source: 'client-node',
    headers: async () => {
      const opts = await applied();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : String(v);
      // client-node gives basic auth as `auth` (user:password), not as a header.
      if (opts.auth && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      return headers;
    },
    agent: async () => {
      const opts = await applied();
      // Through a proxy, client-node's agent (it tunnels); else a keep-alive pool of ours with the TLS it read.
      if (cluster.proxyUrl && opts.agent instanceof HttpAgent) return opts.agent;
      const tls: TlsSettings = {};
      if (opts.ca) tls.ca = opts.ca;
      if (opts.cert) tls.cert = opts.cert;
      if (opts.key) tls.key = opts.key as Buffer;
      // client-node sets it false for insecure-skip-tls-verify.
      if (opts.rejectUnauthorized === false) tls.rejectUnauthorized = false;
      if (opts.servername) tls.servername = opts.servername;
      return agentFor(new URL(cluster.server).protocol, tls);
    },
  };
}

// ---- kubeconfig documents ----

/** The fields of a kubeconfig this module reads; others are kept for client-node when it takes over. */
interface ClusterEntry {
  server?: unknown;
  'certificate-authority'?: unknown;
  'certificate-authority-data'?: unknown;
  'insecure-skip-tls-verify'?: unknown;
  'tls-server-name'?: unknown;
  'proxy-url'?: unknown;
  [field: string]: unknown;
}
interface UserEntry {
  token?: unknown;
  tokenFile?: unknown;
  'client-certificate'?: unknown;
  'client-certificate-data'?: unknown;
  'client-key'?: unknown;
  'client-key-data'?: unknown;
  username?: unknown;
  password?: unknown;
  as?: unknown;
  exec?: unknown;
  'auth-provider'?: unknown;
  [field: string]: unknown;
}
interface ContextEntry {
  cluster?: unknown;
  user?: unknown;
  namespace?: unknown;
  [field: string]: unknown;
}
interface Named<T> {
  name: string;
  entry: T;
}
interface ParsedConfig {
  clusters: Named<ClusterEntry>[];
  users: Named<UserEntry>[];
  contexts: Named<ContextEntry>[];
  currentContext?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields holding file paths, resolved against the kubeconfig's folder as kubectl does. */
const CLUSTER_PATHS = ['certificate-authority'] as const;
const USER_PATHS = ['client-certificate', 'client-key', 'tokenFile', 'token-file'] as const;

function parseConfig(doc: unknown, where: string, baseDir: string): ParsedConfig {
  if (!isRecord(doc)) throw new Error(`${where} is not a kubeconfig (not a mapping)`);
  const section = <T extends Record<string, unknown>>(key: 'clusters' | 'users' | 'contexts', inner: 'cluster' | 'user' | 'context', paths: readonly string[]): Named<T>[] => {
    const list = doc[key] ?? [];
    if (!Array.isArray(list)) throw new Error(`${where}: ${key} is not a list`);
    return list.map((item: unknown, i) => {
      if (!isRecord(item) || typeof item.name !== 'string' || item.name === '') throw new Error(`${where}: ${key}[${i}].name is missing`);
      const body = item[inner] ?? {};
      if (!isRecord(body)) throw new Error(`${where}: ${key}[${i}].${inner} is not a mapping`);
      const entry: Record<string, unknown> = { ...body };
      for (const p of paths) {
        const v = entry[p];
        if (typeof v === 'string' && v !== '' && !isAbsolute(v)) entry[p] = join(baseDir, v);
      }
      return { name: item.name, entry: entry as T };
    });
  };
  const current = doc['current-context'];
  return {
    clusters: section<ClusterEntry>('clusters', 'cluster', CLUSTER_PATHS),
    users: section<UserEntry>('users', 'user', USER_PATHS),
    contexts: section<ContextEntry>('contexts', 'context', []),
    currentContext: typeof current === 'string' && current !== '' ? current : undefined,
  };
}

/** kubectl's merge: the first file that names an entry (or sets the current context) wins. */
function mergeConfigs(configs: readonly ParsedConfig[]): ParsedConfig {
  const firstByName = <T>(lists: Named<T>[][]): Named<T>[] => {
    const seen = new Map<string, Named<T>>();
    for (const e of lists.flat()) if (!seen.has(e.name)) seen.set(e.name, e);
    return [...seen.values()];
  };
  return {
    clusters: firstByName(configs.map((c) => c.clusters)),
    users: firstByName(configs.map((c) => c.users)),
    contexts: firstByName(configs.map((c) => c.contexts)),
    currentContext: configs.find((c) => c.currentContext)?.currentContext,
  };
}

/** The parsed config written back in kubeconfig spelling (for client-node). */
function toDocument(c: ParsedConfig): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: c.clusters.map((e) => ({ name: e.name, cluster: e.entry })),
    users: c.users.map((e) => ({ name: e.name, user: e.entry })),
    contexts: c.contexts.map((e) => ({ name: e.name, context: e.entry })),
    'current-context': c.currentContext,
  };
}

function optionalString(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
}

async function fromParsed(c: ParsedConfig): Promise<KubeAccess> {
  if (!c.currentContext) throw new Error('the kubeconfig sets no current-context');
  const context = c.contexts.find((e) => e.name === c.currentContext)?.entry;
  if (!context) throw new Error(`the kubeconfig has no context "${c.currentContext}"`);
  const clusterName = optionalString(context.cluster, `context "${c.currentContext}": cluster`);
  const cluster = c.clusters.find((e) => e.name === clusterName)?.entry;
  if (!cluster) throw new Error(`the kubeconfig has no cluster "${clusterName ?? ''}" (context "${c.currentContext}")`);
  const userName = optionalString(context.user, `context "${c.currentContext}": user`);
  const user: UserEntry = userName === undefined ? {} : (c.users.find((e) => e.name === userName)?.entry ?? missingUser(userName));
  const namespace = optionalString(context.namespace, `context "${c.currentContext}": namespace`);

  if (user.exec !== undefined || user['auth-provider'] !== undefined || cluster['proxy-url'] !== undefined) {
    // Credentials from a program or a provider, or a proxy: client-node's KubeConfig does these (see the module comment).
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromString(JSON.stringify(toDocument(c)));
    return accessFromKubeConfig(kc);
  }

  const server = optionalString(cluster.server, `cluster "${clusterName}": server`)?.replace(/\/+$/, '');
  if (!server) throw new Error(`cluster "${clusterName}" has no server`);
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  if (server.startsWith('http:') && !insecure) throw new Error(`cluster "${clusterName}": plain HTTP (${server}) needs insecure-skip-tls-verify: true`);
  const caFile = optionalString(cluster['certificate-authority'], `cluster "${clusterName}": certificate-authority`);
  const caData = optionalString(cluster['certificate-authority-data'], `cluster "${clusterName}": certificate-authority-data`);
  const servername = optionalString(cluster['tls-server-name'], `cluster "${clusterName}": tls-server-name`);
  const u = (field: string) => optionalString(user[field], `user "${userName ?? ''}": ${field}`);
  const token = u('token');
  // `tokenFile` is kubectl's spelling, `token-file` client-node's.
  const tokenFile = u('tokenFile') ?? u('token-file');
  const certFile = u('client-certificate');
  const certData = u('client-certificate-data');
  const keyFile = u('client-key');
  const keyData = u('client-key-data');
  const username = u('username');
  const password = u('password');
  const impersonate = u('as');

  return {
    server,
    namespace,
    source: 'kubeconfig',
    async headers() {
      const bearerToken = token ?? (tokenFile ? (await readFile(tokenFile, 'utf8')).trim() : undefined);
      const headers: Record<string, string> = bearerToken
        ? bearer(bearerToken)
        : username
          ? { Authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` }
          : {};
      if (impersonate) headers['Impersonate-User'] = impersonate;
      return headers;
    },
    async agent() {
      const [ca, cert, key] = await Promise.all([fileOrData(caFile, caData), fileOrData(certFile, certData), fileOrData(keyFile, keyData)]);
      const tls: TlsSettings = {};
      if (ca) tls.ca = ca;
      if (cert) tls.cert = cert;
      if (key) tls.key = key;
      if (insecure) tls.rejectUnauthorized = false;
      if (servername) tls.servername = servername;
      return agentFor(new URL(server).protocol, tls);
    },
  };
}

function missingUser(name: string): never {
  throw new Error(`the kubeconfig has no user "${name}"`);
}

async function fileOrData(file: string | undefined, data: string | undefined): Promise<Buffer | undefined> {
  if (file) return readFile(file);
  return data ? Buffer.from(data, 'base64') : undefined;
}

function bearer(token: string): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

interface TlsSettings {
  ca?: Buffer | string | (Buffer | string)[];
  cert?: Buffer | string | (Buffer | string)[];
  key?: Buffer | string | (Buffer | string)[];
  rejectUnauthorized?: boolean;
  servername?: string;
}

/**
 * A connection pool for a server with these TLS settings. Connections are kept alive and reused; TCP keep-alive
 * probes start after 30 s, as client-go and client-node do; an idle connection is closed after 30 s, before a server or
 * load balancer drops it under a request. Node's own `node:http(s)` rather than undici: the operator makes no other
 * use of undici, and loading it costs some 18 MB of RSS (measured in an empty process: undici 28.8 MB, `node:https`
 * 10.9 MB), a fifth of the operator's memory at ready.
 */
function agentFor(protocol: string, tls: TlsSettings): HttpAgent {
  const pool = { keepAlive: true, keepAliveMsecs: 30_000, timeout: 30_000 };
  return protocol === 'http:' ? new HttpAgent(pool) : new HttpsAgent({ ...pool, ...tls });
}
