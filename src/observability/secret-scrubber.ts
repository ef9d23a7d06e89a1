/**
 * Defence in depth against leaking secrets: every secret value the operator reads or generates is registered here,
 * and everything it writes out (log lines, Event messages, condition messages) passes through `scrub`, which replaces
 * any registered value — raw, base64, base64url or hex — with `[REDACTED]`. The code is written never to put a
 * secret there in the first place; this catches the case where it does by mistake.
 */

const MIN_LENGTH = 8;
export const REDACTED = '[REDACTED]';

export class SecretScrubber {
  /** Needles by their first MIN_LENGTH characters: scrubbing costs one map look-up per text position, whatever N. */
  private readonly byPrefix = new Map<string, string[]>();
  private count = 0;
  /**
   * Strings registered already: the operator registers the secrets it reads at every reconcile, and working out their
   * encodings again each time was a noticeable share of its CPU.
   */
  private readonly registered = new Set<string>();

  /** Registers a secret (string or raw bytes) in all the encodings it could appear in. */
  register(secret: string | Uint8Array): void {
    if (typeof secret === 'string') {
      if (this.registered.has(secret)) return;
      this.registered.add(secret);
    }
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    const forms = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
    if (typeof secret === 'string') forms.push(secret);
    // A base64 string's decoded bytes are the secret too (Kubernetes Secret data is base64).
    if (typeof secret === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(secret) && secret.length % 4 === 0) {
      const decoded = Buffer.from(secret, 'base64');
      forms.push(decoded.toString('hex'));
      if (/^[\x20-\x7e]+$/.test(decoded.toString('latin1'))) forms.push(decoded.toString('latin1'));
    }
    for (const f of forms) {
      const needle = f.replace(/=+$/, '');
      if (needle.length < MIN_LENGTH) continue;
      const prefix = needle.slice(0, MIN_LENGTH);
      const list = this.byPrefix.get(prefix) ?? [];
      if (list.includes(needle)) continue;
      list.push(needle);
      // Longest first, so a needle that extends another is replaced whole.
      list.sort((a, b) => b.length - a.length);
      this.byPrefix.set(prefix, list);
      this.count += 1;
    }
  }

  get size(): number {
    return this.count;
  }

  scrub(text: string): string {
    if (this.count === 0 || text.length < MIN_LENGTH) return text;
    let out = '';
    let copied = 0;
    for (let i = 0; i + MIN_LENGTH <= text.length; ) {
      const candidates = this.byPrefix.get(text.slice(i, i + MIN_LENGTH));
      const hit = candidates?.find((n) => text.startsWith(n, i));
      if (hit) {
        out += text.slice(copied, i) + REDACTED;
        i += hit.length;
        copied = i;
      } else {
        i += 1;
      }
    }
    return copied === 0 ? text : out + text.slice(copied);
  }
}

/** The process-wide scrubber the logger, the event recorder and the status writer use. */
export const secretScrubber = new SecretScrubber();
