/**
 * Exact arithmetic on Daml Decimal amounts (strings with up to 10 fractional digits): no floating point ever touches
 * an Amulet balance.
 */
const SCALE = 10;

function toUnits(text: string): bigint {
  const m = /^(-?)([0-9]+)(?:\.([0-9]+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal amount: ${JSON.stringify(text)}`);
  const frac = (m[3] ?? '').slice(0, SCALE).padEnd(SCALE, '0');
  const units = BigInt(m[2]!) * 10n ** BigInt(SCALE) + BigInt(frac);
  return m[1] === '-' ? -units : units;
}

function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / 10n ** BigInt(SCALE);
  const frac = (abs % 10n ** BigInt(SCALE)).toString().padStart(SCALE, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function decimalCompare(a: string, b: string): number {
  const d = toUnits(a) - toUnits(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** a − b, exactly. */
export function decimalSubtract(a: string, b: string): string {
  return fromUnits(toUnits(a) - toUnits(b));
}
