/**
 * Runs Lua scripts in tests: finds a real interpreter (`lua5.4` or `lua`, Debian package lua5.4) and writes JSON
 * values as Lua table literals, so a script can get its input without a Lua JSON library.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The Lua interpreters looked for on PATH, in order. */
export const LUA_NAMES = ['lua5.4', 'lua'] as const;

/** The path of a Lua interpreter on PATH; throws a message naming the package to install when there is none. */
export function findLua(path = process.env.PATH ?? ''): string {
  for (const name of LUA_NAMES) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  throw new Error(
    `no Lua interpreter on PATH (looked for ${LUA_NAMES.join(', ')}): install the Debian package lua5.4 ` +
      '(`apt-get update && apt-get install -y lua5.4`); .ci/run does this on CI machines',
  );
}

/** A Lua string literal: printable ASCII as is, everything else as decimal byte escapes (`\ddd`), UTF-8 kept intact. */
function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === '\\') out += `\\${c}`;
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += `\\${byte.toString().padStart(3, '0')}`;
  }
  return `${out}"`;
}

/**
 * The Lua literal of a JSON value: objects become tables with `["key"] = value` fields, arrays 1-based sequences,
 * null an absent field (as Argo CD's JSON-to-Lua conversion leaves it out). Nulls inside arrays are refused: a Lua
 * sequence cannot hold nil.
 */
export function toLuaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return luaString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as a Lua number`);
    return Number.isInteger(value) ? value.toFixed(0) : String(value);
  }
  if (Array.isArray(value)) {
    if (value.some((v) => v === null || v === undefined)) throw new Error('a Lua sequence cannot hold nil');
    return `{${value.map(toLuaLiteral).join(', ')}}`;
  }
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `[${luaString(k)}] = ${toLuaLiteral(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`cannot write a ${typeof value} as Lua`);
}

/** What an Argo CD health script returned. */
export interface LuaHealth {
  status: string;
  message: string;
  /** The fields of the returned table, sorted (Argo CD reads status and message only). */
  fields: string[];
}

/**
 * Runs an Argo CD health script (e.g. deploy/argocd/health.lua) with the interpreter `lua` and the global `obj` set
 * to `object`, as Argo CD does, through a small driver that prints the returned table.
 */
export function luaHealth(lua: string, script: string, object: unknown): LuaHealth {
  const dir = mkdtempSync(join(tmpdir(), 'svkms-lua-'));
  try {
    const driver = join(dir, 'driver.lua');
    writeFileSync(
      driver,
      [
        `obj = ${toLuaLiteral(object)}`,
        `local hs = dofile(${toLuaLiteral(script)})`,
        'local fields = {}',
        'for k, _ in pairs(hs) do fields[#fields + 1] = k end',
        'table.sort(fields)',
        'io.write(tostring(hs.status), "\\0", tostring(hs.message), "\\0", table.concat(fields, ","))',
      ].join('\n'),
    );
    const [status, message, fields] = execFileSync(lua, [driver], { encoding: 'utf8' }).split('\0');
    return { status: status!, message: message!, fields: fields!.split(',') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
