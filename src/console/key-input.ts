/**
 * Raw terminal input into keys, one at a time and in order. Ink's useInput hands a chunk of plain
 * text ("ff" from a paste, or from SSH / mosh batching two presses into one packet) to the handler
 * as ONE input string, which a handler comparing `input === 'f'` reads as nothing at all. So the
 * console takes Ink's raw input events (text runs and whole escape sequences, already split by
 * Ink's input parser and buffered across chunks) and cuts them into single keys here.
 *
 * Bracketed paste (the console turns it on: ESC[?2004h): a terminal wraps pasted text in ESC[200~
 * ... ESC[201~, possibly across chunks. Nothing inside a paste is a key: a paste of "ff" or "X X"
 * must never flatten. The pasted text is handed back whole, so a text prompt can take it.
 */
import type { KeyInfo } from './keys.ts';

export interface ParsedKey extends KeyInfo {
  readonly input: string;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly meta?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
}

export type InputItem =
  | { readonly kind: 'key'; readonly key: ParsedKey }
  | { readonly kind: 'paste'; readonly text: string };

const ESC = '\u001B';
const PASTE_START = `${ESC}[200~`;
const PASTE_END = `${ESC}[201~`;
/** A CSI or SS3 sequence at the start of a string (optionally after a second ESC). */
const SEQ = /^\u001B\u001B?(?:\[[0-?]*[ -/]*[@-~]|O[@-~])/;

/** CSI / SS3 sequences by their final part (modifier parameters like ESC[1;2A are read apart). */
const CSI_FINAL: Record<string, Partial<ParsedKey>> = {
  A: { upArrow: true }, B: { downArrow: true }, C: { rightArrow: true }, D: { leftArrow: true },
  H: { home: true }, F: { end: true }, Z: { tab: true, shift: true },
};
const CSI_TILDE: Record<string, Partial<ParsedKey>> = {
  '1': { home: true }, '7': { home: true }, '4': { end: true }, '8': { end: true },
  '3': { delete: true }, '5': { pageUp: true }, '6': { pageDown: true },
};

/** One whole CSI / SS3 sequence into a key; unknown sequences (mouse, focus reports) are no key at all. */
export function parseEscape(seq: string): ParsedKey | null {
  if (seq === ESC) return { input: '', escape: true };
  // ESC ESC [A: meta + arrow on some terminals; the meta is not a key of ours.
  const s = seq.startsWith(ESC + ESC) ? seq.slice(1) : seq;
  const csi = /^\u001B(?:\[|O)([0-9;]*)([A-Za-z~])$/.exec(s);
  if (csi !== null) {
    const [, params = '', final = ''] = csi;
    const parts = params.split(';');
    // xterm modifiers: 1 + (shift 1, alt 2, ctrl 4).
    const mod = Number(parts[1] ?? '1') - 1;
    const mods = mod > 0 ? { ...(mod & 1 ? { shift: true } : {}), ...(mod & 2 ? { meta: true } : {}), ...(mod & 4 ? { ctrl: true } : {}) } : {};
    const base = final === '~' ? CSI_TILDE[parts[0] ?? ''] : CSI_FINAL[final];
    return base === undefined ? null : { input: '', ...mods, ...base };
  }
  return null;
}

/** One character of a text run into a key. */
export function parseChar(ch: string): ParsedKey {
  if (ch === '\r' || ch === '\n') return { input: '', return: true };
  if (ch === '\t') return { input: '', tab: true };
  if (ch === '\u007F' || ch === '\b') return { input: '', backspace: true };
  if (ch === ESC) return { input: '', escape: true };
  const code = ch.codePointAt(0) ?? 0;
  // Ctrl-A .. Ctrl-Z arrive as 0x01..0x1a: the letter with ctrl, as Ink reports it.
  if (code >= 1 && code <= 26) return { input: String.fromCharCode(code + 96), ctrl: true };
  if (code < 32) return { input: '' };
  return /^[A-Z]$/.test(ch) ? { input: ch, shift: true } : { input: ch };
}

/**
 * Keys from raw input events, with the paste state kept across events (and so across chunks).
 * `push` takes one event as Ink emits it: a text run, a whole escape sequence, or ESC + a character.
 */
export class KeyReader {
  private paste: string | null = null;

  get pasting(): boolean {
    return this.paste !== null;
  }

  push(event: string): InputItem[] {
    const out: InputItem[] = [];
    let rest = event;
    while (rest !== '') {
      if (this.paste !== null) {
        const end = rest.indexOf(PASTE_END);
        if (end < 0) { this.paste += rest; return out; }
        out.push({ kind: 'paste', text: this.paste + rest.slice(0, end) });
        this.paste = null;
        rest = rest.slice(end + PASTE_END.length);
        continue;
      }
      const start = rest.indexOf(PASTE_START);
      const head = start < 0 ? rest : rest.slice(0, start);
      out.push(...this.keys(head));
      if (start < 0) return out;
      this.paste = '';
      rest = rest.slice(start + PASTE_START.length);
    }
    return out;
  }

  /** Text without paste markers into keys: escape sequences whole, every other character alone. */
  private keys(text: string): InputItem[] {
    const out: InputItem[] = [];
    let i = 0;
    while (i < text.length) {
      if (text[i] === ESC) {
        const m = SEQ.exec(text.slice(i));
        if (m !== null) {
          const k = parseEscape(m[0]);
          // An unknown sequence (focus report, mouse) is no key, never its characters.
          if (k !== null) out.push({ kind: 'key', key: k });
          i += m[0].length;
          continue;
        }
        // ESC + a character (Alt-x, or esc then x batched together): the escape, then the character.
        out.push({ kind: 'key', key: { input: '', escape: true } });
        i += 1;
        continue;
      }
      const cp = text.codePointAt(i) ?? 0;
      const ch = String.fromCodePoint(cp);
      out.push({ kind: 'key', key: parseChar(ch) });
      i += ch.length;
    }
    return out;
  }
}
