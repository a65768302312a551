/** FNV-1a over a string's UTF-16 code units, 32 bits unsigned: a stable id from a name, the same on every run. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
