/** The status tree: what it shows for a migration mid-way, in a stable order, and who must act on each blocking reason. */
import { describe, expect, it } from '@jest/globals';
import { migration } from '../../test/support/migration-fixtures.ts';
import { renderTree, statusView, whoActs } from './migration-tree.ts';

const c = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message = reason) => ({ type, status, reason, message, lastTransitionTime: '2026-11-01T00:00:00Z' });

describe('sv-kms status view', () => {
  const m = migration();
  m.metadata.generation = 4;
  m.status = {
    phase: 'TransferringWeight',
    observedGeneration: 4,
    message: 'TransferringWeight: waiting since 2026-11-02T08:00:00Z for 1 more SV vote',
    conditions: [c('Ready', 'False', 'TransferringWeight'), c('Reconciling', 'True', 'TransferringWeight'), c('Stalled', 'False', 'NotStalled'), c('SpecValid', 'True', 'Valid'), c('NewSvOnboarded', 'True', 'Onboarded'), c('WeightTransferred', 'False', 'VotesPending', 'waiting for votes')],
    governanceKey: { secretName: 'gk', publicKey: 'PUB', fingerprint: 'f'.repeat(64) },
    outputs: { participantValues: { configMapName: 'acme-participant-values', sha256: 'a'.repeat(64) } },
    votes: [{ action: 'UpdateSvRewardWeight(Acme-2:=10000)', attempt: 1, outcome: 'Pending', trackingCid: 'cid-1', votesFor: 2, votesAgainst: 0, votesRequired: 3, expiresAt: '2026-11-09T10:00:00Z', notVoted: ['Other-1'] }],
    history: [{ time: '2026-11-02T10:00:00Z', effect: 'VoteRequested', id: 'UpdateSvRewardWeight(Acme-2:=10000)#1', generation: 3, change: 'git:abc' }],
    governance: { announcement: 'line one\nline two' },
  };

  it('renders a stable tree with every part', () => {
    const tree = renderTree(statusView(m, { 'splice-participant': { state: 'yes' } }));
    expect(tree.split('\n').slice(0, 6)).toEqual([
      'SvKmsMigration sv-kms/acme: TransferringWeight (Ready=False Reconciling=True Stalled=False, generation 4, observed 4)',
      '├─ Phases',
      '│  ✓ Preparing',
      '│      SpecValid=True Valid: Valid',
      '│  ✓ AwaitingDeployment',
      '│  ✓ AwaitingOnboarding',
    ]);
    expect(tree).toContain('│  ▶ TransferringWeight\n│      WeightTransferred=False VotesPending: waiting for votes\n│  · TransferringAssets');
    expect(tree).toContain(`│  governance (Ed25519): Secret gk, fingerprint ${'f'.repeat(64)}, public PUB`);
    expect(tree).toContain('│  identity (P-256): not yet');
    expect(tree).toContain('│  splice-participant: ConfigMap acme-participant-values sha256 aaaaaaaaaaaa; Deployment runs them: yes');
    expect(tree).toContain('│  splice-sv-node: not rendered yet; Deployment runs them: unknown');
    expect(tree).toContain('│  UpdateSvRewardWeight(Acme-2:=10000)#1: Pending cid cid-1; 2 for, 0 against, 3 needed; closes 2026-11-09T10:00:00Z; not voted: Other-1');
    expect(tree).toContain('│  2026-11-02T10:00:00Z VoteRequested UpdateSvRewardWeight(Acme-2:=10000)#1 (generation 3, git:abc)');
    expect(tree).toContain('└─ Next: TransferringWeight: waiting since 2026-11-02T08:00:00Z for 1 more SV vote\n   Who: the other SV operators: vote');
    expect(tree.endsWith('Tell the other SV operators:\n  line one\n  line two\n')).toBe(true);
  });

  it('a completed migration asks nobody for anything', () => {
    const done = migration();
    done.status = { phase: 'Completed', message: 'Completed.', conditions: [c('Ready', 'True', 'Completed')] };
    const v = statusView(done);
    expect(v.next).toEqual({ action: 'Completed.', who: 'nobody: the migration is complete' });
    expect(v.phases.every((p) => p.state === 'done')).toBe(true);
  });

  it.each([
    ['AwaitingApproval', false, /^you: open the gate/],
    ['AwaitingExternalVoteRequest', false, /^you: request the vote/],
    ['AwaitingOnboarding', false, /^the other SV operators: add/],
    ['VotePending', false, /^the other SV operators: vote/],
    ['ParticipantNotDeployed', false, /^you: deploy the charts/],
    ['AwaitingManualTransfer', false, /^you: transfer/],
    ['NoKeysYet', false, /^the operator and the network/],
    ['KeyChanged', true, /^you \(fix what the message says\)/],
  ])('%s: who acts', (reason, stalled, who) => expect(whoActs(reason, stalled)).toMatch(who));
});
