/**
 * The kstatus summary (Ready / Reconciling / Stalled) and status.message from how a reconcile ended, and the
 * re-assertion of every condition at the current generation.
 */
import { describe, expect, it } from '@jest/globals';
import type { SvKmsMigrationStatus } from '../api/types.ts';
import { migration, T0 } from '../../test/support/migration-fixtures.ts';
import { StatusDraft, type StepResult } from './status-draft.ts';

type Blocker = Exclude<StepResult, { kind: 'done' }> | undefined;

describe('status summary', () => {
  const rows: [string, SvKmsMigrationStatus['phase'], Blocker, boolean, { ready: string; reconciling: [string, string]; stalled: [string, string]; message: string }][] = [
    ['working: Reconciling True with the phase', 'AwaitingDeployment', { kind: 'wait', message: 'deploy it' }, false, { ready: 'False', reconciling: ['True', 'AwaitingDeployment'], stalled: ['False', 'NotStalled'], message: 'AwaitingDeployment: deploy it' }],
    ['a passing failure: Reconciling True with its reason', 'Preparing', { kind: 'retry', reason: 'KmsThrottled', message: 'slow down' }, false, { ready: 'False', reconciling: ['True', 'KmsThrottled'], stalled: ['False', 'NotStalled'], message: 'Preparing: slow down' }],
    ['stalled: Stalled True, Reconciling False', 'Preparing', { kind: 'stalled', reason: 'KeyChanged', message: 'restore it' }, false, { ready: 'False', reconciling: ['False', 'KeyChanged'], stalled: ['True', 'KeyChanged'], message: 'Preparing: restore it' }],
    ['nothing blocking mid-way', 'Retiring', undefined, false, { ready: 'False', reconciling: ['True', 'Retiring'], stalled: ['False', 'NotStalled'], message: 'Retiring.' }],
    ['completed: Ready True', 'Completed', undefined, false, { ready: 'True', reconciling: ['False', 'Completed'], stalled: ['False', 'NotStalled'], message: 'Completed.' }],
    ['paused', 'TransferringWeight', undefined, true, { ready: 'False', reconciling: ['False', 'Paused'], stalled: ['False', 'Paused'], message: 'Paused: set spec.paused to false to continue.' }],
    ['paused once completed stays Ready', 'Completed', undefined, true, { ready: 'True', reconciling: ['False', 'Paused'], stalled: ['False', 'Paused'], message: 'Paused: set spec.paused to false to continue.' }],
  ];
  it.each(rows)('%s', (_n, phase, blocker, paused, e) => {
    const m = migration();
    m.status = { phase };
    const draft = new StatusDraft(m, T0);
    draft.summarize(blocker, { paused });
    const c = (type: string) => draft.status.conditions?.find((x) => x.type === type);
    expect(c('Ready')?.status).toBe(e.ready);
    expect([c('Reconciling')?.status, c('Reconciling')?.reason]).toEqual(e.reconciling);
    expect([c('Stalled')?.status, c('Stalled')?.reason]).toEqual(e.stalled);
    expect(draft.status.message).toBe(e.message);
    expect(draft.status.observedGeneration).toBe(1);
  });

  it('re-asserts every condition at the current generation, keeping when it turned True', () => {
    const m = migration();
    m.metadata.generation = 7;
    m.status = { conditions: [{ type: 'WeightTransferred', status: 'True', reason: 'WeightMoved', message: 'm', observedGeneration: 3, lastTransitionTime: '2026-10-01T00:00:00Z' }] };
    const draft = new StatusDraft(m, T0);
    draft.summarize(undefined, { paused: false });
    expect(draft.status.conditions?.find((c) => c.type === 'WeightTransferred')).toMatchObject({ observedGeneration: 7, lastTransitionTime: '2026-10-01T00:00:00Z' });
    expect(draft.changes().map((c) => c.type).sort()).toEqual(['Ready', 'Reconciling', 'Stalled']);
  });

  it('records each condition change with the status it had before (none on its first observation)', () => {
    const m = migration();
    m.status = { conditions: [{ type: 'KmsPreflightPassed', status: 'False', reason: 'KmsAccessDenied', message: 'denied', lastTransitionTime: '2026-10-01T00:00:00Z' }] };
    const draft = new StatusDraft(m, T0);
    draft.condition('KmsPreflightPassed', 'True', 'Passed', 'verified');
    draft.condition('SpecValid', 'True', 'Valid', 'the spec is valid');
    draft.condition('SpecValid', 'True', 'Valid', 'the spec is valid');
    expect(draft.changes()).toEqual([
      { type: 'KmsPreflightPassed', status: 'True', reason: 'Passed', message: 'verified', previous: 'False' },
      { type: 'SpecValid', status: 'True', reason: 'Valid', message: 'the spec is valid' },
    ]);
  });

  it.each([false, true])('a migration held up before the walk reached a phase is written as in Preparing (paused: %s)', (paused) => {
    const m = migration();
    delete m.status;
    const draft = new StatusDraft(m, T0);
    draft.summarize({ kind: 'stalled', reason: 'WalletUserNotOnboarded', message: 'use a wallet user' }, { paused });
    expect(draft.status.phase).toBe('Preparing');
    expect(draft.status.conditions?.find((c) => c.type === 'Ready')?.reason).toBe(paused ? 'Paused' : 'Preparing');
  });

  it('an object without a generation or status starts at Preparing, generation 0', () => {
    const m = migration();
    delete m.metadata.generation;
    delete m.status;
    const draft = new StatusDraft(m, T0);
    expect(draft.phase).toBe('Preparing');
    expect(draft.generation).toBe(0);
  });
});
