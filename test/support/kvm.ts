// Tests that need a real /dev/kvm run only where one exists, and say why
// they were skipped where it does not (a PVM guest without nested KVM, CI
// containers). Nothing in them is mocked.
import { accessSync, constants, readFileSync } from 'node:fs';
import { hostKvmFlavour } from '../../src/host/kvm-flavour.js';

function usable(device: string): boolean {
  try {
    accessSync(device, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export const KVM_DEVICE = process.env.KVM_DEVICE ?? '/dev/kvm';
export const HAS_KVM = usable(KVM_DEVICE);
/** vmx, svm, pvm or unknown: which witness rules (src/results/witness.ts) hold here. */
export const KVM_FLAVOUR = hostKvmFlavour();
export const NO_KVM_REASON = `${KVM_DEVICE} is not usable on this host`;
if (!HAS_KVM) console.warn(`[kvm tests skipped] ${NO_KVM_REASON}`);

/**
 * Per-test budget on KVM. Generous because the same tests also run inside a
 * nested VM under QEMU's TCG (tools/nested-kvm), where everything, node's
 * start-up included, is many times slower than on a KVM host.
 */
export const KVM_TEST_TIMEOUT_MS = 600_000;

/**
 * True inside tools/nested-kvm's VM, where QEMU's TCG plays the CPU under
 * our KVM. TCG honours the TSS I/O bitmap only for a TR whose type is
 * "available" (9); KVM on AMD reports TR as busy (11) and writes it back
 * so, which is right for hardware but makes ring-3 port IO fault there.
 */
export const UNDER_QEMU_TCG = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8').includes('QEMU TCG CPU');
  } catch {
    return false;
  }
})();
