// gem5's stats.txt format, so that scripts written for gem5 read our runs:
// one "Begin/End Simulation Statistics" block per dump, one line per
// statistic: name, value, "# description".

export interface StatsBlock {
  values: Record<string, number | string>;
  descriptions: Record<string, string>;
}

function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : value.toPrecision(6);
}

export function statsTxt(blocks: StatsBlock[]): string {
  return blocks
    .map(({ values, descriptions }) => {
      const lines = Object.entries(values).map(([name, value]) => {
        const text = `${name.padEnd(40)} ${formatValue(value).padStart(20)}`;
        return descriptions[name] ? `${text}   # ${descriptions[name]}` : text;
      });
      return ['', '---------- Begin Simulation Statistics ----------', ...lines, '', '---------- End Simulation Statistics   ----------', ''].join('\n');
    })
    .join('');
}
