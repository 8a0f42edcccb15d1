// Writes a CSV so that readers see either the old file or the complete new
// one, never a torn write: an interrupted merge must not leave half a file
// that a later resume or compare would trust.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { storing } from './storing.js';

export async function writeCsvAtomically(file: string, header: string[], rows: Record<string, string>[]): Promise<void> {
  const text = stringify(rows, { header: true, columns: header });
  // Same directory, so the rename cannot cross file systems.
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await storing(file, async () => {
    try {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  });
}
