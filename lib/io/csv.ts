/**
 * CSV as ferrovae writes and reads it: one header row, comma separator, `.` decimal
 * point, one row per item. Pure: text in, columns out and back.
 *
 * @module
 */

import { FormatError } from "../errors.ts";

/** A column of numbers or strings. */
export type CsvColumn = ArrayLike<number> | ArrayLike<string>;

/** Options for {@linkcode formatCsv}. */
export interface FormatCsvOptions {
  /** Significant digits for non-integer numbers (default 7, float32 precision). */
  digits?: number;
}

function formatCell(value: number | string, digits: number): string {
  if (typeof value === "string") {
    return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  }
  if (Number.isInteger(value)) return String(value);
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  return String(Number(value.toPrecision(digits)));
}

/** Format named columns (all the same length) as CSV text, header first. */
export function formatCsv(
  columns: Record<string, CsvColumn>,
  options: FormatCsvOptions = {},
): string {
  const digits = options.digits ?? 7;
  const names = Object.keys(columns);
  const length = names.length ? columns[names[0]].length : 0;
  for (const name of names) {
    if (columns[name].length !== length) {
      throw new RangeError(`column ${name} has ${columns[name].length} rows, not ${length}`);
    }
  }
  const lines = [names.join(",")];
  for (let i = 0; i < length; i++) {
    lines.push(names.map((n) => formatCell(columns[n][i], digits)).join(","));
  }
  return lines.join("\n") + "\n";
}

/** A parsed CSV table: header names and rows of raw cell strings. */
export interface CsvTable {
  /** Column names from the header row. */
  header: string[];
  /** Cells, one array per data row. */
  rows: string[][];
}

function splitLine(line: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else cell += ch;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

/** Parse CSV text; `name` is used in error messages. */
export function parseCsv(text: string, name = "table.csv"): CsvTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  if (lines.length === 0) throw new FormatError(name, "empty CSV file (no header row)");
  const header = splitLine(lines[0]);
  const rows = lines.slice(1).map((line, i) => {
    const cells = splitLine(line);
    if (cells.length !== header.length) {
      throw new FormatError(
        name,
        `row ${i + 2} has ${cells.length} cells, the header has ${header.length}`,
      );
    }
    return cells;
  });
  return { header, rows };
}

/** Read numeric column `column` of `table`; a clear error if missing or not numeric. */
export function numericColumn(table: CsvTable, column: string, name = "table.csv"): Float64Array {
  const index = table.header.indexOf(column);
  if (index < 0) throw new FormatError(name, `missing column "${column}"`);
  const out = new Float64Array(table.rows.length);
  for (let r = 0; r < table.rows.length; r++) {
    const cell = table.rows[r][index];
    const value = cell === "nan" ? NaN : Number(cell);
    if (cell === "" || (Number.isNaN(value) && cell !== "nan")) {
      throw new FormatError(name, `row ${r + 2}, column "${column}": "${cell}" is not a number`);
    }
    out[r] = value;
  }
  return out;
}

/** Read string column `column` of `table`; a clear error if missing. */
export function stringColumn(table: CsvTable, column: string, name = "table.csv"): string[] {
  const index = table.header.indexOf(column);
  if (index < 0) throw new FormatError(name, `missing column "${column}"`);
  return table.rows.map((row) => row[index]);
}
