// Small helpers shared by the bench, size and memory reports: statistics, number formats,
// plain-text tables and target lines.

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** "12.3 M/s", "845 k/s", "950 /s": a rate with three significant digits. */
export function rate(perSecond) {
  if (!Number.isFinite(perSecond)) return "n/a";
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toPrecision(3)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toPrecision(3)} k/s`;
  return `${perSecond.toPrecision(3)} /s`;
}

/** "0.42×" */
export function ratio(value) {
  if (!Number.isFinite(value)) return "n/a";
  if (value >= 10) return `${value.toFixed(1)}×`;
  return `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`;
}

/** Bytes as "12 345 B" or "12.1 KiB" / "3.40 MiB". */
export function bytes(n) {
  const sign = n < 0 ? "-" : "";
  const a = Math.abs(n);
  if (a >= 1024 * 1024) return `${sign}${(a / 1024 / 1024).toFixed(2)} MiB`;
  if (a >= 1024) return `${sign}${(a / 1024).toFixed(1)} KiB`;
  return `${sign}${a} B`;
}

/** Prints a table: `columns` is [{ title, align: "left" | "right" }], `rows` arrays of strings. */
export function table(columns, rows) {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => String(r[i]).length)));
  const cell = (text, i) => {
    const s = String(text);
    return columns[i].align === "left" ? s.padEnd(widths[i]) : s.padStart(widths[i]);
  };
  const line = (cells) => cells.map(cell).join("  ").trimEnd();
  console.log(line(columns.map((c) => c.title)));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

/** One target line: "met" or "MISSED" beside what was asked and what was measured. */
export function target(label, met, measured) {
  const mark = met ? "met   " : "MISSED";
  console.log(`  ${mark}  ${label.padEnd(58)} ${measured}`);
  return met;
}

/** A section heading. */
export function heading(text) {
  console.log(`\n${text}\n${"=".repeat(text.length)}`);
}
