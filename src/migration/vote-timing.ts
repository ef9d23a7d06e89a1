/**
 * When a vote closes and when its action takes effect, by default as the Global Synchronizer's governance process
 * asks: proposals stay open 5 business days, and take effect at least a full day after they close. Business days are
 * Monday to Friday in UTC (the network's clock has no other calendar); holidays are not known and not skipped.
 */
import { durationMs } from '../util/duration.ts';

const DAY_MS = 86_400_000;

/** The standard proposal expiration, in business days. */
export const DEFAULT_EXPIRATION_BUSINESS_DAYS = 5;
/** Time between a vote's close and its effect, by default. */
export const DEFAULT_EFFECT_DELAY_MS = DAY_MS;

/** `from` plus `days` business days (Saturdays and Sundays do not count), at the same time of day. */
export function addBusinessDays(from: Date, days: number): Date {
  const d = new Date(from.getTime());
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const weekday = d.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return d;
}

/** A vote gate's timing settings, as in the spec. */
export interface GateTiming {
  voteExpiration?: string;
  effectiveAt?: string;
  effectiveAtThreshold?: boolean;
}

export interface VoteTiming {
  /** How long the request stays open. */
  expirationMs: number;
  /** When the vote closes if requested now. */
  voteBefore: Date;
  /** When the accepted action takes effect; undefined: as soon as the threshold is reached. */
  effectiveAt: Date | undefined;
}

/** The timing of a vote requested at `now`. */
export function voteTiming(gate: GateTiming, now: Date): VoteTiming {
  const expirationMs = gate.voteExpiration ? durationMs(gate.voteExpiration) : addBusinessDays(now, DEFAULT_EXPIRATION_BUSINESS_DAYS).getTime() - now.getTime();
  const voteBefore = new Date(now.getTime() + expirationMs);
  const effectiveAt = gate.effectiveAtThreshold ? undefined : gate.effectiveAt ? new Date(gate.effectiveAt) : new Date(voteBefore.getTime() + DEFAULT_EFFECT_DELAY_MS);
  return { expirationMs, voteBefore, effectiveAt };
}

/** "3d4h", "5h", "40m": a coarse duration for messages (hours from a day on, minutes only within the last hour). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h`;
  return `${m}m`;
}

/**
 * The earliest valid effective time of a vote requested now: the ledger requires voteBefore (now + expiration) to be
 * no later than targetEffectiveAt.
 */
export function effectiveTimeProblem(now: Date, expirationMs: number, effectiveAt: Date | undefined, field: string): string | undefined {
  if (!effectiveAt) return undefined;
  const earliest = new Date(now.getTime() + expirationMs);
  if (effectiveAt.getTime() >= earliest.getTime()) return undefined;
  return `${field} (${effectiveAt.toISOString()}) is before the vote would close (${earliest.toISOString()}, now + voteExpiration); the ledger refuses such a request: set it to ${earliest.toISOString()} or later, or shorten voteExpiration`;
}
