/**
 * The secret scrubber at N migrations: registering their keys (two P-256 keys each, as Kubernetes Secret data: the
 * base64 of the PEM text) and scrubbing a log-line-sized text against them. Every such key begins with the same
 * PKCS#8 header, which made registering quadratic before the scrubber's anchors (docs/performance.md, fifth pass).
 * Usage: node bench/scrubber.ts [N=1000] [scrubs=100000]
 */
import { generateKeyPairSync } from 'node:crypto';
import { SecretScrubber } from '../src/observability/secret-scrubber.ts';

const [n = 1000, scrubs = 100_000] = process.argv.slice(2).map(Number);
const keys = Array.from({ length: 2 * n }, () => Buffer.from(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string).toString('base64'));
const scrubber = new SecretScrubber();
let started = performance.now();
for (const key of keys) scrubber.register(key);
const registerMs = performance.now() - started;
const text = `Reconciled ns-1/to-aws: values rendered, ConfigMap to-aws-participant-values updated (sha256 ${'d2597379'.repeat(8)})`;
started = performance.now();
for (let i = 0; i < scrubs; i++) scrubber.scrub(text);
const scrubMs = performance.now() - started;
process.stdout.write(
  `${keys.length} keys (${scrubber.size} needles, at most ${scrubber.largestAnchorList} per anchor): registered in ${registerMs.toFixed(0)} ms; ` +
    `${scrubs} scrubs of ${text.length} characters in ${scrubMs.toFixed(0)} ms (${((scrubMs * 1000) / scrubs).toFixed(2)} µs each)\n`,
);
