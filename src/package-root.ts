// Files that ship with the package (schemas, bundled guests, the addon) are
// found relative to the package root, wherever the tool is run from.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// This file compiles to dist/package-root.js; the root is one level up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function packagePath(relative: string): string {
  return join(root, relative);
}
