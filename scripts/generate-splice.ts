// Writes src/splice/generated/ from the upstream Splice OpenAPI files of every supported version (see splice-codegen.ts).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GENERATED_DIR, renderAll, repoPath } from './splice-codegen.ts';

const files = await renderAll();
rmSync(repoPath(GENERATED_DIR), { recursive: true, force: true });
for (const [rel, text] of files) {
  mkdirSync(dirname(repoPath(rel)), { recursive: true });
  writeFileSync(repoPath(rel), text);
}
console.log(`wrote ${files.size} files under ${GENERATED_DIR}`);
