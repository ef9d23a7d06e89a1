#!/usr/bin/env node
// kubectl plugin entry: with this file on PATH (npm installs it as `kubectl-sv_kms`), `kubectl sv-kms <command>` runs
// `sv-kms <command>` (kubectl maps the dash of a plugin name to an underscore in the file name). docs/install.md.
await import('./sv-kms.js');
