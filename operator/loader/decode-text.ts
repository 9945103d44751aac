// A YAML file's bytes to text: UTF-8 (with or without a BOM) or UTF-16 with a
// BOM, as the YAML spec and kubectl read them; anything else is refused with
// the byte offset and line where it goes wrong, never decoded into garbage.

export interface DecodeProblem {
  message: string;
  /** Byte offset into the file of the first byte that is wrong. */
  offset: number;
  line: number;
  column: number;
}

export type Decoded = { text: string; encoding: 'UTF-8' | 'UTF-16LE' | 'UTF-16BE' } | { problem: DecodeProblem };

const startsWith = (b: Uint8Array, ...prefix: number[]) => prefix.every((x, i) => b[i] === x);

/** Decodes a file's bytes; the BOM, if any, is not part of the text. */
export function decodeYamlBytes(bytes: Uint8Array): Decoded {
  // UTF-32 first: its little-endian BOM begins with UTF-16LE's.
  if (startsWith(bytes, 0xff, 0xfe, 0x00, 0x00) || startsWith(bytes, 0x00, 0x00, 0xfe, 0xff)) {
    return { problem: { message: 'UTF-32 is not supported: save the file as UTF-8', offset: 0, line: 1, column: 1 } };
  }
  if (startsWith(bytes, 0xff, 0xfe)) return decodeUtf16(bytes, 'UTF-16LE');
  if (startsWith(bytes, 0xfe, 0xff)) return decodeUtf16(bytes, 'UTF-16BE');
  const bom = startsWith(bytes, 0xef, 0xbb, 0xbf) ? 3 : 0;
  const body = bytes.subarray(bom);
  try {
    return checkNul(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), 'UTF-8', (i, text) => bom + Buffer.byteLength(text.slice(0, i)));
  } catch {
    return { problem: invalidUtf8(body, bom) };
  }
}

function decodeUtf16(bytes: Uint8Array, encoding: 'UTF-16LE' | 'UTF-16BE'): Decoded {
  const body = bytes.subarray(2);
  const label = encoding === 'UTF-16LE' ? 'utf-16le' : 'utf-16be';
  try {
    if (body.length % 2) throw new Error('odd length');
    return checkNul(new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(body), encoding, (i) => 2 + 2 * i);
  } catch {
    // Each 16-bit unit decodes to one UTF-16 code unit of the string, so the first stray U+FFFD is the bad unit.
    const text = new TextDecoder(label, { ignoreBOM: true }).decode(body);
    const unit = (i: number) => (encoding === 'UTF-16LE' ? body[2 * i]! | (body[2 * i + 1]! << 8) : (body[2 * i]! << 8) | body[2 * i + 1]!);
    let i = 0;
    while (i < text.length && !(text[i] === '\uFFFD' && (2 * i + 1 >= body.length || unit(i) !== 0xfffd))) i++;
    return {
      problem: {
        message: `not valid ${encoding} at byte offset ${2 + 2 * i} (an unpaired surrogate or a truncated character)`,
        offset: 2 + 2 * i,
        ...lineAndColumn(text, i),
      },
    };
  }
}

/** The first byte that is not well-formed UTF-8, found by walking the lenient decoding. */
function invalidUtf8(body: Uint8Array, bom: number): DecodeProblem {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
  let offset = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    // The lenient decoder turns each ill-formed sequence into one U+FFFD; a real U+FFFD is EF BF BD.
    if (cp === 0xfffd && !(body[offset] === 0xef && body[offset + 1] === 0xbf && body[offset + 2] === 0xbd)) break;
    offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    i += cp > 0xffff ? 2 : 1;
  }
  const byte = body[offset]?.toString(16).toUpperCase().padStart(2, '0') ?? '';
  return {
    message: `not valid UTF-8 at byte offset ${bom + offset} (byte 0x${byte}): save the file as UTF-8`,
    offset: bom + offset,
    ...lineAndColumn(text, i),
  };
}

/** YAML forbids NUL; one near the start is the mark of UTF-16 or UTF-32 saved without a BOM. */
function checkNul(text: string, encoding: 'UTF-8' | 'UTF-16LE' | 'UTF-16BE', byteOffset: (i: number, text: string) => number): Decoded {
  const i = text.indexOf('\0');
  if (i < 0) return { text, encoding };
  const offset = byteOffset(i, text);
  const hint = i < 4 ? ' (is it UTF-16 or UTF-32 without a byte order mark? save it as UTF-8)' : '';
  return { problem: { message: `a NUL character at byte offset ${offset}: YAML text cannot contain NUL${hint}`, offset, ...lineAndColumn(text, i) } };
}

function lineAndColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, index);
  const lastNewline = before.lastIndexOf('\n');
  let line = 1;
  for (let p = before.indexOf('\n'); p >= 0; p = before.indexOf('\n', p + 1)) line++;
  return { line, column: index - lastNewline };
}
