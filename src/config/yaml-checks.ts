// What the yaml library checks slowly or not at all, done in one walk of the
// parsed document in file order, so that its cost grows with the file:
// - duplicate keys: the library's own check (uniqueKeys) compares each key
//   with every earlier key of its map; 40,000 keys took 12 s.
// - aliases: each needs an anchor before it and may not stand inside the
//   value it names (the data would be circular), and together they may not
//   expand the data beyond MAX_VALUES. toJS shares an anchored value rather
//   than copying it, but every later walk of the data (validation, sweep
//   exclusions, run ids) sees the expansion, which an alias "bomb" makes
//   billions of values long. The library's own bound (maxAliasCount) trips
//   on any anchor named over 100 times, and resolves each alias by scanning
//   every anchor before it, so MAX_ALIASES bounds that too.
import { isAlias, isCollection, isMap, isNode, isPair, isScalar, type Alias, type Document, type Node, type YAMLMap } from 'yaml';

/** Aliases in one file; experiment files use a few, if any. */
const MAX_ALIASES = 1000;

/** Values (scalars and collections) of the data with every alias expanded; a 1 MiB file without aliases holds at most about 500,000. */
const MAX_VALUES = 1_000_000;

/** A problem found by the walk, at a byte offset of the file. */
export class YamlCheckError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const offsetOf = (node: Node): number => node.range?.[0] ?? 0;

function checkUniqueKeys(map: YAMLMap): void {
  const seen = new Set<string>();
  for (const pair of map.items) {
    if (!isScalar(pair.key)) continue;
    // As property names: 1 and "1" are one key once the data is made, and the later would silently win.
    const key = String(pair.key.value);
    if (seen.has(key)) throw new YamlCheckError(`duplicate key "${key}"`, offsetOf(pair.key));
    seen.add(key);
  }
}

/** Throws a YamlCheckError for the first problem, in file order. */
export function checkYaml(doc: Document.Parsed): void {
  const anchored = new Map<string, Node>();
  /** Values each anchored node stands for, set once its walk is over: an alias met before then is inside it. */
  const sizes = new Map<Node, number>();
  let values = 0;
  let aliases = 0;

  function expand(alias: Alias): void {
    const where = offsetOf(alias);
    if (++aliases > MAX_ALIASES) throw new YamlCheckError(`more than ${MAX_ALIASES} aliases in one file`, where);
    const target = anchored.get(alias.source);
    if (target === undefined) throw new YamlCheckError(`alias *${alias.source} has no anchor &${alias.source} before it`, where);
    const size = sizes.get(target);
    if (size === undefined) throw new YamlCheckError(`alias *${alias.source} stands inside the value it names`, where);
    // Without aliases a file cannot reach the bound, so it is crossed here or nowhere.
    values += size;
    if (values > MAX_VALUES) throw new YamlCheckError(`aliases expand the data to more than ${MAX_VALUES} values (an alias bomb?)`, where);
  }

  function walk(node: unknown): void {
    if (isAlias(node)) return expand(node);
    if (!isNode(node)) return;
    const before = values++;
    if (node.anchor) anchored.set(node.anchor, node);
    if (isMap(node)) checkUniqueKeys(node);
    if (isCollection(node)) {
      for (const item of node.items) {
        if (!isPair(item)) walk(item);
        else {
          walk(item.key);
          walk(item.value);
        }
      }
    }
    if (node.anchor) sizes.set(node, values - before);
  }

  walk(doc.contents);
}
