/**
 * moto's server as a local AWS KMS (and IAM) for tests: started on 127.0.0.1 with a port the OS picks, stopped by the
 * test. Also helpers to create keys "as Canton would" and to switch moto's IAM authentication on, so that a test can
 * see real credential and permission rejections (moto accepts any credentials unless told otherwise).
 */
import { reapOnExit } from './reap.ts';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { CreateKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';

/** A running moto server. */
export interface MotoServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
  /** Forgets every resource (moto's `/moto-api/reset`) and switches IAM authentication off again. */
  reset(): Promise<void>;
  /**
   * Switches moto's IAM authentication on (every later request must be signed by an access key of a user created with
   * {@link createIamUser} and be allowed by its policy) or off (any credentials are accepted, the default).
   */
  setIamAuth(enforced: boolean): Promise<void>;
}

/** Credentials for moto when IAM authentication is off: moto accepts anything, the SDK only needs something to sign with. */
export const MOTO_ANY_CREDENTIALS = { accessKeyId: 'AKIAMOTOTESTING00000', secretAccessKey: 'moto-accepts-anything' } as const;

const MOTO_REGION = 'us-east-1';

/** Which command starts moto: `moto_server`, or `python3 -m moto.server` when only the module is installed. */
function motoCommand(): { cmd: string; args: string[] } {
  const probe = (cmd: string, args: string[]) => spawnSync(cmd, [...args, '--help'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  if (probe('moto_server', [])) return { cmd: 'moto_server', args: [] };
  if (probe('python3', ['-m', 'moto.server'])) return { cmd: 'python3', args: ['-m', 'moto.server'] };
  throw new Error("moto's server is not installed (neither `moto_server` nor `python3 -m moto.server` works): run `pip install 'moto[server]'`");
}

/** Starts moto on 127.0.0.1 with port 0 and resolves once it answers HTTP. */
export async function startMoto(): Promise<MotoServer> {
  const { cmd, args } = motoCommand();
  const child = reapOnExit(spawn(cmd, [...args, '-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let endpoint: string;
  try {
    endpoint = await announcedEndpoint(child);
    await waitUntilAnswering(endpoint);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const post = async (path: string, body?: string) => {
    const res = await fetch(`${endpoint}${path}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    if (!res.ok) throw new Error(`moto ${path} answered ${res.status}: ${await res.text()}`);
  };
  const setIamAuth = (enforced: boolean) => post('/moto-api/reset-auth', enforced ? '0' : 'inf');
  return {
    endpoint,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async reset() {
      await setIamAuth(false);
      await post('/moto-api/reset');
    },
    setIamAuth,
  };
}

/** Werkzeug prints ` * Running on http://127.0.0.1:PORT` on stderr once it listens; port 0 means we learn the port there. */
function announcedEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`moto did not start within 60 s; output:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) done(m[1]!);
    };
    const onExit = (code: number | null) => fail(new Error(`moto exited (code ${code}) before listening; output:\n${output}`));
    const cleanup = () => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      // Keep draining the pipes so moto never blocks on a full pipe buffer.
      child.stderr?.resume();
      child.stdout?.resume();
    };
    const done = (url: string) => (cleanup(), resolve(url));
    const fail = (err: Error) => (cleanup(), reject(err));
    child.stderr?.on('data', onData);
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

async function waitUntilAnswering(endpoint: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto at ${endpoint} did not answer`);
}

/** A KMS client for tests against moto (one attempt, no SDK retries, so tests see what the server said). */
export function motoKmsClient(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string } = MOTO_ANY_CREDENTIALS): KMSClient {
  return new KMSClient({ region: MOTO_REGION, endpoint, credentials, maxAttempts: 1 });
}

/** Which keys to create: Canton's defaults for a participant are one signing and one encryption key per purpose. */
export interface CantonKeyRequest {
  /** Number of ECC_NIST_P256 SIGN_VERIFY keys (namespace, signing). Default 2. */
  signing?: number;
  /** Number of RSA_2048 ENCRYPT_DECRYPT keys. Default 1. */
  encryption?: number;
  /** Extra tags besides `CreatedBy=Canton` (Canton's `custom-tags`). */
  customTags?: Record<string, string>;
}

/** Creates keys the way Canton's AwsKms.createKey does (KeySpec, KeyUsage, tag `CreatedBy=Canton`); returns their ids. */
export async function createCantonKeys(endpoint: string, request: CantonKeyRequest = {}): Promise<string[]> {
  const kms = motoKmsClient(endpoint);
  const tags = [{ TagKey: 'CreatedBy', TagValue: 'Canton' }, ...Object.entries(request.customTags ?? {}).map(([TagKey, TagValue]) => ({ TagKey, TagValue }))];
  const specs = [
    ...Array.from({ length: request.signing ?? 2 }, () => ({ KeySpec: 'ECC_NIST_P256' as const, KeyUsage: 'SIGN_VERIFY' as const })),
    ...Array.from({ length: request.encryption ?? 1 }, () => ({ KeySpec: 'RSA_2048' as const, KeyUsage: 'ENCRYPT_DECRYPT' as const })),
  ];
  const ids: string[] = [];
  try {
    for (const [i, spec] of specs.entries()) {
      const out = await kms.send(new CreateKeyCommand({ ...spec, MultiRegion: false, Tags: tags, Description: `canton-test-key-${i}` }));
      ids.push(out.KeyMetadata!.KeyId!);
    }
  } finally {
    kms.destroy();
  }
  return ids;
}

/** Creates a key that Canton did not create (no `CreatedBy=Canton` tag). */
export async function createForeignKey(endpoint: string): Promise<string> {
  const kms = motoKmsClient(endpoint);
  try {
    const out = await kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', Tags: [{ TagKey: 'team', TagValue: 'other' }] }));
    return out.KeyMetadata!.KeyId!;
  } finally {
    kms.destroy();
  }
}

/** Schedules a key's deletion (7 days, as Canton does), putting it into `PendingDeletion`. */
export async function scheduleKeyDeletion(endpoint: string, keyId: string): Promise<void> {
  const kms = motoKmsClient(endpoint);
  try {
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
  } finally {
    kms.destroy();
  }
}

/**
 * Creates an IAM user with an access key and (optionally) an inline policy, through moto's IAM query API. Must be called
 * while IAM authentication is off: the requests carry a syntactically valid but unsigned Authorization header, which
 * moto only uses to route the request to IAM.
 */
export async function createIamUser(
  endpoint: string,
  userName: string,
  policy?: { Version: '2012-10-17'; Statement: { Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: string }[] },
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  await iamAction(endpoint, { Action: 'CreateUser', UserName: userName });
  if (policy) {
    await iamAction(endpoint, { Action: 'PutUserPolicy', UserName: userName, PolicyName: 'kms', PolicyDocument: JSON.stringify(policy) });
  }
  const xml = await iamAction(endpoint, { Action: 'CreateAccessKey', UserName: userName });
  const pick = (tag: string) => {
    const m = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml);
    if (!m) throw new Error(`moto CreateAccessKey answer has no ${tag}`);
    return m[1]!;
  };
  return { accessKeyId: pick('AccessKeyId'), secretAccessKey: pick('SecretAccessKey') };
}

async function iamAction(endpoint: string, params: Record<string, string>): Promise<string> {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${MOTO_ANY_CREDENTIALS.accessKeyId}/20260101/${MOTO_REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`moto IAM ${params.Action} answered ${res.status}: ${text}`);
  return text;
}
