/**
 * The foundation's configs repository: `configs/<network>/approved-sv-id-values.yaml`, a top-level
 * `approvedSvIdentities:` list of `{name, publicKey, rewardWeightBps, extraBeneficiaries?}` entries. Each step of a
 * hand-over that other SV operators review goes with one PR to that file per network: adding the new SV at weight 0
 * (onboarding), moving the weight and the old SV's extra beneficiaries to the new SV (weight transfer), removing the old
 * SV (after offboarding). This module computes those edits, applies them to a file, and runs the foundation's weight
 * check (`scripts/diff-reward-weights.sh`: `{name: rewardWeightBps}` of the file against `{name: svRewardWeight}` of
 * `GET /v0/dso`).
 *
 * The format was read from the configs repository's files and scripts (see docs/research notes in the user guide).
 */
import { dump, load, YAML11_SCHEMA } from 'js-yaml';
import type { SvKmsMigration, SvKmsMigrationStatus } from '../api/types.ts';

/** An extra beneficiary of an SV's rewards: its party and its share in basis points (a string in the file). */
export interface ExtraBeneficiary {
  beneficiary: string;
  weight: string;
}

/** One entry of `approvedSvIdentities`. */
export interface ApprovedIdentity {
  name: string;
  publicKey?: string;
  rewardWeightBps?: number;
  extraBeneficiaries?: ExtraBeneficiary[];
}

/** The steps that change the file. */
export type ConfigsStep = 'onboarding' | 'weightTransfer' | 'offboarding';

/** An edit of one entry: fields set (others kept as they are), or the entry removed. */
export type EntryEdit = { name: string; set: Omit<ApprovedIdentity, 'name'>; removeFields?: (keyof ApprovedIdentity)[] } | { name: string; remove: true };

export interface ConfigsChange {
  step: ConfigsStep;
  /** Path in the configs repository. */
  file: string;
  edits: EntryEdit[];
}

/** What the operator knows of the two SVs for the edits. */
export interface HandoverIdentities {
  network: string;
  oldSv: { name: string; extraBeneficiaries: ExtraBeneficiary[] };
  newSv: { name: string; publicKey: string };
  /** The weight to move (the old SV's weight when first observed). */
  weightBps: number;
}

/**
 * The identities of a migration, from its spec and status (`observedOldWeight`: the old SV's weight as the Scans show
 * it, used until the weight to move is recorded).
 */
export function migrationIdentities(m: SvKmsMigration, status: Readonly<SvKmsMigrationStatus>, observedOldWeight?: number): HandoverIdentities {
  return {
    network: m.spec.network.name ?? 'MainNet',
    oldSv: { name: m.spec.oldSv.name, extraBeneficiaries: m.spec.oldSv.extraBeneficiaries ?? [] },
    newSv: { name: m.spec.newSv.name, publicKey: status.identityKey?.publicKey ?? '' },
    weightBps: status.oldSv?.originalRewardWeight ?? observedOldWeight ?? status.oldSv?.rewardWeight ?? 0,
  };
}

export function configsFile(network: string): string {
  return `configs/${network}/approved-sv-id-values.yaml`;
}

/** The edit that goes with `step`. */
export function configsChange(step: ConfigsStep, ids: HandoverIdentities): ConfigsChange {
  const file = configsFile(ids.network);
  switch (step) {
    case 'onboarding':
      return { step, file, edits: [{ name: ids.newSv.name, set: { publicKey: ids.newSv.publicKey, rewardWeightBps: 0 } }] };
    case 'weightTransfer': {
      const moved = ids.oldSv.extraBeneficiaries;
      return {
        step,
        file,
        edits: [
          { name: ids.newSv.name, set: { publicKey: ids.newSv.publicKey, rewardWeightBps: ids.weightBps, ...(moved.length ? { extraBeneficiaries: moved } : {}) } },
          { name: ids.oldSv.name, set: { rewardWeightBps: 0 }, ...(moved.length ? { removeFields: ['extraBeneficiaries' as const] } : {}) },
        ],
      };
    }
    case 'offboarding':
      return { step, file, edits: [{ name: ids.oldSv.name, remove: true }] };
  }
}

/** The snippet to paste: the edited entries as they read after the change, and the removals as comments. */
export function renderSnippet(change: ConfigsChange): string {
  const lines = [`# ${change.file} (${change.step})`, 'approvedSvIdentities:'];
  for (const edit of change.edits) {
    if ('remove' in edit) {
      lines.push(`  # remove the entry of ${edit.name} (offboarded)`);
      continue;
    }
    const entry: ApprovedIdentity = { name: edit.name, ...edit.set };
    const text = dump([entry], { lineWidth: -1, noRefs: true }).trimEnd().split('\n');
    if (!edit.set.publicKey) text.push('  # publicKey: unchanged');
    if (edit.removeFields?.length) text.push(`  # ${edit.removeFields.join(', ')}: removed (moved to the new SV)`);
    lines.push(...text.map((l) => `  ${l}`));
  }
  return `${lines.join('\n')}\n`;
}

/** The file's entries; throws with the reason when it is not such a file. */
export function parseApprovedIdentities(text: string): ApprovedIdentity[] {
  const doc = load(text, { schema: YAML11_SCHEMA }) as { approvedSvIdentities?: unknown } | null;
  const list = doc?.approvedSvIdentities;
  if (!Array.isArray(list)) throw new Error('not an approved-sv-id-values.yaml file: it has no approvedSvIdentities list');
  return list.map((e, i) => {
    const entry = e as Partial<ApprovedIdentity> | null;
    if (!entry || typeof entry.name !== 'string') throw new Error(`approvedSvIdentities[${i}] has no name`);
    return entry as ApprovedIdentity;
  });
}

/**
 * The file with `change` applied: edited entries keep their other fields and their place, a new entry is appended.
 * The YAML is written anew (comments in the file are not kept: review the diff of the PR).
 */
export function applyConfigsChange(text: string, change: ConfigsChange): string {
  const doc = (load(text, { schema: YAML11_SCHEMA }) ?? {}) as Record<string, unknown>;
  let entries = parseApprovedIdentities(text);
  for (const edit of change.edits) {
    if ('remove' in edit) {
      entries = entries.filter((e) => e.name !== edit.name);
      continue;
    }
    const i = entries.findIndex((e) => e.name === edit.name);
    const base: ApprovedIdentity = i >= 0 ? { ...entries[i]! } : { name: edit.name };
    for (const f of edit.removeFields ?? []) delete base[f];
    const next = { ...base, ...edit.set };
    if (i >= 0) entries[i] = next;
    else entries.push(next);
  }
  return dump({ ...doc, approvedSvIdentities: entries }, { lineWidth: -1, noRefs: true });
}

/**
 * The foundation's weight check: every SV of the DSO must have its on-ledger weight in the file, and every entry of the
 * file with a weight must be an SV with that weight. Returns the mismatches, one line each (empty: they agree).
 */
export function weightCheck(text: string, dso: ReadonlyMap<string, number>): string[] {
  const file = new Map(parseApprovedIdentities(text).map((e) => [e.name, Number(e.rewardWeightBps ?? 0)]));
  const problems: string[] = [];
  for (const [name, weight] of dso) {
    if (!file.has(name)) problems.push(`${name}: on-ledger ${weight}, not in the file`);
    else if (file.get(name) !== weight) problems.push(`${name}: on-ledger ${weight}, file ${file.get(name)}`);
  }
  for (const [name, weight] of file) if (!dso.has(name) && weight !== 0) problems.push(`${name}: file ${weight}, not an SV on-ledger`);
  return problems;
}
