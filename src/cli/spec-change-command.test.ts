import { describe, expect, it } from '@jest/globals';
import { runCli } from '../../test/support/cli.ts';
import { gitChangeYaml, GATES, mergePatch, specChanges } from './spec-change-command.ts';

describe('spec changes', () => {
  it.each(GATES.map((g) => [g]))('approve %s patches just spec.workflow.<gate>.approved, with the resourceVersion', (gate) => {
    expect(mergePatch(specChanges.approve(gate), '42')).toEqual({ spec: { workflow: { [gate]: { approved: true } } }, metadata: { resourceVersion: '42' } });
  });

  it('pause and resume patch just spec.paused', () => {
    expect(mergePatch(specChanges.pause(), '7')).toEqual({ spec: { paused: true }, metadata: { resourceVersion: '7' } });
    expect(mergePatch(specChanges.resume(), '7')).toEqual({ spec: { paused: false }, metadata: { resourceVersion: '7' } });
  });

  it('shows the Git change as the YAML field with its parents', () => {
    expect(gitChangeYaml(specChanges.approve('offboarding'))).toBe('spec:\n  workflow:\n    offboarding:\n      approved: true\n');
    expect(gitChangeYaml(specChanges.resume())).toBe('spec:\n  paused: false\n');
  });
});

describe('sv-kms approve/pause/resume command lines', () => {
  it.each([
    [['approve'], /sv-kms approve: which migration\?/],
    [['approve', 'acme'], /sv-kms approve: which gate\? give one of weightTransfer, assetTransfer, offboarding, retirement/],
    [['approve', 'acme', 'voting'], /unknown gate "voting"/],
    [['approve', 'acme', 'retirement', 'extra'], /unexpected argument "extra"/],
    [['pause', 'acme', 'extra'], /sv-kms pause: unexpected argument "extra"/],
    [['resume', 'Not_A_Name'], /"Not_A_Name" is not an object name/],
    [['pause', 'acme', '-n', 'Bad_NS'], /--namespace "Bad_NS" is not a valid namespace/],
    [['pause', 'acme', '--namespace'], /option --namespace needs a value/],
    [['resume', 'acme', '--force'], /unknown option --force/],
  ])('refuses %j (exit 2) with the usage', async (args, message) => {
    const r = await runCli(...args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`Usage: sv-kms ${args[0]}`);
    expect(r.code).toBe(2);
  });

  it('prints the help (exit 0)', async () => {
    const r = await runCli('approve', '--help');
    expect(r.stdout).toMatch(/^Usage: sv-kms approve MIGRATION GATE/);
    expect(r.code).toBe(0);
  });

  it('exits 3 when the kubeconfig cannot be loaded', async () => {
    const r = await runCli('pause', 'acme', '--kubeconfig', '/nonexistent/kubeconfig');
    expect(r.stderr).toMatch(/^sv-kms pause: cannot load the kubeconfig: /);
    expect(r.code).toBe(3);
  });

  it('is listed in the usage', async () => {
    const r = await runCli('--help');
    for (const c of ['approve', 'pause', 'resume']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });
});
