/**
 * Lightbend Config (com.typesafe:config, the HOCON parser Canton itself uses) as a test oracle: one JVM per test file
 * runs test/env/lightbend/HoconToJson.java and answers parse requests over stdin/stdout. scripts/lightbend-oracle.sh
 * fetches the jar from Maven Central into the cache folder and compiles the program (once).
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { REPO_ROOT } from './binaries.ts';

/** What Lightbend Config made of a text: the parsed (and resolved) root object, or its error message. */
export type OracleResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

function oracleClasspath(): string {
  const out = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'lightbend-oracle.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60 * 1000 });
  const line = out.split('\n').find((l) => l.startsWith('CLASSPATH='));
  if (!line) throw new Error('scripts/lightbend-oracle.sh printed no CLASSPATH');
  return line.slice('CLASSPATH='.length);
}

/** A running oracle process; requests are answered in order. */
export class LightbendOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  private constructor(classpath: string) {
    this.child = spawn('java', ['-Xss4m', '-cp', classpath, 'HoconToJson'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ ok: false, error: `oracle exited with ${code}: ${this.stderr}` }));
    });
  }

  /** Starts the oracle (fetching and compiling it first when the cache lacks it). */
  static start(): LightbendOracle {
    return new LightbendOracle(oracleClasspath());
  }

  /** Parses `text` with Lightbend Config. */
  parse(text: string): Promise<OracleResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        try {
          resolve(JSON.parse(line) as OracleResult);
        } catch (err) {
          reject(new Error(`oracle answered ${line}: ${(err as Error).message}`));
        }
      });
      // One JSON string literal per line: JSON.stringify escapes line breaks (and U+2028/9 are fine for HOCON).
      this.child.stdin.write(`${JSON.stringify(text)}\n`);
    });
  }

  /** Stops the JVM. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin.end();
    await exited;
  }
}
