/**
 * A small Dockerfile parser for tests: instructions with line continuations, comments, exec (JSON) and shell forms,
 * `--flag=value` options, stages (`FROM image AS name`) with global `ARG` defaults substituted into `FROM`, and
 * `KEY=VALUE` lists (ENV, LABEL, ARG). Enough to check an image's essentials without a Docker engine.
 */

/** One instruction: its keyword (upper case), options, the rest of the line, and the exec form when written so. */
export interface Instruction {
  keyword: string;
  /** `--name=value` options before the arguments (`COPY --from=build`). */
  flags: Record<string, string>;
  /** The arguments after the options, continuation lines joined. */
  args: string;
  /** The exec form (`["node", "x.js"]`), when the arguments are a JSON array of strings. */
  exec?: string[];
  /** 1-based line of the keyword. */
  line: number;
}

/** A build stage. */
export interface Stage {
  /** `AS name`, lower-cased as Docker treats it. */
  name?: string;
  /** The base: an image reference (ARGs substituted) or an earlier stage's name. */
  from: string;
  platform?: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Record<string, string | undefined>;
  stages: Stage[];
}

/** A parse error, with the line it is about. */
export class DockerfileError extends Error {
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'DockerfileError';
  }
}

/** Joins continuation lines (a trailing backslash) and drops comments and blank lines. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let current: { text: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    // Comments are removed before continuation handling, also in the middle of a continued instruction.
    if (trimmed.startsWith('#')) return;
    if (!current && trimmed === '') return;
    const continued = /\\\s*$/.test(raw);
    const part = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.text += ` ${part.trim()}`;
    else current = { text: part.trim(), line: i + 1 };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

/** Splits a line into words, honouring single and double quotes and backslash escapes (quotes removed). */
export function shellWords(s: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) word += s[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      word += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in: ${s}`);
  if (inWord) words.push(word);
  return words;
}

/**
 * `KEY=VALUE` pairs of ENV, LABEL and ARG (quotes removed). The legacy `ENV KEY VALUE` form (one pair, the value
 * being the rest of the line) is accepted too.
 */
export function keyValues(args: string): Record<string, string | undefined> {
  const words = shellWords(args);
  if (words.length >= 2 && !words[0]!.includes('=')) return { [words[0]!]: words.slice(1).join(' ') };
  const out: Record<string, string | undefined> = {};
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq < 0) out[w] = undefined;
    else out[w.slice(0, eq)] = w.slice(eq + 1);
  }
  return out;
}

/** Replaces `$NAME` and `${NAME}` with the given values (unknown names become empty, as Docker does). */
export function substitute(s: string, vars: Record<string, string | undefined>): string {
  return s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '');
}

function parseInstruction(text: string, line: number): Instruction {
  const m = /^(\S+)\s*(.*)$/.exec(text);
  if (!m) throw new DockerfileError(`cannot read "${text}"`, line);
  const keyword = m[1]!.toUpperCase();
  let rest = m[2]!;
  const flags: Record<string, string> = {};
  // Options come first: `--name=value` or `--name` (RUN --mount=..., COPY --from=... --chown=...).
  for (;;) {
    const f = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?\s*/.exec(rest);
    if (!f) break;
    flags[f[1]!] = f[2] ?? 'true';
    rest = rest.slice(f[0].length);
  }
  const instruction: Instruction = { keyword, flags, args: rest.trim(), line };
  if (instruction.args.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(instruction.args);
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) instruction.exec = parsed;
    } catch {
      // Not JSON: Docker runs it in shell form too.
    }
  }
  return instruction;
}

/** Parses a Dockerfile. Throws {@link DockerfileError} for instructions before the first FROM other than ARG. */
export function parseDockerfile(text: string): Dockerfile {
  const result: Dockerfile = { globalArgs: {}, stages: [] };
  for (const { text: lineText, line } of logicalLines(text)) {
    const ins = parseInstruction(lineText, line);
    if (ins.keyword === 'FROM') {
      const words = shellWords(ins.args);
      const [image, as, name] = words;
      if (!image || (as !== undefined && (as.toUpperCase() !== 'AS' || !name)) || words.length > 3) {
        throw new DockerfileError(`FROM needs "image [AS name]", got "${ins.args}"`, line);
      }
      const stage: Stage = { from: substitute(image, result.globalArgs), instructions: [] };
      if (name) stage.name = name.toLowerCase();
      if (ins.flags.platform) stage.platform = ins.flags.platform;
      result.stages.push(stage);
    } else if (result.stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new DockerfileError(`${ins.keyword} before the first FROM`, line);
      Object.assign(result.globalArgs, keyValues(ins.args));
    } else {
      result.stages.at(-1)!.instructions.push(ins);
    }
  }
  return result;
}

/** The instructions of a stage with the given keyword. */
export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword.toUpperCase());
}

/** The ENV (or LABEL, ARG) values a stage sets, later instructions winning. */
export function stageValues(stage: Stage, keyword: 'ENV' | 'LABEL' | 'ARG'): Record<string, string | undefined> {
  return Object.assign({}, ...instructions(stage, keyword).map((i) => keyValues(i.args))) as Record<string, string | undefined>;
}

/**
 * The words of a RUN instruction's shell commands, split at `&&`, `||` and `;` (exec form: one command). An
 * approximation: separators inside quotes split too; the checked Dockerfile has none there.
 */
export function runCommands(ins: Instruction): string[][] {
  if (ins.exec) return [ins.exec];
  const commands: string[][] = [];
  let current: string[] = [];
  for (const w of shellWords(ins.args.replace(/(&&|\|\||;)/g, ' $1 '))) {
    if (w === '&&' || w === '||' || w === ';') {
      if (current.length) commands.push(current);
      current = [];
    } else current.push(w);
  }
  if (current.length) commands.push(current);
  return commands;
}

/** The stage the image is made of: the last one. */
export function finalStage(df: Dockerfile): Stage {
  const stage = df.stages.at(-1);
  if (!stage) throw new Error('the Dockerfile has no FROM');
  return stage;
}

/** The stage named `name` (case-insensitive), or undefined. */
export function stageNamed(df: Dockerfile, name: string): Stage | undefined {
  return df.stages.find((s) => s.name === name.toLowerCase());
}

/** The `npm ...` commands a stage runs (each as its words after `npm`). */
export function npmCommands(stage: Stage): string[][] {
  return instructions(stage, 'RUN')
    .flatMap(runCommands)
    .filter((c) => c[0] === 'npm')
    .map((c) => c.slice(1));
}
