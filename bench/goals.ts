/**
 * The goals table of issue 14, filled in as the benchmarks run and printed at the end: each row with its
 * baseline measured in the same run, the measured figure and the goal. A benchmark never fails on timing.
 */
export interface GoalRow {
  benchmark: string;
  baseline: string;
  measured: string;
  goal: string;
  /** undefined: not measured in this run (a section was skipped or failed). */
  met?: boolean;
}

const rows: GoalRow[] = [];

export function recordGoal(row: GoalRow): void {
  rows.push(row);
  console.log(`  → ${row.benchmark}: ${row.measured} (baseline ${row.baseline}; goal ${row.goal}) ${verdict(row)}`);
}

function verdict(row: GoalRow): string {
  if (row.met === undefined) return 'not measured';
  return row.met ? 'met' : 'NOT met';
}

export const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
export const perSecond = (n: number, unit: string): string => `${n.toFixed(n < 100 ? 1 : 0)} ${unit}/s`;
export const ratio = (n: number): string => `${n.toFixed(2)}×`;

/** The rows that never got measured are printed too, so the table always has every goal. */
export function printGoals(expected: string[]): void {
  const all = [...rows, ...expected.filter((b) => !rows.some((r) => r.benchmark === b)).map((benchmark) => ({ benchmark, baseline: '—', measured: 'not measured in this run', goal: '—' }))];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => [r.benchmark, r.baseline, r.measured, r.goal][i]!.length), 8));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log('\nGoals (issue 14); figures from this run, ratios against the baseline measured alongside:');
  console.log(line(['benchmark', 'baseline (same run)', 'measured', 'goal']) + ' result');
  console.log(line(widths.map((w) => '-'.repeat(w))) + ' ------');
  for (const r of all) console.log(`${line([r.benchmark, r.baseline, r.measured, r.goal])} ${verdict(r)}`);
}
