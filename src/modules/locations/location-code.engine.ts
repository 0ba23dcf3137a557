/**
 * A location's short code for labels and codes made from it (plant labels `{CODE}_{PREFIX}_{NN}`, stock
 * batch codes `LOC{CODE}-…`). Pure.
 */

/** The code of no location, and of a location whose name gives no letters or digits. */
export const NO_LOCATION_CODE = 'LOC';
export const MAX_CODE_LENGTH = 12;
export const MAX_NAME_CODE_LENGTH = 6;

/** Letters NFKD does not take apart: German umlauts and ß as Germans write them without, and a few more. */
const SPELLED_OUT: Record<string, string> = {
  ä: 'ae',
  ö: 'oe',
  ü: 'ue',
  Ä: 'AE',
  Ö: 'OE',
  Ü: 'UE',
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  å: 'aa',
  Å: 'AA',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
};
const SPELLED_OUT_PATTERN = new RegExp(`[${Object.keys(SPELLED_OUT).join('')}]`, 'g');

/**
 * Where each script's digit zero is, for the scripts whose digits farm names are likely to use (Khmer,
 * Thai, Lao, Arabic-Indic, Persian, Devanagari); Unicode keeps each script's 0–9 in a row.
 */
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x0e50, 0x0ed0, 0x17e0];

/**
 * Upper-case Latin letters and ASCII digits of a text: umlauts spelled out (ä → AE), other diacritics
 * dropped (é → E), native digits made ASCII (២ → 2), anything else (Khmer letters, Cyrillic, spaces,
 * punctuation) left as it is for the caller to drop. Khmer script is not romanised: there is no one
 * accepted way, and a tag reading LOC2 is better than a wrong guess.
 */
function latin(text: string): string {
  return text
    .replace(SPELLED_OUT_PATTERN, (c) => SPELLED_OUT[c]!)
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/\p{Nd}/gu, (c) => {
      const cp = c.codePointAt(0)!;
      const zero = DIGIT_ZEROS.find((z) => cp >= z && cp <= z + 9);
      return zero === undefined ? c : String(cp - zero);
    })
    .toUpperCase();
}

/**
 * A location's short code, as plant labels and stock batch codes name it.
 *
 * - A location with a code: the code upper-cased, umlauts spelled out and diacritics dropped, anything
 *   outside A–Z and 0–9 removed, at most 12 characters ("gh-02" → "GH02").
 * - Without a code (or one that leaves nothing), a code from its name: the initial of each word and every
 *   number whole, in order, at most 6 characters ("Greenhouse 2" → "G2", "North bed" → "NB",
 *   "Tunnel 10 east" → "T10E", "Süd-Beet" → "SB"). A name of one word gives its first three letters
 *   ("Orchard" → "ORC"). Whatever is still shorter than 2 characters gets LOC in front: a name without
 *   Latin letters gives LOC and its number if it has one (a Khmer "ផ្ទះកញ្ចក់ ២" → "LOC2"), else LOC.
 * - No location: LOC.
 */
export function locationCode(location: { code: string | null; name: string } | null): string {
  if (location === null) return NO_LOCATION_CODE;
  if (location.code !== null) {
    const fromCode = latin(location.code).replace(/[^A-Z0-9]/g, '');
    if (fromCode.length > 0) return fromCode.slice(0, MAX_CODE_LENGTH);
  }
  const tokens = latin(location.name).match(/[A-Z]+|[0-9]+/g) ?? [];
  let code = tokens.map((t) => (/[0-9]/.test(t) ? t : t[0])).join('');
  if (code.length < 2 && tokens.length === 1 && /[A-Z]/.test(tokens[0]!)) code = tokens[0]!.slice(0, 3);
  if (code.length < 2) code = NO_LOCATION_CODE + code;
  return code.slice(0, MAX_NAME_CODE_LENGTH);
}
