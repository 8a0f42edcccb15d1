// `run-experiments merge`: joins the shard files of one experiment into one
// results file and writes its summary next to it.
import { resolve } from 'node:path';
import type { CommandDefinition } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { mergeResults } from '../results/merge.js';
import { readResultsCsv } from '../results/read-csv.js';
import { summaryPathFor, writeSummaryCsv } from '../results/summary.js';
import { writeCsvAtomically } from '../results/write-atomic.js';

export const merge: CommandDefinition = {
  name: 'merge',
  usage: 'run-experiments merge <results.csv>... -o <out.csv>',
  details:
    'All files must hold the same experiment and the same columns, and no run id may appear twice. Files written ' +
    'with --shard I/N must together hold every shard 1..N with all of its runs, unless --allow-partial. Rows are ' +
    'sorted by point and repeat. The summary goes to <out>.summary.csv next to the output.',
  options: [
    { name: 'out', short: 'o', value: 'FILE', description: 'the merged results file (required)' },
    { name: 'allow-partial', description: 'merge even when shards are missing or incomplete' },
  ],
  async run(args, io) {
    const out = args.options.out;
    if (typeof out !== 'string') throw new UsageError('merge: -o/--out FILE is required');
    if (args.positionals.length === 0) throw new UsageError('merge: expected at least one results file');
    const tables = await Promise.all(args.positionals.map((file) => readResultsCsv(resolve(io.cwd, file))));
    const merged = mergeResults(tables, { allowPartial: args.options['allow-partial'] === true });
    const outPath = resolve(io.cwd, out);
    await writeCsvAtomically(outPath, merged.header, merged.rows);
    await writeSummaryCsv(outPath, summaryPathFor(outPath));
    io.stdout.write(`merged ${merged.rows.length} rows from ${tables.length} files into ${out}\n`);
    return 0;
  },
};
