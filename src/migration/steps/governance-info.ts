/**
 * status.governance: the human side of the current gate — the announcement for the SV operators' list and the
 * configs-repository change that goes with the step — published before the vote is requested (the PR link is the
 * vote's reason URL) and kept while it runs. A changed announcement is also an Event, so the human step is copy-paste.
 */
import type { SvKmsMigrationStatus } from '../../api/types.ts';
import { announcement } from '../../governance/announcement.ts';
import { configsChange, configsFile, migrationIdentities, renderSnippet, type ConfigsStep, type HandoverIdentities } from '../../governance/approved-identities.ts';
import { describeAction, offboardSvAction, updateSvRewardWeightAction } from '../../splice/daml-json.ts';
import { decision } from '../decision.ts';
import { NOTHING_TO_OBSERVE, type DecideInput, type Step, type StepDecision } from '../step.ts';
import { offboardLabel } from './offboarding.ts';
import { weightLabel } from './weight.ts';

/** The network, the two SVs and the weight, as far as known. */
export function handoverIdentities({ m, status, facts }: DecideInput): HandoverIdentities {
  return migrationIdentities(m, status, facts.dso?.oldSv?.weight);
}

/** The votes of a step, as the announcement lists them. */
function votesOf(step: ConfigsStep, input: DecideInput, ids: HandoverIdentities): { label: string; action: string }[] {
  const oldParty = input.facts.dso?.oldSv?.partyId ?? input.status.oldSv?.partyId ?? `<party of ${ids.oldSv.name}>`;
  const newParty = input.facts.dso?.newSv?.partyId ?? input.status.newSv?.partyId ?? `<party of ${ids.newSv.name}>`;
  if (step === 'weightTransfer') {
    return [
      { label: weightLabel(ids.newSv.name, ids.weightBps), action: describeAction(updateSvRewardWeightAction(newParty, ids.weightBps)) },
      { label: weightLabel(ids.oldSv.name, 0), action: describeAction(updateSvRewardWeightAction(oldParty, 0)) },
    ];
  }
  if (step === 'offboarding') return [{ label: offboardLabel(ids.oldSv.name), action: describeAction(offboardSvAction(oldParty)) }];
  return [];
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * When the step's votes close and take effect: the recorded dates once requested; before, the rule (so that the text
 * does not change while the gate waits).
 */
function timingOf(step: ConfigsStep, input: DecideInput, labels: string[]): string | undefined {
  if (step === 'onboarding') return undefined;
  const open = (input.status.votes ?? []).find((v) => labels.includes(v.action) && v.expiresAt);
  if (open?.expiresAt) return `The votes close at ${open.expiresAt} and take effect ${open.effectiveAt ? `at ${open.effectiveAt}` : 'as soon as the threshold is reached'}.`;
  const gate = input.m.spec.workflow[step];
  const open_ = gate.voteExpiration ? `open for ${gate.voteExpiration}` : 'open for 5 business days';
  const effect = gate.effectiveAtThreshold ? 'take effect as soon as the threshold is reached' : gate.effectiveAt ? `take effect at ${iso(new Date(gate.effectiveAt))}` : 'take effect one day after they close';
  return `Once requested, the votes stay ${open_} and ${effect}.`;
}

export function decideGovernanceInfo(step: ConfigsStep) {
  return function decide(input: DecideInput): StepDecision<never> {
    const ids = handoverIdentities(input);
    const votes = votesOf(step, input, ids);
    const gate = step === 'onboarding' ? undefined : input.m.spec.workflow[step];
    const timing = timingOf(step, input, votes.map((v) => v.label));
    const text = announcement(step, {
      network: ids.network,
      oldSv: { name: ids.oldSv.name, ...(input.status.oldSv?.partyId ? { partyId: input.status.oldSv.partyId } : {}) },
      newSv: { name: ids.newSv.name, ...(input.status.newSv?.partyId ? { partyId: input.status.newSv.partyId } : {}), ...(ids.newSv.publicKey ? { publicKey: ids.newSv.publicKey } : {}) },
      weightBps: ids.weightBps,
      votes,
      ...(timing ? { timing } : {}),
      ...(gate?.reasonUrl ? { reasonUrl: gate.reasonUrl } : {}),
      configsFile: configsFile(ids.network),
    });
    const change = configsChange(step, ids);
    const governance: NonNullable<SvKmsMigrationStatus['governance']> = {
      ...input.status.governance,
      announcement: text,
      configsChange: { file: change.file, step, snippet: renderSnippet(change) },
    };
    const changed = input.status.governance?.announcement !== text;
    return {
      ...decision({ kind: 'done' }, undefined, { governance }),
      ...(changed ? { events: [{ type: 'Normal' as const, reason: 'Announcement', message: `tell the other SV operators (status.governance.announcement):\n${text}` }] } : {}),
    };
  };
}

export function governanceInfoStep(step: ConfigsStep): Step<undefined> {
  return { name: `governanceInfo(${step})`, observe: NOTHING_TO_OBSERVE, decide: decideGovernanceInfo(step) };
}
