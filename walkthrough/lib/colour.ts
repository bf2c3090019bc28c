// Terminal colours without a dependency: on when the output is a terminal (or FORCE_COLOR), off with
// NO_COLOR, as chalk decides.
const CODES = { bold: [1, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], magenta: [35, 39], cyan: [36, 39] };
const GRAY = [90, 39];

function enabled(): boolean {
  const force = process.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (process.env.NO_COLOR) return false;
  return Boolean(process.stdout.isTTY);
}

const on = enabled();
const paint =
  ([open, close]: number[]) =>
  (text: string): string =>
    on ? `\x1b[${open}m${text}\x1b[${close}m` : text;

export const colour = {
  bold: paint(CODES.bold),
  red: paint(CODES.red),
  green: paint(CODES.green),
  yellow: paint(CODES.yellow),
  magenta: paint(CODES.magenta),
  cyan: paint(CODES.cyan),
  gray: paint(GRAY),
};
