/**
 * The few lines of the tar format (POSIX ustar) a backup needs: regular files with short names,
 * written and read whole in memory. A backup is then an ordinary `.tar.gz` that `tar tzf` lists
 * and `tar xzf` unpacks, with no archive package among the production dependencies.
 */
export type TarEntry = { name: string; data: Uint8Array; mode: number; mtime: Date };

const BLOCK = 512;

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

function writeText(header: Buffer, offset: number, length: number, text: string) {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > length) throw new TarError(`"${text}" does not fit a tar header field of ${length} bytes`);
  bytes.copy(header, offset);
}

/** A number as the tar header writes it: octal digits, zero-padded, ending in NUL. */
function writeOctal(header: Buffer, offset: number, length: number, value: number) {
  writeText(
    header,
    offset,
    length,
    `${Math.trunc(value)
      .toString(8)
      .padStart(length - 1, '0')}\0`,
  );
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

function headerOf(entry: TarEntry): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeText(header, 0, 100, entry.name);
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, entry.data.length);
  writeOctal(header, 136, 12, entry.mtime.getTime() / 1000);
  header[156] = 0x30; // '0': a regular file
  writeText(header, 257, 6, 'ustar\0');
  writeText(header, 263, 2, '00');
  writeText(header, 148, 8, `${checksum(header).toString(8).padStart(6, '0')}\0 `);
  return header;
}

export function packTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(headerOf(entry), Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength));
    const padding = (BLOCK - (entry.data.length % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // the end of the archive
  return Buffer.concat(parts);
}

function readText(header: Buffer, offset: number, length: number): string {
  const field = header.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString('utf8');
}

function readOctal(header: Buffer, offset: number, length: number, what: string, position: number): number {
  const text = readText(header, offset, length).trim();
  if (!/^[0-7]+$/.test(text)) throw new TarError(`the ${what} of the entry at byte ${position} is not a number`);
  return parseInt(text, 8);
}

/** Every regular file of a tar; anything malformed, cut short or of another type is an error naming where. */
export function unpackTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > archive.length) throw new TarError('the archive ends before its end marker (it is cut short)');
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return entries;
    if (readOctal(header, 148, 8, 'checksum', offset) !== checksum(header)) throw new TarError(`the header at byte ${offset} is damaged (checksum mismatch)`);
    const name = readText(header, 0, 100);
    const type = String.fromCharCode(header[156]!);
    if (type !== '0' && type !== '\0') throw new TarError(`the entry ${name} is not a regular file`);
    const size = readOctal(header, 124, 12, 'size', offset);
    const start = offset + BLOCK;
    if (start + size > archive.length) throw new TarError(`the entry ${name} is cut short`);
    entries.push({
      name,
      data: new Uint8Array(archive.subarray(start, start + size)),
      mode: readOctal(header, 100, 8, 'mode', offset),
      mtime: new Date(readOctal(header, 136, 12, 'time', offset) * 1000),
    });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}
