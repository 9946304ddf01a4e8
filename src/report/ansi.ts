/** The few ANSI styles the terminal reports use. Applied only when colour is on. */
const STYLES = {
  green: [32, 39],
  yellow: [33, 39],
  red: [31, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
} as const;

type Style = keyof typeof STYLES;

export type Paint = (style: Style, text: string) => string;

/** `paint("green", "+ create")`, or the text unchanged when colour is off. */
export function createPaint(color: boolean): Paint {
  if (!color) return (_style, text) => text;
  return (style, text) => {
    const [open, close] = STYLES[style];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  };
}
