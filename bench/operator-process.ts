/**
 * The operator as a real child process (`sv-kms run`), as it runs in a pod: its logs go to a file, its figures come
 * from /proc (memory, CPU) and from its own /metrics endpoint (Kubernetes requests, KMS calls, reconciles).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../test/env/control-plane.ts';
import { readProcStats, type ProcSample } from './proc-stats.ts';
import { parseMetrics, sumBy, type Sample } from './metrics-text.ts';
import { launchEnv, type OperatorLaunch } from './operator-build.ts';

export interface OperatorProcessOptions {
  kubeconfigPath: string;
  workers: number;
  logFile: string;
  /** Directory for a V8 CPU profile of the operator (node --cpu-prof), written when it stops; none if unset. */
  cpuProfileDir?: string;
  /** Directory for V8 heap snapshots, taken on {@link OperatorProcess.heapSnapshot}; none if unset. */
  heapSnapshotDir?: string;
  /** How long to wait for /readyz. */
  readyTimeoutMs?: number;
  /** What to run, and how (see operator-build.ts). */
  launch: OperatorLaunch;
  /** More `sv-kms run` flags (e.g. `--network-poll-interval 10s`). */
  extraArgs?: readonly string[];
}

/** The metric families `counters()` reads. */
const COUNTER_FAMILIES = ['svkms_reconcile_total', 'svkms_kube_requests_total', 'svkms_kms_calls_total', 'svkms_reconcile_duration_seconds', 'svkms_kube_request_duration_seconds', 'svkms_kms_call_duration_seconds'];

/** What the operator's /metrics said at one moment, reduced to what the benchmark uses. */
export interface OperatorCounters {
  /** Kubernetes requests by "verb resource code". */
  kube: Map<string, number>;
  /** KMS calls by "operation outcome". */
  kms: Map<string, number>;
  /** Reconciles (all results). */
  reconciles: number;
  /** Seconds spent, summed: in reconciles, in non-watch Kubernetes requests, in KMS calls. */
  seconds: { reconcile: number; kube: number; kms: number };
}

export class OperatorProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Milliseconds from spawn until /readyz answered 200. */
  readyMs = 0;
  private readonly logFd: number;
  private stopped = false;

  private readonly heapSnapshotDir?: string;

  private constructor(child: ChildProcess, port: number, logFd: number, heapSnapshotDir?: string) {
    this.child = child;
    this.port = port;
    this.logFd = logFd;
    this.heapSnapshotDir = heapSnapshotDir;
  }

  /**
   * Has the operator write a V8 heap snapshot (SIGUSR2, --heapsnapshot-signal) and returns its path. Node writes it on
   * the main thread, so the snapshot is complete once the file is there and /metrics answers again.
   */
  async heapSnapshot(timeoutMs = 120_000): Promise<string> {
    const dir = this.heapSnapshotDir;
    if (!dir) throw new Error('the operator was started without heapSnapshotDir');
    const snapshots = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
    const before = new Set(snapshots());
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const added = snapshots().find((f) => !before.has(f));
      if (added) {
        await this.metricsText(['svkms_reconcile_total']);
        return join(dir, added);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no heap snapshot appeared in ${dir} within ${timeoutMs} ms`);
  }

  /** Spawns `sv-kms run` serving all namespaces without leader election, and waits until it is ready. */
  static async start(opts: OperatorProcessOptions): Promise<OperatorProcess> {
    const port = await freePort();
    const logFd = openSync(opts.logFile, 'a');
    const args = [
      opts.launch.entry,
      'run',
      '--kubeconfig', opts.kubeconfigPath,
      '--namespaces', 'all',
      '--leader-elect', 'false',
      '--metrics-port', String(port),
      '--workers', String(opts.workers),
      '--log-level', 'info',
      ...(opts.extraArgs ?? []),
    ];
    const started = performance.now();
    const profile = [
      ...(opts.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`] : []),
      ...(opts.heapSnapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${opts.heapSnapshotDir}`] : []),
    ];
    const child = spawn(process.execPath, [...profile, ...args], { stdio: ['ignore', logFd, logFd], env: { ...process.env, POD_NAME: 'sv-kms-bench', ...launchEnv(opts.launch) } });
    const op = new OperatorProcess(child, port, logFd, opts.heapSnapshotDir);
    try {
      await op.waitReady(opts.readyTimeoutMs ?? 60_000);
    } catch (err) {
      await op.stop();
      throw err;
    }
    op.readyMs = performance.now() - started;
    return op;
  }

  get pid(): number {
    return this.child.pid!;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`the operator exited with ${this.child.exitCode} before it was ready`);
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/readyz`, { signal: AbortSignal.timeout(1000) });
        await res.text();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`the operator was not ready within ${timeoutMs} ms`);
  }

  /** Memory and CPU of the process now. */
  stats(): ProcSample {
    const s = readProcStats(this.pid);
    if (!s) throw new Error('the operator process is gone');
    return s;
  }

  /**
   * The /metrics text, of only the families named when `names` are given (`name[]`): the benchmark polls counters
   * several times a second, and a whole scrape at N = 1000 builds some 30,000 per-migration series each time (on a
   * cluster Prometheus scrapes every 15-60 s), which made the probe a large part of what it measured.
   */
  async metricsText(names: readonly string[] = []): Promise<string> {
    const query = names.map((n) => `name[]=${encodeURIComponent(n)}`).join('&');
    const res = await fetch(`http://127.0.0.1:${this.port}/metrics${query ? `?${query}` : ''}`, { signal: AbortSignal.timeout(10_000) });
    return res.text();
  }

  async counters(): Promise<OperatorCounters> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      throw new Error(`the operator process exited unexpectedly (code ${this.child.exitCode}, signal ${this.child.signalCode}); was it killed from outside the benchmark?`);
    }
    const samples: Sample[] = parseMetrics(await this.metricsText(COUNTER_FAMILIES));
    const sum = (all: Sample[], name: string) => [...sumBy(all, name, []).values()].reduce((a, b) => a + b, 0);
    const reconciles = sum(samples, 'svkms_reconcile_total');
    return {
      kube: sumBy(samples, 'svkms_kube_requests_total', ['verb', 'resource', 'code']),
      kms: sumBy(samples, 'svkms_kms_calls_total', ['operation', 'outcome']),
      reconciles,
      seconds: {
        reconcile: sum(samples, 'svkms_reconcile_duration_seconds_sum'),
        kube: sum(samples, 'svkms_kube_request_duration_seconds_sum'),
        kms: sum(samples, 'svkms_kms_call_duration_seconds_sum'),
      },
    };
  }

  /** SIGTERM (graceful stop), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    closeSync(this.logFd);
  }
}
