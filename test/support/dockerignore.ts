/**
 * Which paths a .dockerignore keeps out of the build context: patterns relative to the context root with `*`, `?`
 * and `**`, `!` exceptions, the last matching pattern winning; a pattern matching a folder covers everything in it.
 * (Docker's rules, minus character classes, which the repository's .dockerignore does not use.)
 */

/** One .dockerignore line: exclude (or `!` re-include) the paths its pattern matches. */
export interface Rule {
  exclude: boolean;
  regex: RegExp;
}

function globToRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of folders (including none); a trailing `**` matches everything below.
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A match on a folder covers its contents.
  return new RegExp(`^${re}(?:/.*)?$`);
}

/** Reads .dockerignore text into rules. */
export function parseDockerignore(text: string): Rule[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const exclude = !l.startsWith('!');
      const pattern = (exclude ? l : l.slice(1)).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclude, regex: globToRegex(pattern) };
    });
}

/** Whether `path` (relative to the context root, `/`-separated) is left out of the build context. */
export function isIgnored(rules: Rule[], path: string): boolean {
  let ignored = false;
  for (const r of rules) if (r.regex.test(path)) ignored = r.exclude;
  return ignored;
}
