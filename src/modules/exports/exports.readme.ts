import { LEFT_OUT_TABLES, type ExportTable } from './exports.engine.js';

/** The archive's own description, `README.txt`: what each file is and how to read its values. */

export const EXPORT_FORMAT = 'croft-farm-export';
export const EXPORT_FORMAT_VERSION = 1;

export interface ReadmeInput {
  farm: { name: string; slug: string; id: string; timeZone: string };
  exportedAt: Date;
  croftVersion: string;
  tables: readonly ExportTable[];
}

/** Wraps a list of words to lines of at most `width` characters: the first indented by `indent`, the rest by `next`. */
function wrap(words: string[], indent: string, next = indent, width = 100): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of words) {
    if (line.trim() !== '' && line.length + word.length + 1 > width) {
      lines.push(line.trimEnd());
      line = next;
    }
    line += `${word} `;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines;
}

/** README.txt: plain text, UTF-8, CRLF line ends (it opens alike in every editor). */
export function readmeText(input: ReadmeInput): string {
  const { farm } = input;
  const lines = [
    `Croft farm export: ${farm.name} (${farm.slug})`,
    `Exported ${input.exportedAt.toISOString()} by Croft ${input.croftVersion} (format ${EXPORT_FORMAT} ${EXPORT_FORMAT_VERSION}).`,
    '',
    'Everything this farm keeps in Croft, for the farm to keep, read or take elsewhere: its places, devices',
    'and their readings, plants, stock, tasks, hives, harvests, photos and the rest, one file per table.',
    '',
    'FILES',
    '  README.txt              this text',
    '  farm.json               the farm (name, slug, time zone, position), its members (name, email address,',
    '                          role) and the list of tables below with their columns and what was left out',
    "  tables/<table>.jsonl    JSON Lines: one row a line, a JSON object of the row's columns in table order",
    '  tables/<table>.csv      the same rows as CSV for spreadsheets (RFC 4180: UTF-8, comma-separated,',
    '                          CRLF line ends, a header line of column names)',
    '  photos/<id>.<ext>       each photo as it was uploaded; <id> is its row in tables/photos.jsonl (where',
    '                          and when it was taken, which place it shows)',
    '  photos/MISSING.txt      only when photo files were missing from storage: their ids',
    '',
    'Rows come in primary-key order. Each table is read in pages while the farm keeps working: rows written',
    'during the export may be in it or not.',
    '',
    'HOW TO READ THE VALUES',
    '  Timestamps      ISO-8601 in UTC, e.g. 2026-06-01T00:30:00.123+00:00 (columns named *_at, ts, bucket).',
    `  Dates           YYYY-MM-DD, the farm's own day (time zone ${farm.timeZone}) (columns named *_on, date).`,
    '  Geometry        GeoJSON geometry objects (RFC 7946): longitude, latitude in WGS 84 (EPSG:4326). In CSV',
    '                  the same GeoJSON as text.',
    "  Identities      id is a row's own identity; <name>_id names a row of another table (location_id: a row",
    '                  of locations, series_id: of series); farm_id is this farm on every row; user_id,',
    '                  created_by and the like name people (farm.json lists the members by user_id).',
    '  Readings        tables/readings: one value of one series at one time (ts). A series (tables/series) is',
    '                  one metric of one device, with its unit; readings_hourly and readings_daily are the',
    '                  rollups (min, max, sum, count, last) per hour and per day of the farm.',
    '  Units           in the column name where one applies: _cm, _m, _m2, _g, _kg, _l, _ml, _pct, _days, _ms,',
    "                  _cents (money in hundredths of the currency); a reading's unit is its series' unit.",
    '  Empty values    null in JSON, an empty cell in CSV. Lists and objects in a CSV cell are JSON text.',
    '',
    'WHAT IS NOT HERE',
    '  No secrets and no hashes: passwords, keys, tokens and their hashes stay behind, and so do these',
    '  tables whole:',
    ...Object.entries(LEFT_OUT_TABLES).flatMap(([name, reason]) =>
      wrap([`${name}:`, ...reason.split(' ')], '    ', '      '),
    ),
    '  and these columns (farm.json names them too, with why):',
    ...input.tables.flatMap((t) => t.leftOut.map((c) => `    ${t.name}.${c.column}`)),
    "  No other farm's rows and no one else's account: people appear by name and email address only as",
    '  members of this farm. The plant catalogue, pests and treatments Croft ships are not here: only the',
    "  farm's own entries are.",
    '',
    'TABLES (columns in order)',
    ...input.tables.flatMap((t) => [
      `  ${t.name}`,
      ...wrap(
        t.columns.map((c, i) => (i < t.columns.length - 1 ? `${c.name},` : c.name)),
        '    ',
      ),
    ]),
    '',
  ];
  return lines.join('\r\n');
}
