// Reads stats.txt the way gem5's own scripts do: blocks between the
// Begin/End markers, one "name value # description" line per statistic.
export interface Gem5Stat {
  value: number;
  description: string;
}

export function parseGem5Stats(text: string): Map<string, Gem5Stat>[] {
  const blocks: Map<string, Gem5Stat>[] = [];
  let current: Map<string, Gem5Stat> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('---------- Begin Simulation Statistics')) current = new Map();
    else if (line.startsWith('---------- End Simulation Statistics')) {
      if (current) blocks.push(current);
      current = undefined;
    } else if (current && line.trim() !== '') {
      const m = /^(\S+)\s+(\S+)(?:\s+#\s*(.*))?$/.exec(line);
      if (m) current.set(m[1], { value: Number(m[2]), description: m[3] ?? '' });
    }
  }
  return blocks;
}
