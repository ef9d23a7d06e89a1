/**
 * Turning API server answers into errors without trusting their bodies. Between the operator and the API server there
 * may be proxies and load balancers that answer with an HTML page (a 502 or 503 during an upgrade), or a body cut
 * short; none of that may crash the client or end up in logs, Events or status. A JSON `Status` gives its reason
 * and (bounded, printable) message; anything else gives the HTTP code and reason phrase and the body's type and size.
 */
import { STATUS_CODES } from 'node:http';

/** An error answer of the API server, with its HTTP code and `Status.reason` (NotFound, Conflict, AlreadyExists, …). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

/** A watch on which no data (not even a bookmark) arrived for too long: the connection is presumed dead. */
export class WatchInactiveError extends KubeApiError {
  constructor(ms: number) {
    super(0, 'WatchInactive', `no watch data for ${ms} ms`);
    this.name = 'WatchInactiveError';
  }
}

/** Longest message taken from a Status body. */
const MAX_MESSAGE = 300;

/** Printable single-line text: control characters become spaces, runs of blanks one space, bounded length. */
export function printable(text: string, max = MAX_MESSAGE): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

const isJson = (contentType: string) => /^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim()) || contentType.trim() === '';

function describeBody(contentType: string, text: string): string {
  const type = printable(contentType.split(';')[0] || 'no content type', 60);
  return `${type} body of ${Buffer.byteLength(text)} bytes`;
}

/** Reason word for an HTTP code: BadGateway for 502, ServiceUnavailable for 503… (HTTP<code> when unknown). */
function reasonWord(code: number): string {
  const phrase = STATUS_CODES[code];
  return phrase ? phrase.replace(/[^A-Za-z]/g, '') : `HTTP${code}`;
}

/**
 * The error for an answer with status `code`: a `Status` object's reason and message when the body is one, else the
 * HTTP reason phrase and what the body was (never the body itself).
 */
export function errorFromBody(code: number, contentType: string, text: string): KubeApiError {
  const phrase = STATUS_CODES[code] ?? 'error';
  if (isJson(contentType) && text.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const st = parsed as { reason?: unknown; message?: unknown };
      const reason = typeof st.reason === 'string' && /^[A-Za-z]{1,64}$/.test(st.reason) ? st.reason : reasonWord(code);
      const message = typeof st.message === 'string' && st.message.trim() ? printable(st.message) : `HTTP ${code} ${phrase}`;
      return new KubeApiError(code, reason, message);
    }
  }
  const what = text ? describeBody(contentType, text) : 'no body';
  return new KubeApiError(code, reasonWord(code), `HTTP ${code} ${phrase} from the API server or a proxy in front of it (${what})`);
}

/** The JSON of a successful answer; a body that is not JSON (an HTML page from a proxy) is an error, not a crash. */
export function parseJsonBody(code: number, contentType: string, text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new KubeApiError(502, 'InvalidResponse', `HTTP ${code} answer that is not JSON (${describeBody(contentType, text)})`);
  }
}
