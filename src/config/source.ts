// A YAML file parsed with its source positions kept, so that every later
// error can say "file:line:col".
import { LineCounter, parseDocument, isMap, isNode, isPair, isScalar, type Document, type Node } from 'yaml';
import { InputError } from '../errors.js';
import { checkYaml, YamlCheckError } from './yaml-checks.js';

export type YamlPath = (string | number)[];

export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  data: unknown;
}

export function parseSource(file: string, text: string): SourceFile {
  const lines = new LineCounter();
  // Duplicate keys and aliases are checkYaml's: the library's checks of them are quadratic.
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => `${position({ file, lines }, e.pos[0])}: YAML syntax error: ${e.message.split('\n')[0]}`),
      'yaml-syntax',
    );
  }
  try {
    checkYaml(doc);
  } catch (error) {
    if (error instanceof YamlCheckError) throw new InputError([`${position({ file, lines }, error.offset)}: ${error.message}`], 'yaml-syntax');
    throw error;
  }
  // Off: checkYaml bounded the aliases, and the library's bound refuses any anchor named over 100 times.
  return { file, doc, lines, data: doc.toJS({ maxAliasCount: -1 }) };
}

function position(source: Pick<SourceFile, 'file' | 'lines'>, offset: number): string {
  const { line, col } = source.lines.linePos(offset);
  return `${source.file}:${line}:${col}`;
}

/**
 * "file:line:col" of the value at `path`, or of its key when `key` is set.
 * Falls back to the deepest existing ancestor, so a missing key points at
 * the map that should hold it.
 */
export function locate(source: SourceFile, path: YamlPath, key = false): string {
  let node: unknown = source.doc.contents;
  for (let i = 0; i < path.length; i++) {
    if (!isNode(node) || !('items' in node)) break;
    const items = (node as { items: unknown[] }).items;
    const step = path[i];
    let next: unknown;
    if (isMap(node)) {
      const pair = items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
      if (!pair || !isPair(pair)) break;
      if (key && i === path.length - 1 && isNode(pair.key) && pair.key.range) return position(source, pair.key.range[0]);
      next = pair.value;
    } else {
      next = typeof step === 'number' ? items[step] : undefined;
    }
    if (!isNode(next)) break;
    node = next;
  }
  const range = (node as Node | null)?.range;
  return position(source, range ? range[0] : 0);
}
