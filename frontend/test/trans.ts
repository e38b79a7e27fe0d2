import type { ITrans } from '../src/format';

/** JupyterLab's placeholder rules without a catalogue: %1, %2 … (and n first for plurals). */
function fill(text: string, args: any[]): string {
  return text.replace(/%(\d+)/g, (_m, i) => String(args[Number(i) - 1]));
}

export const trans: ITrans = {
  __: (msgid, ...args) => fill(msgid, args),
  _n: (msgid, plural, n, ...args) => fill(n === 1 ? msgid : plural, [n, ...args])
};
