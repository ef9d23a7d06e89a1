/**
 * Summarizes a V8 CPU profile (`node --cpu-prof`, as `npm run bench -- --cpu-profile` writes for the operator): self
 * time by function and by package/module, top entries. Usage: node bench/profile-summary.ts FILE.cpuprofile [top]
 * [--until-ms MS] (only the first MS ms of the profile, e.g. a restarted operator's time to ready: the profile starts
 * with the process).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** "pkg" for node_modules paths, the repo-relative path otherwise. */
function moduleOf(url: string): string {
  if (!url) return '(native/idle/gc)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, '');
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'until-ms': { type: 'string' } } });
const [file, topRaw] = positionals;
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.ts FILE.cpuprofile [top] [--until-ms MS]\n');
  process.exit(2);
}
const top = Number(topRaw ?? 20);
const untilMs = values['until-ms'] === undefined ? Number.POSITIVE_INFINITY : Number(values['until-ms']);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
let atMs = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  atMs += ms;
  if (atMs <= untilMs) selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
});
const totalMs = Math.min(untilMs, (profile.endTime - profile.startTime) / 1000);
const byFunction = new Map<string, number>();
const byModule = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const f = byId.get(id)!.callFrame;
  const fn = `${f.functionName || '(anonymous)'}  ${moduleOf(f.url)}:${f.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  byModule.set(moduleOf(f.url), (byModule.get(moduleOf(f.url)) ?? 0) + ms);
}
const print = (title: string, m: Map<string, number>) => {
  process.stdout.write(`\n${title} (self time, of ${totalMs.toFixed(0)} ms profiled)\n`);
  for (const [k, ms] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / totalMs).toFixed(1).padStart(5)}%  ${k}\n`);
};
print('By module', byModule);
print('By function', byFunction);
