/**
 * JSON written the way Meta writes webhook bodies: every non-ASCII UTF-16 code unit escaped as `\uXXXX` (lowercase
 * hex; emoji become surrogate pairs) and `/` escaped as `\/`. Signatures are over these exact bytes, which is why a
 * handler that hashes re-serialised JSON fails only for non-ASCII messages.
 */

const NON_ASCII = /[\u0080-\uffff]/g;

function escapeUnit(unit: string): string {
  return `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Escapes non-ASCII characters of a JSON text as `\uXXXX`. Lossless: in valid JSON such characters can only occur
 * inside strings, where the escape means the same character.
 */
export function escapeNonAscii(jsonText: string): string {
  return jsonText.replace(NON_ASCII, escapeUnit);
}

/** JSON.stringify, then Meta's escaping (non-ASCII and forward slashes, which also only occur inside strings). */
export function metaStringify(value: unknown): string {
  return escapeNonAscii(JSON.stringify(value)).replace(/\//g, '\\/');
}
