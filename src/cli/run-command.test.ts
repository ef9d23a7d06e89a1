import { describe, expect, it } from '@jest/globals';
import { runSettings } from './run-command.ts';
import { UsageError } from './parse-flags.ts';

describe('sv-kms run settings', () => {
  it('defaults to all namespaces, port 8080, leader election in the pod namespace', () => {
    expect(runSettings([], { POD_NAMESPACE: 'sv-kms-system' })).toEqual({
      namespaces: 'all',
      metricsPort: 8080,
      leaderElect: true,
      leaseNamespace: 'sv-kms-system',
      leaseName: 'sv-kms-operator',
      workers: 4,
      logLevel: 'info',
      kubeconfig: undefined,
      timing: {},
    });
  });

  it('takes flags over the environment', () => {
    const s = runSettings(['--namespaces', 'a,b', '--metrics-port=9090', '--leader-elect', 'false', '--network-poll-interval', '5s', '--recheck-interval', '1m'], {
      SVKMS_NAMESPACES: 'x',
      SVKMS_METRICS_PORT: '1',
    });
    expect(s.namespaces).toEqual(['a', 'b']);
    expect(s.metricsPort).toBe(9090);
    expect(s.leaderElect).toBe(false);
    expect(s.timing).toEqual({ networkPollMs: 5000, stalledRecheckMs: 60_000, preflightRecheckMs: 60_000, deploymentRecheckMs: 60_000 });
  });

  it.each([
    [['--namespaces', 'Bad_NS'], /--namespaces: "Bad_NS" is not a namespace name/],
    [['--metrics-port', '70000', '--leader-elect', 'false'], /--metrics-port must be a whole number from 0 to 65535/],
    [['--leader-elect', 'maybe', '--lease-namespace', 'x'], /--leader-elect must be true or false/],
    [['--workers', '0', '--leader-elect', 'false'], /--workers must be a whole number from 1 to 64/],
    [['--network-poll-interval', '1h30m', '--leader-elect', 'false'], /--network-poll-interval must be a duration/],
    [['--log-level', 'loud', '--leader-elect', 'false'], /--log-level must be one of/],
    [[], /leader election needs --lease-namespace/],
  ])('%j is a usage error naming the flag', (args, message) => {
    expect(() => runSettings(args, {})).toThrow(UsageError);
    expect(() => runSettings(args, {})).toThrow(message);
  });
});
