/**
 * The old SV's app, authenticated, and its party: what every vote request needs. An auth failure is reported with
 * the credential that failed.
 */
import type { ConditionType } from '../meta.ts';
import type { SvAppApi } from '../ports.ts';
import type { StepResult } from '../status-draft.ts';
import type { StepContext } from '../step.ts';
import { networkFailure } from './network-errors.ts';

export type OldSvApp = { ok: true; app: SvAppApi; requester: { partyId: string; name: string } } | { ok: false; result: StepResult };

export async function oldSvApp(ctx: StepContext, condition: ConditionType, what: string): Promise<OldSvApp> {
  const { m, deps, draft } = ctx;
  const access = await deps.splice.oldSvApp(m);
  if (!access.ok) {
    draft.condition(condition, 'False', access.reason, access.message);
    return { ok: false, result: { kind: 'stalled', reason: access.reason, message: access.message } };
  }
  try {
    const identity = await access.client.getIdentity(ctx.signal);
    return { ok: true, app: access.client, requester: { partyId: identity.svPartyId, name: m.spec.oldSv.name } };
  } catch (err) {
    const result = networkFailure(err, `${what}: the old SV's app (${m.spec.oldSv.svAppUrl})`, deps.timing.networkPollMs);
    if (result.kind === 'stalled') draft.condition(condition, 'False', result.reason, result.message);
    return { ok: false, result };
  }
}
