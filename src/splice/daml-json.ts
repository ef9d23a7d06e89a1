/**
 * The Daml-LF JSON encoding used by the Splice SV app for vote actions (in one place): variants are `{tag, value}`,
 * Int64 values are decimal strings, `RelTime` is `{microseconds: "<int>"}`. Shapes follow the SV UI
 * (`UpdateSvRewardWeightForm.tsx`, `OffboardSvForm.tsx`) and `Splice.DsoRules` (research/splice-domain.md §4.2).
 */

/** A Daml variant value: `{tag, value}`. */
export interface DamlVariant<T extends string, V> {
  tag: T;
  value: V;
}

/** `DA.Time.Types.RelTime`: microseconds as an Int64 string. */
export interface RelTime {
  microseconds: string;
}

/** `DsoRules_UpdateSvRewardWeight` arguments. */
export interface UpdateSvRewardWeightArgs {
  svParty: string;
  newRewardWeight: string;
}

/** `DsoRules_OffboardSv` arguments. */
export interface OffboardSvArgs {
  sv: string;
}

/** The `DsoRules_ActionRequiringConfirmation` variants this operator issues. */
export type DsoRulesAction =
  | DamlVariant<'SRARC_UpdateSvRewardWeight', UpdateSvRewardWeightArgs>
  | DamlVariant<'SRARC_OffboardSv', OffboardSvArgs>;

/** `ActionRequiringConfirmation.ARC_DsoRules` wrapping one of the actions above. */
export type VoteAction = DamlVariant<'ARC_DsoRules', { dsoAction: DsoRulesAction }>;

/** Thrown when a weight or Int64 cannot be parsed safely. */
export class InvalidWeightError extends Error {
  override name = 'InvalidWeightError';
}

// YAML 1.1 decimal integers: `0` or a non-zero digit followed by digits and underscores. A leading zero would be
// octal in YAML 1.1, so it is rejected rather than guessed.
const INTEGER_STRING = /^(?:0|[1-9][0-9_]*)$/;

/**
 * Parses a reward weight in basis points (10000 = weight 1). Accepts non-negative safe integers and integer strings,
 * including YAML-1.1 underscore integers such as `165_5000` (which JS YAML parsers return as strings). Rejects floats,
 * negatives, NaN, empty strings and integers beyond 2^53-1 with an error that names the offending value.
 */
export function parseWeightBps(x: unknown, what = 'reward weight'): number {
  let n: number;
  if (typeof x === 'number') {
    n = x;
  } else if (typeof x === 'bigint') {
    n = Number(x);
    if (BigInt(n) !== x) throw new InvalidWeightError(`${what} ${x} is larger than ${Number.MAX_SAFE_INTEGER}`);
  } else if (typeof x === 'string') {
    const s = x.trim();
    if (!INTEGER_STRING.test(s)) {
      throw new InvalidWeightError(`${what} ${JSON.stringify(x)} is not a non-negative integer in basis points`);
    }
    n = Number(s.replaceAll('_', ''));
  } else {
    throw new InvalidWeightError(`${what} must be an integer in basis points, got ${x === null ? 'null' : typeof x}`);
  }
  if (!Number.isFinite(n) || !Number.isInteger(n)) {
    throw new InvalidWeightError(`${what} ${String(x)} is not an integer in basis points`);
  }
  if (n < 0) throw new InvalidWeightError(`${what} ${String(x)} is negative`);
  if (!Number.isSafeInteger(n)) {
    throw new InvalidWeightError(`${what} ${String(x)} is larger than ${Number.MAX_SAFE_INTEGER}`);
  }
  return n;
}

/** Encodes a safe non-negative integer as a Daml Int64 JSON string. */
export function int64(n: number): string {
  return String(parseWeightBps(n, 'Int64 value'));
}

/** Encodes a duration in milliseconds as a Daml `RelTime`. */
export function relTimeFromMillis(ms: number): RelTime {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new InvalidWeightError(`duration ${ms}ms is not a non-negative integer`);
  return { microseconds: (BigInt(ms) * 1000n).toString() };
}

/** The vote action that sets `svParty`'s reward weight to `newRewardWeightBps`. */
export function updateSvRewardWeightAction(svParty: string, newRewardWeightBps: number): VoteAction {
  return {
    tag: 'ARC_DsoRules',
    value: { dsoAction: { tag: 'SRARC_UpdateSvRewardWeight', value: { svParty, newRewardWeight: int64(newRewardWeightBps) } } },
  };
}

/** The vote action that offboards the SV with party `svParty`. */
export function offboardSvAction(svParty: string): VoteAction {
  return { tag: 'ARC_DsoRules', value: { dsoAction: { tag: 'SRARC_OffboardSv', value: { sv: svParty } } } };
}

/**
 * Normalises a JSON value for comparison: object key order is irrelevant, and the Int64 field `newRewardWeight` may
 * arrive as a string or a number, so it is compared by value.
 */
function canonical(v: unknown, key?: string): unknown {
  if (key === 'newRewardWeight' && (typeof v === 'string' || typeof v === 'number')) {
    try {
      return `int:${parseWeightBps(v)}`;
    } catch {
      return v;
    }
  }
  if (Array.isArray(v)) return v.map((e) => canonical(e));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical((v as Record<string, unknown>)[k], k);
    return out;
  }
  return v;
}

/**
 * True when two Daml-JSON actions denote the same action (same variant tags and arguments, independent of key order
 * and of whether an Int64 weight is a string or a number). Used to find an existing vote request for an action.
 */
export function sameAction(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Reads a vote action back into its typed form, or undefined when it is not one this operator issues. */
export function decodeVoteAction(x: unknown): VoteAction | undefined {
  if (!isObj(x) || x.tag !== 'ARC_DsoRules' || !isObj(x.value) || !isObj(x.value.dsoAction)) return undefined;
  const d = x.value.dsoAction;
  if (d.tag === 'SRARC_UpdateSvRewardWeight' && isObj(d.value) && typeof d.value.svParty === 'string') {
    try {
      return updateSvRewardWeightAction(d.value.svParty, parseWeightBps(d.value.newRewardWeight));
    } catch {
      return undefined;
    }
  }
  if (d.tag === 'SRARC_OffboardSv' && isObj(d.value) && typeof d.value.sv === 'string') return offboardSvAction(d.value.sv);
  return undefined;
}

/** A short human description of an action, for status and logs. */
export function describeAction(a: VoteAction): string {
  const d = a.value.dsoAction;
  return d.tag === 'SRARC_UpdateSvRewardWeight'
    ? `SRARC_UpdateSvRewardWeight(${d.value.svParty} := ${d.value.newRewardWeight})`
    : `SRARC_OffboardSv(${d.value.sv})`;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
