import { expect, it } from 'vitest';
import { computeChecksum } from './compute-reference.js';

it('the host reference matches a C build of the same kernel (known answers)', () => {
  // From gcc -O2 of the algorithm in native/guests/compute.c, run on the host.
  expect(computeChecksum(2000).toString(16)).toBe('98c0d52b');
  expect(computeChecksum(0)).toBe(0);
});
