/**
 * What to tell the other SV operators at each gate, as the governance process asks before a vote: the exact action,
 * the network, the timing and effectivity, and the links — ready to paste to the SV announcement list.
 */
import type { ConfigsStep } from './approved-identities.ts';

export interface AnnouncementFacts {
  network: string;
  oldSv: { name: string; partyId?: string };
  newSv: { name: string; partyId?: string; publicKey?: string };
  weightBps: number;
  /** Vote labels with their actions, as they will be (or were) requested. */
  votes: { label: string; action: string }[];
  /** When the votes close and take effect, in words (absolute once requested, relative before). */
  timing?: string;
  reasonUrl?: string;
  configsFile: string;
}

/** The announcement for `step`. */
export function announcement(step: ConfigsStep, f: AnnouncementFacts): string {
  const who = `${f.oldSv.name}${f.oldSv.partyId ? ` (${f.oldSv.partyId})` : ''}`;
  const next = `${f.newSv.name}${f.newSv.partyId ? ` (${f.newSv.partyId})` : ''}`;
  const link = f.reasonUrl ? `PR / reason: ${f.reasonUrl}` : `PR: to be opened against ${f.configsFile} with the change in status.governance.configsChange`;
  const timing = f.timing ?? '';
  const actions = f.votes.map((v) => `  - ${v.label}: ${v.action}`).join('\n');
  switch (step) {
    case 'onboarding':
      return [
        `[${f.network}] SV KMS migration: ${f.oldSv.name} moves to a new SV node with its participant keys in a KMS.`,
        `Please approve the new SV ${f.newSv.name} with reward weight 0: add to your sv-node values' approvedSvIdentities`,
        `  - name: ${f.newSv.name}`,
        `    publicKey: ${f.newSv.publicKey ?? '(published in status.onboarding once the identity key exists)'}`,
        '    rewardWeightBps: 0',
        `The weight of ${f.oldSv.name} (${f.weightBps} bps) moves to it later by vote. ${link}`,
      ].join('\n');
    case 'weightTransfer':
      return [
        `[${f.network}] SV KMS migration: ${who} proposes to move its reward weight of ${f.weightBps} bps to ${next}.`,
        `Votes to be requested by ${f.oldSv.name}:`,
        actions,
        timing,
        link,
      ]
        .filter(Boolean)
        .join('\n');
    case 'offboarding':
      return [
        `[${f.network}] SV KMS migration: ${who} has handed its weight to ${next} and proposes to offboard itself.`,
        `Vote to be requested by ${f.oldSv.name}:`,
        actions,
        timing,
        link,
      ]
        .filter(Boolean)
        .join('\n');
  }
}
