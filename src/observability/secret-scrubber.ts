/**
 * Defence in depth against leaking secrets: every secret value the operator reads or generates is registered here,
 * and everything it writes out (log lines, Event messages, condition messages) passes through `scrub`, which replaces
 * any registered value — raw, base64, base64url or hex — with `[REDACTED]`. The code is written never to put a
 * secret there in the first place; this catches the case where it does by mistake.
 */

const MIN_LENGTH = 8;
export const REDACTED = '[REDACTED]';

/**
 * Windows of MIN_LENGTH characters are looked up by a rolling polynomial hash (Rabin–Karp): one multiplication per
 * text position and a look-up by a small integer, where a string key would take a new string and its hash at every
 * position. Equal hashes of different windows only cost a `startsWith` that fails.
 */
const BASE = 31;
/** BASE ** (MIN_LENGTH - 1), in 32-bit arithmetic: the weight of the character that leaves the window. */
const LEAVING = Array.from({ length: MIN_LENGTH - 1 }).reduce<number>((p) => Math.imul(p, BASE), 1);
/** Look-up keys are kept to 30 bits: small integers to V8 (no heap number per key). */
const KEY_MASK = 0x3fffffff;

/** The 32-bit hash of the window of `text` at `start`. */
function windowHash(text: string, start: number): number {
  let h = 0;
  for (let k = start; k < start + MIN_LENGTH; k++) h = (Math.imul(h, BASE) + text.charCodeAt(k)) | 0;
  return h;
}

/** A registered form of a secret, found through the MIN_LENGTH characters at `offset` (its anchor). */
interface Needle {
  text: string;
  offset: number;
}

export class SecretScrubber {
  /**
   * Needles by their anchor: scrubbing costs one map look-up per text position, whatever N. The anchor is not a
   * needle's start: keys of one type begin alike (a PKCS#8 header is the first 36 bytes of every P-256 key, so 48
   * characters of its base64 and 72 of its hex), and anchors at the start put every key of a type into one list, which
   * each registration and each match then walked: quadratic in the number of migrations (see anchorOf).
   */
  private readonly byAnchor = new Map<number, Needle[]>();
  /**
   * Strings registered already (the operator registers the secrets it reads at every reconcile, and working out their
   * encodings again each time was a noticeable share of its CPU), and the needles made of them.
   */
  private readonly registered = new Set<string>();
  private readonly needles = new Set<string>();

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
      // Printable text (a PEM key with its line breaks, a token): as it would be logged.
      if (/^[\x20-\x7e\t\r\n]+$/.test(decoded.toString('latin1'))) forms.push(decoded.toString('latin1'));
    }
    for (const f of forms) {
      const text = f.replace(/=+$/, '');
      if (text.length < MIN_LENGTH || this.needles.has(text)) continue;
      this.needles.add(text);
      const { offset, anchor } = this.anchorOf(text);
      const list = this.byAnchor.get(anchor);
      if (list) list.push({ text, offset });
      else this.byAnchor.set(anchor, [{ text, offset }]);
    }
  }

  /**
   * Where in `text` to take its anchor, and the anchor's look-up key: of a few places (the middle, three quarters, a quarter, the end, the start),
   * the one whose anchor leads to the fewest needles so far. Keys of one type share more than their header (a P-256
   * key's DER has the public key's header in its middle), so no one place is distinctive for every kind of secret.
   */
  private anchorOf(text: string): { offset: number; anchor: number } {
    const last = text.length - MIN_LENGTH;
    let best = { offset: 0, anchor: 0 };
    let fewest = Number.POSITIVE_INFINITY;
    for (const offset of [last >> 1, (last * 3) >> 2, last >> 2, last, 0]) {
      const anchor = windowHash(text, offset) & KEY_MASK;
      const n = this.byAnchor.get(anchor)?.length ?? 0;
      if (n === 0) return { offset, anchor };
      if (n < fewest) [best, fewest] = [{ offset, anchor }, n];
    }
    return best;
  }

  get size(): number {
    return this.needles.size;
  }

  /** The most needles one anchor leads to (how much a match may have to try). */
  get largestAnchorList(): number {
    let largest = 0;
    for (const list of this.byAnchor.values()) largest = Math.max(largest, list.length);
    return largest;
  }

  /**
   * Replaces every registered needle in `text` with REDACTED. Where found needles overlap (one extends another, or
   * two share characters), their union is replaced: no character of any of them is left.
   */
  scrub(text: string): string {
    if (this.needles.size === 0 || text.length < MIN_LENGTH) return text;
    let found: [start: number, end: number][] | undefined;
    let h = windowHash(text, 0);
    for (let i = 0; i + MIN_LENGTH <= text.length; i++) {
      if (i > 0) h = (Math.imul(h - Math.imul(text.charCodeAt(i - 1), LEAVING), BASE) + text.charCodeAt(i + MIN_LENGTH - 1)) | 0;
      const candidates = this.byAnchor.get(h & KEY_MASK);
      if (!candidates) continue;
      for (const { text: needle, offset } of candidates) {
        const start = i - offset;
        if (start >= 0 && text.startsWith(needle, start)) (found ??= []).push([start, start + needle.length]);
      }
    }
    if (!found) return text;
    found.sort((a, b) => a[0] - b[0]);
    let out = '';
    let copied = 0;
    let [start, end] = found[0]!;
    for (const [s, e] of found.slice(1)) {
      if (s < end) {
        end = Math.max(end, e);
        continue;
      }
      out += text.slice(copied, start) + REDACTED;
      copied = end;
      [start, end] = [s, e];
    }
    return out + text.slice(copied, start) + REDACTED + text.slice(end);
  }
}

/** The process-wide scrubber the logger, the event recorder and the status writer use. */
export const secretScrubber = new SecretScrubber();
