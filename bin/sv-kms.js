#!/usr/bin/env node
// Entry point of the `sv-kms` command. Runs the compiled CLI from dist/ when it was built (the container image),
// otherwise the TypeScript sources directly (Node >= 22.18 strips types).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
const [major, minor] = process.versions.node.split('.').map(Number);
if (!existsSync(compiled) && (major < 22 || (major === 22 && minor < 18))) {
  process.stderr.write(`sv-kms: needs Node.js >= 22.18 to run from source (this is ${process.version}); run it through npm (npx sv-kms), which uses the pinned Node 24, or build it with \`npm run build\`\n`);
  process.exit(3);
}
const entry = existsSync(compiled) ? compiled : join(root, 'src', 'cli', 'main.ts');
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
