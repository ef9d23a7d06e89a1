/**
 * Summarizes a V8 heap snapshot (`npm run bench -- --heap-snapshot` writes one of the restarted operator): self size
 * by node type, by constructor for objects, and the strings held more than once (what interning them would save),
 * largest first. String contents are not printed (a snapshot of a real operator holds secrets) unless asked for with
 * --show-strings, for a benchmark's snapshot, whose keys are throwaway.
 * Usage: node bench/heap-summary.ts FILE.heapsnapshot [top] [--show-strings]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

export interface HeapSummary {
  totalBytes: number;
  byType: HeapGroup[];
  /** Objects (and closures, arrays) by constructor name. */
  byConstructor: HeapGroup[];
  /** Strings whose content another string of the heap has too, by content; `bytes` is what all copies but one take. */
  duplicated: HeapGroup[];
}

function grouped(map: Map<string, HeapGroup>): HeapGroup[] {
  return [...map.values()].sort((a, b) => b.bytes - a.bytes);
}

function add(map: Map<string, HeapGroup>, name: string, bytes: number): void {
  const g = map.get(name) ?? { name, count: 0, bytes: 0 };
  g.count += 1;
  g.bytes += bytes;
  map.set(name, g);
}

/** Self sizes of a snapshot's nodes, grouped. */
export function summarizeHeap(snapshot: HeapSnapshot): HeapSummary {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number];
  const byType = new Map<string, HeapGroup>();
  const byConstructor = new Map<string, HeapGroup>();
  // The snapshot's string table holds each content once: equal strings have the same name index.
  const strings = new Map<number, HeapGroup>();
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? 'unknown';
    const bytes = snapshot.nodes[i + sizeAt]!;
    totalBytes += bytes;
    add(byType, type, bytes);
    if (type === 'object' || type === 'closure' || type === 'array') add(byConstructor, `${type === 'object' ? '' : `(${type}) `}${snapshot.strings[snapshot.nodes[i + nameAt]!]}`, bytes);
    if (type === 'string') {
      const name = snapshot.nodes[i + nameAt]!;
      const g = strings.get(name) ?? { name: snapshot.strings[name]!, count: 0, bytes: 0 };
      g.count += 1;
      g.bytes += bytes;
      strings.set(name, g);
    }
  }
  const duplicated = [...strings.values()].filter((g) => g.count > 1).map((g) => ({ ...g, bytes: g.bytes - g.bytes / g.count }));
  return { totalBytes, byType: grouped(byType), byConstructor: grouped(byConstructor), duplicated: duplicated.sort((a, b) => b.bytes - a.bytes) };
}

export function formatHeapSummary(s: HeapSummary, top: number, showStrings = false): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(2).padStart(8);
  const table = (title: string, groups: HeapGroup[], label: (g: HeapGroup) => string = (g) => g.name.slice(0, 100)) =>
    [`${title}`, ...groups.slice(0, top).map((g) => `${mb(g.bytes)} MB  ${String(g.count).padStart(9)}  ${label(g)}`)].join('\n');
  const wasted = s.duplicated.reduce((a, g) => a + g.bytes, 0);
  const copies = s.duplicated.reduce((a, g) => a + g.count, 0);
  const content = (g: HeapGroup) => (showStrings ? JSON.stringify(g.name.slice(0, 100)) : `(${g.name.length} characters; --show-strings prints them)`);
  return [
    `Heap: ${mb(s.totalBytes).trim()} MB of self sizes`,
    '',
    table('By node type (MB, count)', s.byType),
    '',
    table('By constructor (MB, count)', s.byConstructor),
    '',
    table(`Strings held more than once: ${copies} copies of ${s.duplicated.length} contents, ${mb(wasted).trim()} MB in all but one copy of each (MB, copies)`, s.duplicated, content),
  ].join('\n');
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'show-strings': { type: 'boolean' } } });
  const [file, top] = positionals;
  if (!file) {
    process.stderr.write('usage: node bench/heap-summary.ts FILE.heapsnapshot [top] [--show-strings]\n');
    process.exitCode = 2;
  } else {
    process.stdout.write(formatHeapSummary(summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot), Number(top ?? 30), values['show-strings']) + '\n');
  }
}
