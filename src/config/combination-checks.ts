// What the schema cannot say on its own: which guests and settings the
// machine and checkpoint sections combine with. The core refuses the same
// shapes (checkMachineShape in native/src/machine.cc), in the same words,
// for callers that come without a file.
import type { NormalizedPoint } from './experiment.js';
import type { YamlPath } from './source.js';

/** Problems of one point, each with the path to report it at. */
export function combinationProblems(point: NormalizedPoint): { message: string; at: YamlPath }[] {
  const { cpus, irqchip } = point.machine;
  const problems: { message: string; at: YamlPath }[] = [];
  if ((cpus > 1 || irqchip === 'kernel') && point.guest.format !== 'multiboot')
    problems.push({ message: 'machine.cpus and machine.irqchip: kernel are for multiboot kernels (guest.format: multiboot)', at: ['machine'] });
  else if (cpus > 1 && irqchip !== 'kernel')
    problems.push({
      message: `machine.cpus: ${cpus} needs machine.irqchip: kernel (the other vCPUs start through their LAPICs' INIT and SIPI)`,
      at: ['machine', 'cpus'],
    });
  if (cpus > 1 && point.checkpoint.atInsts !== undefined)
    problems.push({ message: 'checkpoint.atInsts counts one vCPU\'s instructions: use checkpoint.atTicks with machine.cpus > 1', at: ['checkpoint', 'atInsts'] });
  return problems;
}
