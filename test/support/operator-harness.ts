/**
 * Runs the operator in-process against the test control plane, with its logs captured (for the secret-leak scan),
 * its Kubernetes requests counted, and KMS probes pointed at moto or the GCP fake. Plus small helpers for waiting on
 * migration status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { KubeConfig } from '@kubernetes/client-node';
import { startOperator, type OperatorConfig, type RunningOperator } from '../../src/operator/operator.ts';
import { KubeClient, WRITE_VERBS, type RequestRecord } from '../../src/controller/kube-client.ts';
import { accessFromKubeConfig } from '../../src/controller/kube-access.ts';
import { createAwsKmsProbe } from '../../src/kms/aws.ts';
import { createGcpKmsProbe } from '../../src/kms/gcp.ts';
import type { KmsCallRecord, KmsProbe } from '../../src/kms/types.ts';
import { SVKMS_MIGRATIONS } from '../../src/operator/resources.ts';
import type { Condition, SvKmsMigration } from '../../src/api/types.ts';
import { insecureGcpClientFactory } from '../env/gcp-kms-fake.ts';
import { REPO_ROOT } from '../env/binaries.ts';
import { reapOnExit } from '../env/reap.ts';
import { recordEmitted } from './leak-scan.ts';

/** Everything the operators of a test wrote to their logs, across restarts. */
export const capturedLogs: string[] = [];

export interface TestOperator extends RunningOperator {
  requests: RequestRecord[];
  kmsCalls: KmsCallRecord[];
  writes(): RequestRecord[];
}

/** KMS probes for tests: the real AWS SDK (pointed at moto by the spec's endpointOverride), GCP over an insecure channel. */
export function testKmsProbe(record?: (c: KmsCallRecord) => void): (provider: 'aws' | 'gcp') => KmsProbe {
  const aws = createAwsKmsProbe();
  const gcp = createGcpKmsProbe(insecureGcpClientFactory);
  const wrap = (p: KmsProbe): KmsProbe => ({
    preflight: (spec, creds, opts) => p.preflight(spec, creds, { ...opts, onCall: (c) => (record?.(c), opts?.onCall?.(c)) }),
    countCantonKeys: (spec, creds, opts) => p.countCantonKeys(spec, creds, { ...opts, onCall: (c) => (record?.(c), opts?.onCall?.(c)) }),
  });
  return (provider) => wrap(provider === 'aws' ? aws : gcp);
}

export async function startTestOperator(kc: KubeConfig, opts: Partial<OperatorConfig> & { namespaces: string[] }): Promise<TestOperator> {
  const requests: RequestRecord[] = [];
  const kmsCalls: KmsCallRecord[] = [];
  const logs = new Writable({
    write(chunk: Buffer, _enc, cb) {
      capturedLogs.push(chunk.toString());
      recordEmitted('operator-logs.jsonl', chunk.toString());
      cb();
    },
  });
  const op = await startOperator({
    kubeAccess: accessFromKubeConfig(kc),
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logLevel: 'debug',
    logDestination: logs,
    kmsProbe: testKmsProbe((c) => kmsCalls.push(c)),
    onRequest: (r) => requests.push(r),
    ...opts,
  });
  return { ...op, requests, kmsCalls, writes: () => requests.filter((r) => WRITE_VERBS.has(r.verb)) };
}

export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last instanceof Error ? String(last) : JSON.stringify(last)})` : ''}`);
}

export function migrationClient(kc: KubeConfig): KubeClient {
  return new KubeClient(accessFromKubeConfig(kc), { fieldManager: 'test' });
}

export async function getMigration(client: KubeClient, namespace: string, name: string): Promise<SvKmsMigration | undefined> {
  return client.get<SvKmsMigration & { metadata: { name: string } }>(SVKMS_MIGRATIONS, namespace, name);
}

export function condition(m: SvKmsMigration | undefined, type: string): Condition | undefined {
  return m?.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the migration's condition has `status` (and `reason`, if given) for the current generation. */
export async function waitForCondition(client: KubeClient, namespace: string, name: string, type: string, status: string, reason?: string, timeoutMs?: number): Promise<SvKmsMigration> {
  // What was last seen goes into the timeout's message: a flake in CI must say where the migration stood.
  let seen = 'nothing yet';
  try {
    return await eventually(
      async () => {
        const m = await getMigration(client, namespace, name);
        const c = condition(m, type);
        seen = `${type}=${c?.status}/${c?.reason} "${c?.message ?? ''}", phase ${m?.status?.phase}, observedGeneration ${m?.status?.observedGeneration}/${m?.metadata.generation}, status message "${m?.status?.message ?? ''}"`;
        return c && c.status === status && (reason === undefined || c.reason === reason) && m?.status?.observedGeneration === m?.metadata.generation ? m : undefined;
      },
      `${namespace}/${name} ${type}=${status}${reason ? ` (${reason})` : ''}`,
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}; last seen: ${seen}`, { cause: err });
  }
}

/** A real `sv-kms run` process (to be killed with SIGKILL), with its output collected. */
export interface OperatorProcess {
  child: ChildProcess;
  output(): string;
  kill(): Promise<void>;
}

export function spawnOperatorProcess(namespaces: string[], opts: { identity?: string; leaseNamespace?: string; args?: string[] } = {}): OperatorProcess {
  let output = '';
  const args = [join(REPO_ROOT, 'bin', 'sv-kms.js'), 'run', '--kubeconfig', process.env.SVKMS_TEST_KUBECONFIG!, '--namespaces', namespaces.join(','), '--metrics-port', '0'];
  args.push(...(opts.leaseNamespace ? ['--lease-namespace', opts.leaseNamespace] : ['--leader-elect', 'false']), ...(opts.args ?? []));
  const child = reapOnExit(spawn(process.execPath, args, { env: { ...process.env, POD_NAME: opts.identity ?? 'operator-process' }, stdio: ['ignore', 'pipe', 'pipe'] }));
  child.stdout!.on('data', (d: Buffer) => {
    output += d.toString();
    capturedLogs.push(d.toString());
    recordEmitted('operator-process-output.log', d.toString());
  });
  child.stderr!.on('data', (d: Buffer) => {
    output += d.toString();
    recordEmitted('operator-process-output.log', d.toString());
  });
  return {
    child,
    output: () => output,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
