/**
 * Summarizes a V8 heap snapshot (`npm run bench -- --heap-snapshot` writes one of the restarted operator): self size
 * by node type, and by constructor for objects, largest first. String contents are never printed (a snapshot of a
 * real operator holds secrets). Usage: node bench/heap-summary.ts FILE.heapsnapshot [top]
 */
import { readFileSync } from 'node:fs';

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
  let totalBytes = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? 'unknown';
    const bytes = snapshot.nodes[i + sizeAt]!;
    totalBytes += bytes;
    add(byType, type, bytes);
    if (type === 'object' || type === 'closure' || type === 'array') add(byConstructor, `${type === 'object' ? '' : `(${type}) `}${snapshot.strings[snapshot.nodes[i + nameAt]!]}`, bytes);
  }
  return { totalBytes, byType: grouped(byType), byConstructor: grouped(byConstructor) };
}

export function formatHeapSummary(s: HeapSummary, top: number): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(2).padStart(8);
  const table = (title: string, groups: HeapGroup[]) =>
    [`${title}`, ...groups.slice(0, top).map((g) => `${mb(g.bytes)} MB  ${String(g.count).padStart(9)}  ${g.name.slice(0, 100)}`)].join('\n');
  return [`Heap: ${mb(s.totalBytes).trim()} MB of self sizes`, '', table('By node type (MB, count)', s.byType), '', table('By constructor (MB, count)', s.byConstructor)].join('\n');
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node bench/heap-summary.ts FILE.heapsnapshot [top]\n');
    process.exitCode = 2;
  } else {
    process.stdout.write(formatHeapSummary(summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot), Number(top ?? 30)) + '\n');
  }
}
