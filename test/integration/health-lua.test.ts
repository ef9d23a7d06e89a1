/**
 * The Argo CD health check (deploy/argocd/health.lua) run by a real Lua interpreter on sample SvKmsMigrations: a tiny
 * driver defines the global `obj` as Argo CD does, runs the script and prints what it returns. Also checks that the
 * argocd-cm snippet in docs/gitops.md carries the same script.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '../env/binaries.ts';
import { findLua, luaHealth, type LuaHealth } from '../support/lua.ts';

const HEALTH_LUA = join(REPO_ROOT, 'deploy', 'argocd', 'health.lua');

let lua: string;
let dir: string;

beforeAll(() => {
  lua = findLua();
  dir = mkdtempSync(join(tmpdir(), 'svkms-health-lua-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs health.lua with `obj` set to `object`, as Argo CD does. */
const health = (object: unknown): LuaHealth => luaHealth(lua, HEALTH_LUA, object);

type Condition = { type: string; status: 'True' | 'False' | 'Unknown'; reason?: string; message?: string };

function migration(opts: { generation?: number; paused?: boolean; status?: Record<string, unknown> } = {}): Record<string, unknown> {
  return {
    apiVersion: 'svkms.dev/v1alpha1',
    kind: 'SvKmsMigration',
    metadata: { name: 'acme-to-aws-kms', namespace: 'sv-kms', generation: opts.generation ?? 3 },
    spec: { paused: opts.paused ?? false, kms: { provider: 'aws' } },
    ...(opts.status ? { status: opts.status } : {}),
  };
}

function status(conditions: Condition[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { observedGeneration: 3, phase: 'TransferringWeight', conditions, ...extra };
}

const READY_TRUE: Condition = { type: 'Ready', status: 'True', reason: 'Completed', message: 'The old SV is retired; the migration is complete' };
const READY_FALSE: Condition = { type: 'Ready', status: 'False', reason: 'InProgress', message: 'not yet' };
const STALLED: Condition = { type: 'Stalled', status: 'True', reason: 'GovernanceKeyInvalid', message: 'Secret sv-kms/splice-app-sv-cometbft-governance-key: public does not derive from private' };
const RECONCILING: Condition = { type: 'Reconciling', status: 'True', reason: 'AwaitingApproval', message: 'reconciling' };

describe('Argo CD health check for SvKmsMigration (real Lua)', () => {
  it('is Progressing before the operator wrote any status', () => {
    expect(health(migration())).toEqual({ status: 'Progressing', message: 'Waiting for the operator to pick up the migration', fields: ['message', 'status'] });
  });

  it('is Progressing while the status is from an older generation, whatever it says', () => {
    expect(health(migration({ generation: 4, status: status([READY_TRUE]) }))).toMatchObject({
      status: 'Progressing',
      message: 'Waiting for the operator to observe generation 4',
    });
    expect(health(migration({ generation: 4, status: status([STALLED]) })).status).toBe('Progressing');
  });

  it('is Progressing when conditions exist but observedGeneration is missing', () => {
    const s = status([READY_TRUE]);
    delete s.observedGeneration;
    expect(health(migration({ generation: 1, status: s }))).toMatchObject({ status: 'Progressing', message: 'Waiting for the operator to observe generation 1' });
  });

  it('is Healthy when Ready=True, with the Ready message', () => {
    expect(health(migration({ status: status([READY_TRUE, { type: 'Stalled', status: 'False' }, { type: 'Reconciling', status: 'False' }], { phase: 'Completed' }) }))).toEqual({
      status: 'Healthy',
      message: READY_TRUE.message,
      fields: ['message', 'status'],
    });
  });

  it('is Healthy at completion even when paused afterwards', () => {
    expect(health(migration({ paused: true, status: status([READY_TRUE]) })).status).toBe('Healthy');
  });

  it('is Degraded when Stalled=True, with the Stalled message', () => {
    expect(health(migration({ status: status([READY_FALSE, STALLED, RECONCILING]) }))).toEqual({
      status: 'Degraded',
      message: STALLED.message,
      fields: ['message', 'status'],
    });
  });

  it('is Degraded with the reason when the Stalled condition has no message', () => {
    expect(health(migration({ status: status([{ type: 'Stalled', status: 'True', reason: 'SpecInvalid' }]) }))).toMatchObject({ status: 'Degraded', message: 'SpecInvalid' });
  });

  it('is Degraded rather than Suspended when a paused migration is stalled', () => {
    expect(health(migration({ paused: true, status: status([STALLED]) })).status).toBe('Degraded');
  });

  it('is Suspended when spec.paused and not done', () => {
    expect(health(migration({ paused: true, status: status([READY_FALSE], { message: 'Waiting for approval' }) }))).toEqual({
      status: 'Suspended',
      message: 'Paused (spec.paused): no side effects until it is unpaused',
      fields: ['message', 'status'],
    });
  });

  it('is Progressing otherwise, with status.message', () => {
    const message = 'Waiting for spec.workflow.weightTransfer.approved: the weight transfer votes need the other SV operators';
    expect(health(migration({ status: status([READY_FALSE, RECONCILING, { type: 'Stalled', status: 'False' }], { message }) }))).toEqual({
      status: 'Progressing',
      message,
      fields: ['message', 'status'],
    });
  });

  it('falls back to the phase when there is no status.message', () => {
    expect(health(migration({ status: status([READY_FALSE], { phase: 'AwaitingOnboarding' }) }))).toMatchObject({ status: 'Progressing', message: 'Phase AwaitingOnboarding' });
  });

  it('passes messages through byte for byte (quotes, backslashes, newlines, non-ASCII)', () => {
    const message = 'Stalled: "Acme‑2" \\ kein Zugriff\nline two ✓';
    expect(health(migration({ status: status([{ type: 'Stalled', status: 'True', reason: 'X', message }]) })).message).toBe(message);
  });
});

describe('finding Lua', () => {
  it('fails with a message naming the package when there is no interpreter', () => {
    expect(() => findLua(join(dir, 'no-such-bin'))).toThrow(/no Lua interpreter on PATH.*Debian package lua5\.4/);
  });
});

describe('the argocd-cm snippet in docs/gitops.md', () => {
  it('holds exactly deploy/argocd/health.lua under resource.customizations.health.svkms.dev_SvKmsMigration', () => {
    const docs = readFileSync(join(REPO_ROOT, 'docs', 'gitops.md'), 'utf8');
    const m = /^( *)resource\.customizations\.health\.svkms\.dev_SvKmsMigration: \|\n((?:\1 {2}.*\n|\n)+)/m.exec(docs);
    expect(m).not.toBeNull();
    const indent = `${m![1]}  `;
    const body = m![2]!
      .split('\n')
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    expect(body.trimEnd()).toBe(readFileSync(HEALTH_LUA, 'utf8').trimEnd());
  });
});
