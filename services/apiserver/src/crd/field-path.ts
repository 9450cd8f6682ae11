// apimachinery's field.Path as text: a nil path prints "<nil>", a child of nil is its bare name, and keys and
// indexes print in brackets. crd/ passes paths as strings, `null` standing for Go's nil path.

export type Path = string | null;

export const child = (p: Path, ...names: string[]): string =>
  names.reduce<string>((acc, n, i) => (i === 0 && p === null ? n : `${acc}.${n}`), p ?? "");

export const index = (p: Path, i: number): string => `${p ?? ""}[${i}]`;
export const key = (p: Path, k: string): string => `${p ?? ""}[${k}]`;
export const pathString = (p: Path): string => p ?? "<nil>";
