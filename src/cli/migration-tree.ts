/**
 * What `sv-kms status` shows, as data and as a tree: the phases with their conditions, the keys (public parts and
 * fingerprints only), the rendered values and whether the participant runs them, each vote and transfer, the side
 * effects made, the next action and who must take it, and what to tell the other SV operators. Pure: built from the
 * migration and the few objects the caller read, so it is tested without a cluster and prints no secret material (the
 * status holds none).
 */
import type { SvKmsMigration } from '../api/types.ts';
import { WORKFLOW_PHASES, type WorkflowPhase } from '../api/phases.ts';
import { notVotedText } from '../migration/steps/votes.ts';

/** The conditions that belong to each phase (the always-held ones under Preparing). */
export const PHASE_CONDITIONS: Record<WorkflowPhase, readonly string[]> = {
  Preparing: ['SpecValid', 'SpliceVersionResolved', 'SpliceAccessVerified', 'KmsPreflightPassed', 'GovernanceKeyReady', 'IdentityKeyReady', 'ValuesRendered'],
  AwaitingDeployment: ['NewSvDeployed', 'KmsKeysObserved'],
  AwaitingOnboarding: ['ScanAgreement', 'NewSvOnboarded'],
  TransferringWeight: ['WeightTransferred'],
  TransferringAssets: ['AssetsTransferred'],
  Offboarding: ['OldSvOffboarded'],
  Retiring: ['AssetsSwept', 'OldSvRetired'],
  Completed: ['Ready'],
};

/** Whether a values ConfigMap's content runs in its Deployment, as far as the reader could tell. */
export type Applied = 'yes' | 'no' | 'unknown';

export interface StatusView {
  migration: string;
  phase: string;
  summary: { ready?: string; reconciling?: string; stalled?: string; message?: string; observedGeneration?: number; generation?: number };
  phases: { phase: string; state: 'done' | 'current' | 'pending'; conditions: { type: string; status: string; reason: string; message: string }[] }[];
  keys: { kind: string; secret?: string; publicKey?: string; fingerprint?: string }[];
  values: { chart: string; configMap?: string; sha256?: string; runsInDeployment: Applied; detail?: string }[];
  votes: { vote: string; outcome: string; trackingCid?: string; deadline?: string; effectiveAt?: string; tally: string; notVoted?: string[]; notVotedCount?: number }[];
  transfers: { trackingId: string; purpose?: string; method?: string; amount?: string; receiver?: string; status?: string }[];
  history: { time: string; effect: string; id: string; generation?: number; change?: string }[];
  next: { action: string; who: string };
  announcement?: string;
  externalVote?: { label?: string; command?: string };
}

/** Who must act on a blocking reason. */
export function whoActs(reason: string | undefined, stalled: boolean): string {
  if (stalled) return 'you (fix what the message says)';
  switch (reason) {
    case 'AwaitingApproval':
      return 'you: open the gate in Git (or sv-kms approve) once the other SV operators agree';
    case 'AwaitingExternalVoteRequest':
      return 'you: request the vote as status.governance.externalVote says';
    case 'AwaitingOnboarding':
      return 'the other SV operators: add the approvedSvIdentities entry; the sponsor onboards the new SV';
    case 'VotesPending':
    case 'VotePending':
      return 'the other SV operators: vote';
    case 'ParticipantNotDeployed':
    case 'ParticipantValuesNotApplied':
    case 'SvAppNotDeployed':
    case 'SvNodeValuesNotApplied':
      return 'you: deploy the charts with the rendered values';
    case 'AwaitingManualTransfer':
      return 'you: transfer the old SV wallet\'s balance';
    default:
      return 'the operator and the network (nothing for you to do now)';
  }
}

/** The status view of `m`; `applied` says per chart whether its Deployment runs the rendered values. */
export function statusView(m: SvKmsMigration, applied: Partial<Record<'splice-participant' | 'splice-sv-node', { state: Applied; detail?: string }>> = {}): StatusView {
  const st = m.status ?? {};
  const conditions = st.conditions ?? [];
  const cond = (type: string) => conditions.find((c) => c.type === type);
  const current = (st.phase ?? 'Preparing') as WorkflowPhase;
  const index = WORKFLOW_PHASES.indexOf(current);
  const stalled = cond('Stalled')?.status === 'True';
  const blocking = conditions.find((c) => c.status !== 'True' && (PHASE_CONDITIONS[current] ?? []).includes(c.type)) ?? (stalled ? cond('Stalled') : undefined);
  return {
    migration: `${m.metadata.namespace}/${m.metadata.name}`,
    phase: current,
    summary: {
      ...(cond('Ready') ? { ready: cond('Ready')!.status } : {}),
      ...(cond('Reconciling') ? { reconciling: cond('Reconciling')!.status } : {}),
      ...(cond('Stalled') ? { stalled: cond('Stalled')!.status } : {}),
      ...(st.message ? { message: st.message } : {}),
      ...(st.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
      ...(m.metadata.generation !== undefined ? { generation: m.metadata.generation } : {}),
    },
    phases: WORKFLOW_PHASES.map((phase, i) => ({
      phase,
      state: current === 'Completed' || i < index ? 'done' : i === index ? 'current' : 'pending',
      conditions: PHASE_CONDITIONS[phase].flatMap((type) => {
        const c = cond(type);
        return c ? [{ type, status: c.status, reason: c.reason, message: c.message }] : [];
      }),
    })),
    keys: [
      { kind: 'governance (Ed25519)', ...(st.governanceKey?.secretName ? { secret: st.governanceKey.secretName } : {}), ...(st.governanceKey?.publicKey ? { publicKey: st.governanceKey.publicKey } : {}), ...(st.governanceKey?.fingerprint ? { fingerprint: st.governanceKey.fingerprint } : {}) },
      { kind: 'identity (P-256)', ...(st.identityKey?.secretName ? { secret: st.identityKey.secretName } : {}), ...(st.identityKey?.publicKey ? { publicKey: st.identityKey.publicKey } : {}), ...(st.identityKey?.fingerprint ? { fingerprint: st.identityKey.fingerprint } : {}) },
    ],
    values: (
      [
        ['splice-participant', st.outputs?.participantValues],
        ['splice-sv-node', st.outputs?.svNodeValues],
      ] as const
    ).map(([chart, out]) => ({
      chart,
      ...(out?.configMapName ? { configMap: out.configMapName } : {}),
      ...(out?.sha256 ? { sha256: out.sha256 } : {}),
      runsInDeployment: applied[chart]?.state ?? 'unknown',
      ...(applied[chart]?.detail ? { detail: applied[chart].detail } : {}),
    })),
    votes: (st.votes ?? []).map((v) => ({
      vote: `${v.action}#${v.attempt}`,
      outcome: v.outcome,
      ...(v.trackingCid ? { trackingCid: v.trackingCid } : {}),
      ...(v.expiresAt ? { deadline: v.expiresAt } : {}),
      ...(v.effectiveAt ? { effectiveAt: v.effectiveAt } : {}),
      tally: `${v.votesFor ?? 0} for, ${v.votesAgainst ?? 0} against, ${v.votesRequired ?? '?'} needed`,
      ...(v.notVoted?.length ? { notVoted: v.notVoted, notVotedCount: v.notVotedCount ?? v.notVoted.length } : {}),
    })),
    transfers: (st.assets?.transfers ?? []).map((t) => ({
      trackingId: t.trackingId,
      ...(t.purpose ? { purpose: t.purpose } : {}),
      ...(t.method ? { method: t.method } : {}),
      ...(t.amount ? { amount: t.amount } : {}),
      ...(t.receiverPartyId ? { receiver: t.receiverPartyId } : {}),
      ...(t.status ? { status: t.status } : {}),
    })),
    history: (st.history ?? []).map((h) => ({ time: h.time, effect: h.effect, id: h.id, ...(h.generation !== undefined ? { generation: h.generation } : {}), ...(h.change ? { change: h.change } : {}) })),
    next: { action: st.message ?? 'not reconciled yet', who: current === 'Completed' ? 'nobody: the migration is complete' : whoActs(blocking?.reason, stalled) },
    ...(st.governance?.announcement ? { announcement: st.governance.announcement } : {}),
    ...(st.governance?.externalVote ? { externalVote: { ...(st.governance.externalVote.label ? { label: st.governance.externalVote.label } : {}), ...(st.governance.externalVote.command ? { command: st.governance.externalVote.command } : {}) } } : {}),
  };
}

const MARK = { done: '✓', current: '▶', pending: '·' } as const;

/** The view as a tree for a terminal (stable order, one fact per line). */
export function renderTree(v: StatusView): string {
  const out: string[] = [];
  const s = v.summary;
  out.push(`SvKmsMigration ${v.migration}: ${v.phase} (Ready=${s.ready ?? '?'} Reconciling=${s.reconciling ?? '?'} Stalled=${s.stalled ?? '?'}, generation ${s.generation ?? '?'}, observed ${s.observedGeneration ?? '?'})`);
  const section = (title: string, lines: string[]) => {
    out.push(`├─ ${title}`);
    for (const l of lines) out.push(`│  ${l}`);
  };
  section(
    'Phases',
    v.phases.flatMap((p) => [`${MARK[p.state]} ${p.phase}`, ...p.conditions.map((c) => `    ${c.type}=${c.status} ${c.reason}: ${c.message}`)]),
  );
  section('Keys', v.keys.map((k) => `${k.kind}: ${k.secret ? `Secret ${k.secret}` : 'not yet'}${k.fingerprint ? `, fingerprint ${k.fingerprint}` : ''}${k.publicKey ? `, public ${k.publicKey}` : ''}`));
  section('Values', v.values.map((x) => `${x.chart}: ${x.configMap ? `ConfigMap ${x.configMap}` : 'not rendered yet'}${x.sha256 ? ` sha256 ${x.sha256.slice(0, 12)}` : ''}; Deployment runs them: ${x.runsInDeployment}${x.detail ? ` (${x.detail})` : ''}`));
  section(
    'Votes',
    v.votes.length
      ? v.votes.map((x) => `${x.vote}: ${x.outcome}${x.trackingCid ? ` cid ${x.trackingCid}` : ''}; ${x.tally}${x.deadline ? `; closes ${x.deadline}` : ''}${x.effectiveAt ? `; effective ${x.effectiveAt}` : ''}${x.notVoted ? `; not voted: ${notVotedText(x)}` : ''}`)
      : ['none yet'],
  );
  section('Transfers', v.transfers.length ? v.transfers.map((t) => `${t.trackingId}: ${t.status ?? '?'}${t.amount ? ` ${t.amount}` : ''}${t.receiver ? ` to ${t.receiver}` : ''}${t.method ? ` (${t.purpose === 'Sweep' ? 'sweep, ' : ''}${t.method})` : ''}`) : ['none yet']);
  section('Side effects', v.history.length ? v.history.map((h) => `${h.time} ${h.effect} ${h.id}${h.generation !== undefined ? ` (generation ${h.generation}${h.change ? `, ${h.change}` : ''})` : ''}`) : ['none yet']);
  out.push(`└─ Next: ${v.next.action}`);
  out.push(`   Who: ${v.next.who}`);
  if (v.externalVote?.command) out.push(`   Request it: ${v.externalVote.command}`);
  if (v.announcement) out.push('', 'Tell the other SV operators:', ...v.announcement.split('\n').map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}
