// What a path is, in words, for the messages that refuse it: an experiment
// file must be a regular file, an output folder a folder.
import type { Stats } from 'node:fs';

export function kindOf(stats: Stats): string {
  if (stats.isFile()) return 'a regular file';
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'a symbolic link';
}
