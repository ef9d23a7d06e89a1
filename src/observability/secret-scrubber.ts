/**
 * Defence in depth against leaking secrets: every secret value the operator reads or generates is registered here,
 * and everything it writes out (log lines, Event messages, condition messages) passes through `scrub`, which replaces
 * any registered value — raw, base64, base64url or hex — with `[REDACTED]`. The code is written never to put a
 * secret there in the first place; this catches the case where it does by mistake.
 */

const MIN_LENGTH = 8;
export const REDACTED = '[REDACTED]';

export class SecretScrubber {
  private readonly needles = new Set<string>();
  private pattern?: RegExp;

  /** Registers a secret (string or raw bytes) in all the encodings it could appear in. */
  register(secret: string | Uint8Array): void {
    const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
    const forms = [bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
    if (typeof secret === 'string') forms.push(secret);
    // A base64 string's decoded bytes are the secret too (Kubernetes Secret data is base64).
    if (typeof secret === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(secret) && secret.length % 4 === 0) {
      const decoded = Buffer.from(secret, 'base64');
      forms.push(decoded.toString('hex'));
      if (/^[\x20-\x7e]+$/.test(decoded.toString('latin1'))) forms.push(decoded.toString('latin1'));
    }
    let added = false;
    for (const f of forms) {
      const clean = f.replace(/=+$/, '');
      if (clean.length >= MIN_LENGTH && !this.needles.has(clean)) {
        this.needles.add(clean);
        added = true;
      }
    }
    if (added) this.pattern = undefined;
  }

  get size(): number {
    return this.needles.size;
  }

  scrub(text: string): string {
    if (this.needles.size === 0 || text.length < MIN_LENGTH) return text;
    this.pattern ??= new RegExp(
      [...this.needles]
        .sort((a, b) => b.length - a.length)
        .map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }
}

/** The process-wide scrubber the logger, the event recorder and the status writer use. */
export const secretScrubber = new SecretScrubber();
