/**
 * The name search's fold (migration 0010's `cadap_fold_name` and `cadap_name_words`) done in
 * Node, for names it can fold exactly as PostgreSQL does whatever the database's locale: the
 * letters and marks the migration names, printable ASCII and ASCII white space. A search sends
 * these words instead of asking PostgreSQL to fold the name while it plans the statement (it
 * plans every search anew, as the words decide the index, and folding there took 15% of the
 * backend's CPU at a million participants: bench/README.md, "A sixth pass"). Any other character
 * (another script, a non-ASCII space, a control character) leaves the fold to PostgreSQL:
 * `nameWords` answers undefined. tests/name-fold.property.test.ts holds this to the database's
 * own fold on both databases; the two must change together.
 */

/** The migration's literals, in the order its SQL applies them. */
const UPPER_FROM = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯӘҒҚҢӨҰҮҺІЇЄҐЎӢӮҲҶÁÀÂÄÃÅĀĂĄÇĆČĎĐÉÈÊËĒĖĘĚĞĢÍÌÎÏĪĮĶĹĻĽŁÑŃŅŇŌÓÒÔÖÕØŐŔŘŚŠŞȘŤŢȚÚÙÛÜŪŮŰŲÝŸŹŽŻƏİ';
const UPPER_TO = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіїєґўӣӯҳҷáàâäãåāăąçćčďđéèêëēėęěğģíìîïīįķĺļľłñńņňōóòôöõøőŕřśšşșťţțúùûüūůűųýÿźžżəi';
const SPELLINGS: readonly (readonly [string, string])[] = [
  ['щ', 'shch'],
  ['ж', 'zh'],
  ['х', 'kh'],
  ['ц', 'ts'],
  ['ч', 'ch'],
  ['ш', 'sh'],
  ['ю', 'iu'],
  ['я', 'ia'],
  ['ъ', 'ie'],
  ['ҷ', 'zh'],
  ['ş', 'sh'],
  ['ș', 'sh'],
  ['š', 'sh'],
  ['ç', 'ch'],
  ['č', 'ch'],
  ['ž', 'zh'],
  ['ß', 'ss'],
  ['x', 'kh'],
  ['j', 'zh'],
];
const LETTERS_FROM = "абвгдеёзийклмнопрстуфыэәғқңөұүһіїєґўӣӯҳáàâäãåāăąćďđéèêëēėęěğģíìîïīįıķĺļľłñńņňōóòôöõøőŕřśťţțúùûüūůűųýÿźżəyqwь'’ʻʼ`\u0301\u0300\u0306\u0308\u0327\u030c";
const LETTERS_TO = 'abvgdeeziiklmnoprstufieagknouuhiiegoiuhaaaaaaaaacddeeeeeeeeggiiiiiiikllllnnnnoooooooorrstttuuuuuuuuiizzaikv';
const LATIN_SPELLINGS: readonly (readonly [string, string])[] = [
  ['dzh', 'zh'],
  ['kh', 'h'],
];

/** PostgreSQL's `translate`: each character of `from` becomes the one at its place in `to` (its first place, if named twice), or goes when `to` is shorter. */
function translator(from: string, to: string): (value: string) => string {
  const target = [...to];
  const map = new Map<string, string>();
  [...from].forEach((char, index) => {
    if (!map.has(char)) map.set(char, target[index] ?? '');
  });
  return (value) => {
    let out = '';
    for (const char of value) out += map.get(char) ?? char;
    return out;
  };
}

const upper = translator(UPPER_FROM, UPPER_TO);
const letters = translator(LETTERS_FROM, LETTERS_TO);

/** Every character both folds treat alike on any locale: printable ASCII, ASCII white space, and what the literals name. */
const FOLDABLE = new Set<string>([
  ...Array.from({ length: 0x7f - 0x20 }, (_, index) => String.fromCharCode(0x20 + index)),
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  ...UPPER_FROM,
  ...UPPER_TO,
  ...LETTERS_FROM,
  ...SPELLINGS.flatMap(([from, to]) => [...from, ...to]),
]);

/** The words of a name as `cadap_name_words` gives them, or undefined when the name holds a character only PostgreSQL may fold. */
export function nameWords(name: string): string[] | undefined {
  for (const char of name) if (!FOLDABLE.has(char)) return undefined;
  // After `upper`, the only capitals left are ASCII ones, which lower() lowers alike on every locale
  // (a Turkish locale's dotless ı is folded to i by `letters` below, as the migration's is).
  let folded = upper(name).replace(/[A-Z]/g, (char) => char.toLowerCase());
  for (const [from, to] of SPELLINGS) folded = folded.replaceAll(from, to);
  folded = letters(folded);
  for (const [from, to] of LATIN_SPELLINGS) folded = folded.replaceAll(from, to);
  folded = folded.replace(/[\t\n\v\f\r ,.;:()"/_-]+/g, ' ').replace(/^ +| +$/g, '');
  return folded === '' ? [] : folded.split(' ');
}
