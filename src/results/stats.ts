// Descriptive statistics over the repeats of one point: the numbers the
// summary file reports and the comparison reads.

/**
 * Two-sided 95% Student t quantiles by degrees of freedom (1..29), i.e. for
 * samples of up to 30; beyond that the normal quantile is close enough.
 */
const T95_BY_DF = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093,
  2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045,
];
const Z95 = 1.96;

export interface Description {
  n: number;
  mean: number;
  /** Sample standard deviation; undefined for a single value. */
  stddev?: number;
  min: number;
  max: number;
  /** Half-width of the 95% confidence interval of the mean; undefined for a single value. */
  ci95?: number;
}

export function t95(degreesOfFreedom: number): number {
  return T95_BY_DF[degreesOfFreedom - 1] ?? Z95;
}

/** Describes a sample; undefined when it is empty. */
export function describe(values: number[]): Description | undefined {
  const n = values.length;
  if (n === 0) return undefined;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (n < 2) return { n, mean, min, max };
  const stddev = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  return { n, mean, stddev, min, max, ci95: (t95(n - 1) * stddev) / Math.sqrt(n) };
}
