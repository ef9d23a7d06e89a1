/**
 * SpliceVersionResolved: which Splice (and so Canton) version the new SV runs, since the values and the network's API
 * differ by version — spec.splice.version when given, else what `scanQuorum` Scans report (`GET /api/scan/version`),
 * recorded in status.splice. Until the Scans answer, the newest known version is assumed and the condition says so; a
 * version newer than the newest known is rendered as that one, said in the condition too.
 */
import { newestKnownVersion, resolveSpliceVersion, SpliceVersionError, versionNote, type ResolvedSpliceVersion } from '../../render/versions.ts';
import { agree, type ScanView } from '../../splice/scan-quorum.ts';
import { decision, stalledOn } from '../decision.ts';
import { CONDITION } from '../meta.ts';
import type { DecideInput, Step, StepDecision } from '../step.ts';
import { defaultQuorum } from './dso.ts';

/** The version is asked of the Scans at every reconcile (the operator shares those reads across migrations). */
export type VersionObservation = { kind: 'spec' } | { kind: 'scans'; views: ScanView<string>[] };

function resolved(version: ResolvedSpliceVersion, source: 'Spec' | 'Network' | 'Assumed', message: string): StepDecision<never> {
  const note = versionNote(version);
  return {
    ...decision(
      { kind: 'done' },
      { type: CONDITION.SpliceVersionResolved, status: source === 'Assumed' ? 'Unknown' : 'True', reason: source === 'Assumed' ? 'VersionNotRead' : version.support === 'newer-than-known' ? 'NewerThanKnown' : `From${source}`, message: note ? `${message}; ${note}` : message },
      { splice: { version: version.version, source, support: version.support } },
    ),
    facts: { version },
  };
}

export function decideVersion({ m, status }: DecideInput, observed: VersionObservation): StepDecision<never> {
  try {
    if (observed.kind === 'spec') return resolved(resolveSpliceVersion(m.spec.splice!.version!), 'Spec', `Splice ${m.spec.splice!.version} (spec.splice.version)`);
    const quorum = defaultQuorum(m);
    const result = agree(observed.views, quorum, (v) => v);
    if ('agreed' in result) return resolved(resolveSpliceVersion(result.agreed, 'the Scans\' version'), 'Network', `Splice ${result.agreed} as scanQuorum Scans report it`);
    // Keep a version the Scans agreed on earlier; else assume the newest known one until they answer.
    if (status.splice?.source === 'Network' && status.splice.version) return resolved(resolveSpliceVersion(status.splice.version), 'Network', `Splice ${status.splice.version} as the Scans reported it earlier (fewer than scanQuorum agree now)`);
    return resolved(newestKnownVersion(), 'Assumed', `the Scans' version could not be read yet; rendering for the newest known version until they answer, or set spec.splice.version`);
  } catch (err) {
    if (!(err instanceof SpliceVersionError)) throw err;
    return stalledOn(CONDITION.SpliceVersionResolved, 'UnsupportedSpliceVersion', err.message);
  }
}

export const versionStep: Step<VersionObservation> = {
  name: 'spliceVersion',
  async observe({ m, deps, signal }) {
    if (m.spec.splice?.version) return { kind: 'spec' };
    return { kind: 'scans', views: await deps.splice.scanVersions(m, signal) };
  },
  decide: decideVersion,
};
