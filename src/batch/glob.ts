/**
 * A small glob matcher for `sip401 scan --include/--exclude`. Node 20's `path.matchesGlob` exists
 * but is experimental there and prints an ExperimentalWarning on stderr, which `scan` must keep
 * clean; the syntax needed is small enough to compile to a RegExp here.
 *
 * Syntax: `*` any run of characters except `/`; `**` as a whole segment, any number of segments
 * (including none); `?` one character except `/`; `[abc]`, `[a-z]`, `[!abc]` / `[^abc]` one
 * character of a class; `{a,b}` alternatives (may nest); `\x` a literal `x`. Matching is
 * case-sensitive, on `/`-separated paths.
 */

/** Glob is a compiled pattern. */
export interface Glob {
  /** The pattern as given. */
  readonly pattern: string;
  /** True when the pattern names path segments (contains `/`): it is matched against the whole relative path. */
  readonly anchored: boolean;
  /** matches tests a `/`-separated path (relative to the scanned root). */
  matches(path: string): boolean;
}

/** escapeRegExp quotes a literal character for a RegExp source. */
function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/**
 * classAt compiles a `[...]` class starting at `i`; returns the source and the index after `]`,
 * or undefined when there is no closing bracket (then `[` is a literal, as in shells).
 */
function classAt(p: string, i: number): { source: string; next: number } | undefined {
  let j = i + 1;
  let negate = false;
  if (p[j] === "!" || p[j] === "^") {
    negate = true;
    j++;
  }
  let body = "";
  // A `]` right after the opening bracket is a member, not the end.
  for (let first = true; j < p.length && (first || p[j] !== "]"); j++, first = false) {
    const ch = p[j];
    if (ch === "\\" && j + 1 < p.length) body += `\\${p[++j]}`;
    else body += ch === "]" || ch === "^" || ch === "\\" ? `\\${ch}` : ch;
  }
  if (j >= p.length) return undefined;
  // A class never matches the separator, as in shells.
  return { source: negate ? `(?!/)[^${body}]` : `(?!/)[${body}]`, next: j + 1 };
}

/** compile turns pattern text into RegExp source, stopping at an unnested `,` or `}` when inside braces. */
function compile(p: string, start: number, inBraces: boolean): { source: string; next: number } {
  let out = "";
  let i = start;
  while (i < p.length) {
    const ch = p[i];
    if (inBraces && (ch === "," || ch === "}")) break;
    if (ch === "*") {
      const segmentStart = i === 0 || p[i - 1] === "/";
      if (p[i + 1] === "*" && segmentStart && (i + 2 === p.length || p[i + 2] === "/")) {
        // `**/` matches zero or more whole segments; a trailing `**` matches everything below.
        if (i + 2 === p.length) {
          out += ".*";
          i += 2;
        } else {
          out += "(?:[^/]*/)*";
          i += 3;
        }
        continue;
      }
      while (p[i] === "*") i++;
      out += "[^/]*";
      continue;
    }
    if (ch === "?") {
      out += "[^/]";
      i++;
    } else if (ch === "[") {
      const cls = classAt(p, i);
      if (cls) {
        out += cls.source;
        i = cls.next;
      } else {
        out += "\\[";
        i++;
      }
    } else if (ch === "{") {
      const alternatives: string[] = [];
      let j = i + 1;
      let closed = false;
      for (;;) {
        const alt = compile(p, j, true);
        alternatives.push(alt.source);
        j = alt.next;
        if (p[j] === ",") j++;
        else {
          closed = p[j] === "}";
          break;
        }
      }
      if (closed) {
        out += `(?:${alternatives.join("|")})`;
        i = j + 1;
      } else {
        // No closing brace: the `{` is literal.
        out += "\\{";
        i++;
      }
    } else if (ch === "\\" && i + 1 < p.length) {
      out += escapeRegExp(p[i + 1]);
      i += 2;
    } else {
      out += escapeRegExp(ch);
      i++;
    }
  }
  return { source: out, next: i };
}

/**
 * compileGlob compiles a pattern. A pattern without `/` is matched against the file's name only
 * (so `*.pcap` finds captures at any depth, like .gitignore); one with `/` against the whole path
 * relative to the scanned root. A leading `./` or `/` is ignored, and so is a trailing `/`
 * (`tmp/` names a directory, as in .gitignore).
 */
export function compileGlob(pattern: string): Glob {
  const p = pattern.replace(/^\.?\/+/, "").replace(/\/+$/, "");
  const anchored = p.includes("/");
  const re = new RegExp(`^${compile(p, 0, false).source}$`, "s");
  return {
    pattern,
    anchored,
    matches: (path) => re.test(anchored ? path : path.slice(path.lastIndexOf("/") + 1)),
  };
}

/** matchesAny says whether a relative path matches one of the globs. */
export function matchesAny(globs: readonly Glob[], path: string): boolean {
  return globs.some((g) => g.matches(path));
}
