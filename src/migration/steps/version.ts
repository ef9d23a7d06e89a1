/**
 * SpliceVersionResolved: which Splice (and so Canton) version the new SV runs, since the values and the network's API
 * differ by version — spec.splice.version when given, else what `scanQuorum` Scans report (`GET /api/scan/version`),
 * recorded in status.splice. Until the Scans answer, the newest known version is assumed and the condition says so; a
 * version newer than the newest known is rendered as that one, said in the condition too.
 */
import type { SvKmsMigrationStatus } from '../../api/types.ts';
import { newestKnownVersion, resolveSpliceVersion, SpliceVersionError, versionNote, type ResolvedSpliceVersion } from '../../render/versions.ts';
import { agree, type ScanView } from '../../splice/scan-quorum.ts';
import { decision, stalledOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';
import { defaultQuorum } from './dso.ts';

export type VersionObservation = { kind: 'spec' } | { kind: 'recorded' } | { kind: 'scans'; views: ScanView<string>[] };

/** A version read from the network within the recheck interval is not asked again. */
export function versionRecorded(status: Readonly<SvKmsMigrationStatus>, now: Date, recheckMs: number): boolean {
  const s = status.splice;
  return s?.source !== undefined && s.source !== 'Spec' && s.checkedAt !== undefined && now.getTime() - Date.parse(s.checkedAt) < recheckMs;
}

function resolved(version: ResolvedSpliceVersion, source: 'Spec' | 'Network' | 'Assumed', checkedAt: string | undefined, message: string): StepDecision<never> {
  const note = versionNote(version);
  return {
    ...decision(
      { kind: 'done' },
      { type: CONDITION.SpliceVersionResolved, status: source === 'Assumed' ? 'Unknown' : 'True', reason: source === 'Assumed' ? 'VersionNotRead' : version.support === 'newer-than-known' ? 'NewerThanKnown' : `From${source}`, message: note ? `${message}; ${note}` : message },
      { splice: { version: version.version, source, support: version.support, ...(checkedAt ? { checkedAt } : {}) } },
    ),
    facts: { version },
  };
}

export function decideVersion({ m, status, now }: DecideInput, observed: VersionObservation): StepDecision<never> {
  const checkedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    if (observed.kind === 'spec') return resolved(resolveSpliceVersion(m.spec.splice!.version!), 'Spec', undefined, `Splice ${m.spec.splice!.version} (spec.splice.version)`);
    if (observed.kind === 'recorded') {
      const s = status.splice!;
      return resolved(s.source === 'Network' ? resolveSpliceVersion(s.version!, 'the Scans\' version') : newestKnownVersion(), s.source as 'Network' | 'Assumed', s.checkedAt, s.source === 'Network' ? `Splice ${s.version} as the Scans report it` : 'the Scans\' version could not be read yet');
    }
    const quorum = defaultQuorum(m);
    const result = agree(observed.views, quorum, (v) => v);
    if ('agreed' in result) return resolved(resolveSpliceVersion(result.agreed, 'the Scans\' version'), 'Network', checkedAt, `Splice ${result.agreed} as ${result.agreeing.length} of ${observed.views.length} Scans report it`);
    // Keep a version the Scans agreed on earlier; else assume the newest known one until they answer.
    if (status.splice?.source === 'Network' && status.splice.version) return resolved(resolveSpliceVersion(status.splice.version), 'Network', checkedAt, `Splice ${status.splice.version} as the Scans reported it earlier (now: ${result.summary})`);
    return resolved(newestKnownVersion(), 'Assumed', checkedAt, `the Scans' version could not be read (${result.summary}); rendering for the newest known version until they answer, or set spec.splice.version`);
  } catch (err) {
    if (!(err instanceof SpliceVersionError)) throw err;
    return stalledOn(CONDITION.SpliceVersionResolved, 'UnsupportedSpliceVersion', err.message);
  }
}

export const versionStep: Step<VersionObservation> = {
  name: 'spliceVersion',
  async observe({ m, deps, status, now, timing, signal, facts }) {
    if (m.spec.splice?.version) return { kind: 'spec' };
    if (!facts.recheck && versionRecorded(status, now, timing.stalledRecheckMs)) return { kind: 'recorded' };
    return { kind: 'scans', views: await deps.splice.scanVersions(m, signal) };
  },
  decide: decideVersion,
};
