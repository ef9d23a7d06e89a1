/**
 * `sv-kms run`: starts the operator. Configuration from flags, or from the environment (as the Helm chart sets it);
 * the kubeconfig from --kubeconfig, KUBECONFIG or ~/.kube/config, else the pod's service account (kube-access.ts).
 *
 * The one command that may end the process itself: a replica that lost the leader lease exits at once (as
 * controller-runtime's manager does by default), so nothing it started — a stray timer, a pooled socket — can act
 * on after another replica took over; its Deployment restarts it as a fresh standby.
 */
import type { CliIo, Command } from './main.ts';
import { EXIT } from './exit-codes.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { parseFlags, UsageError } from './parse-flags.ts';
import { DNS_LABEL } from '../api/patterns.ts';
import type { Timing } from '../migration/ports.ts';
import { durationMs } from '../util/duration.ts';

const USAGE_TEXT = `Usage: sv-kms run [options]

Runs the operator until SIGTERM or SIGINT (then it finishes the reconciles in flight and releases its lease).

Options (each also from the environment variable in brackets):
  --namespaces all|NS[,NS...]   namespaces to serve [SVKMS_NAMESPACES] (default: all)
  --metrics-port PORT           port of /healthz, /readyz and /metrics [SVKMS_METRICS_PORT] (default: 8080)
  --leader-elect true|false     elect a leader among replicas on a Lease [SVKMS_LEADER_ELECT] (default: true)
  --lease-namespace NS          namespace of the Lease [SVKMS_LEASE_NAMESPACE, else POD_NAMESPACE]
  --lease-name NAME             name of the Lease [SVKMS_LEASE_NAME] (default: sv-kms-operator)
  --workers N                   concurrent reconciles [SVKMS_WORKERS] (default: 4)
  --log-level LEVEL             trace|debug|info|warn|error [SVKMS_LOG_LEVEL] (default: info)
  --network-poll-interval DUR   how often to look at the Splice network while waiting [SVKMS_NETWORK_POLL_INTERVAL] (default: 30s)
  --kms-poll-interval DUR       how often to look for Canton's keys in the KMS while waiting [SVKMS_KMS_POLL_INTERVAL] (default: 30s)
  --recheck-interval DUR        how often a stalled migration is looked at again [SVKMS_RECHECK_INTERVAL] (default: 5m)
  --kubeconfig FILE             kubeconfig to use instead of the in-cluster or default one [KUBECONFIG]

Durations are a whole number and one unit: 500ms, 10s, 5m, 1h.
`;

const FLAGS = {
  namespaces: { names: ['--namespaces'], takesValue: true },
  metricsPort: { names: ['--metrics-port'], takesValue: true },
  leaderElect: { names: ['--leader-elect'], takesValue: true },
  leaseNamespace: { names: ['--lease-namespace'], takesValue: true },
  leaseName: { names: ['--lease-name'], takesValue: true },
  workers: { names: ['--workers'], takesValue: true },
  logLevel: { names: ['--log-level'], takesValue: true },
  kubeconfig: { names: ['--kubeconfig'], takesValue: true },
  networkPoll: { names: ['--network-poll-interval'], takesValue: true },
  kmsPoll: { names: ['--kms-poll-interval'], takesValue: true },
  recheck: { names: ['--recheck-interval'], takesValue: true },
  help: { names: ['--help', '-h'], takesValue: false },
} as const;

export interface RunSettings {
  namespaces: 'all' | string[];
  metricsPort: number;
  leaderElect: boolean;
  leaseNamespace?: string;
  leaseName: string;
  workers: number;
  logLevel: string;
  kubeconfig?: string;
  timing: Partial<Timing>;
}

/** Flags over environment over defaults; every bad value is a usage error naming the flag and what it takes. */
export function runSettings(args: string[], env: NodeJS.ProcessEnv): RunSettings {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const pick = (key: keyof typeof FLAGS, envName: string) => values[key]?.at(-1) ?? env[envName];
  const int = (raw: string | undefined, flag: string, def: number, min: number, max: number) => {
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const nsRaw = pick('namespaces', 'SVKMS_NAMESPACES') ?? 'all';
  const namespaces = nsRaw === 'all' ? 'all' : nsRaw.split(',').map((s) => s.trim()).filter(Boolean);
  if (namespaces !== 'all') {
    if (namespaces.length === 0) throw new UsageError('--namespaces needs "all" or a comma-separated list of namespaces');
    const bad = namespaces.find((n) => !new RegExp(DNS_LABEL).test(n));
    if (bad) throw new UsageError(`--namespaces: "${bad}" is not a namespace name`);
  }
  const le = (pick('leaderElect', 'SVKMS_LEADER_ELECT') ?? 'true').toLowerCase();
  if (le !== 'true' && le !== 'false') throw new UsageError(`--leader-elect must be true or false, got "${le}"`);
  const logLevel = pick('logLevel', 'SVKMS_LOG_LEVEL') ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) throw new UsageError(`--log-level must be one of trace, debug, info, warn, error, got "${logLevel}"`);
  const leaseNamespace = pick('leaseNamespace', 'SVKMS_LEASE_NAMESPACE') ?? env.POD_NAMESPACE;
  if (le === 'true' && !leaseNamespace) throw new UsageError('leader election needs --lease-namespace (or POD_NAMESPACE); or pass --leader-elect false for a single replica');
  const duration = (raw: string | undefined, flag: string): number | undefined => {
    if (raw === undefined) return undefined;
    try {
      return durationMs(raw);
    } catch {
      throw new UsageError(`${flag} must be a duration such as 500ms, 30s or 5m, got "${raw}"`);
    }
  };
  const networkPollMs = duration(pick('networkPoll', 'SVKMS_NETWORK_POLL_INTERVAL'), '--network-poll-interval');
  const kmsKeysPollMs = duration(pick('kmsPoll', 'SVKMS_KMS_POLL_INTERVAL'), '--kms-poll-interval');
  const recheckMs = duration(pick('recheck', 'SVKMS_RECHECK_INTERVAL'), '--recheck-interval');
  const timing: Partial<Timing> = {
    ...(networkPollMs !== undefined ? { networkPollMs } : {}),
    ...(kmsKeysPollMs !== undefined ? { kmsKeysPollMs } : {}),
    ...(recheckMs !== undefined ? { stalledRecheckMs: recheckMs, preflightRecheckMs: recheckMs, deploymentRecheckMs: recheckMs } : {}),
  };
  return {
    timing,
    namespaces,
    metricsPort: int(pick('metricsPort', 'SVKMS_METRICS_PORT'), '--metrics-port', 8080, 0, 65535),
    leaderElect: le === 'true',
    leaseNamespace,
    leaseName: pick('leaseName', 'SVKMS_LEASE_NAME') ?? 'sv-kms-operator',
    workers: int(pick('workers', 'SVKMS_WORKERS'), '--workers', 4, 1, 64),
    logLevel,
    kubeconfig: values.kubeconfig?.at(-1),
  };
}

/** Exit code of a replica that lost the leader lease. */
export const LEADERSHIP_LOST_EXIT = EXIT.failure;

/** What `sv-kms run` does when the lease is lost: one log line, then exit (the operator has already stopped). */
export function exitOnLeadershipLost(reason: string, io: CliIo, exit: (code: number) => void = (code) => process.exit(code)): void {
  io.stderr.write(`sv-kms run: leader election lost (${reason}); exiting so that the Deployment restarts this replica\n`);
  exit(LEADERSHIP_LOST_EXIT);
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the operator (in a cluster, or against KUBECONFIG).',
  async run(args: string[], io: CliIo): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(USAGE_TEXT);
      return EXIT.ok;
    }
    let settings: RunSettings;
    try {
      settings = runSettings(args, process.env);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      io.stderr.write(`sv-kms run: ${err.message}\n\n${USAGE_TEXT}`);
      return EXIT.usage;
    }
    const access = await loadKubeConfig(settings.kubeconfig, io, 'sv-kms run');
    if (!access) return EXIT.failure;
    // Loaded here, not at the top: the other commands need none of the operator's (heavy) dependencies.
    const { startOperator } = await import('../operator/operator.ts');
    const operator = await startOperator({
      kubeAccess: access,
      namespaces: settings.namespaces,
      metricsPort: settings.metricsPort,
      workers: settings.workers,
      logLevel: settings.logLevel,
      leaderElection: settings.leaderElect ? { namespace: settings.leaseNamespace!, name: settings.leaseName } : undefined,
      timing: settings.timing,
      onLeadershipLost: (reason) => exitOnLeadershipLost(reason, io),
    });
    const stop = (signal: string) => {
      operator.logger.info({ signal }, 'shutting down');
      void operator.stop();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    await operator.done;
    return EXIT.ok;
  },
};
