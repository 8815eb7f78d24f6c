/**
 * The Dockerfile's promises, checked without Docker (the CI machine has no daemon): node:20-slim
 * stages, a numeric non-root USER (Kubernetes' runAsNonRoot can only verify a number), `sip401`
 * as entrypoint and on PATH, a runtime stage with production dependencies only — and that this
 * is enough: the compiled CLI imports nothing but Node built-ins and production dependencies,
 * and every file the build copies passes the .dockerignore whitelist.
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "../helpers/corpus.js";

const dockerfile = readFileSync(join(REPO, "Dockerfile"), "utf8");
const lines = dockerfile.split("\n").filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
const stages: string[][] = [];
for (const l of lines) {
  if (/^FROM\s/i.test(l)) stages.push([]);
  stages[stages.length - 1]?.push(l);
}
const runtime = stages[stages.length - 1] ?? [];

describe("Dockerfile", () => {
  it("every stage is node:20-slim", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0]).toMatch(/^FROM node:20-slim(\s+AS\s+\w+)?$/i);
  });

  it("the runtime stage runs as a numeric non-root user, with sip401 as entrypoint and on PATH", () => {
    const user = runtime.filter((l) => /^USER\s/i.test(l)).pop();
    const uid = Number(/^USER\s+(\d+)(:\d+)?$/i.exec(user ?? "")?.[1]);
    expect(uid).toBeGreaterThan(0);
    expect(runtime.filter((l) => /^ENTRYPOINT\s/i.test(l)).pop()).toBe('ENTRYPOINT ["sip401"]');
    expect(runtime.join("\n")).toContain("ln -s /app/bin/sip401.js /usr/local/bin/sip401");
    // The USER line comes after the last RUN, so nothing at run time happens as root.
    expect(runtime.findIndex((l) => /^USER\s/i.test(l))).toBeGreaterThan(runtime.map((l) => /^RUN\s/i.test(l)).lastIndexOf(true));
  });

  it("production dependencies only at run time: no dev install, no sources, no compiler", () => {
    const text = runtime.join("\n");
    expect(text).not.toMatch(/npm (ci|install)/);
    expect(text).not.toMatch(/COPY\s+src/);
    const deps = stages.find((s) => /AS deps$/i.test(s[0]))?.join("\n") ?? "";
    expect(deps).toMatch(/npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(text).toContain("COPY --from=deps /app/node_modules ./node_modules");
  });

  it("the compiled CLI imports only Node built-ins and production dependencies", () => {
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const bare = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith(".js")) {
          for (const m of readFileSync(join(dir, e.name), "utf8").matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^".][^"]*)"|import\("([^".][^"]*)"\)/g)) bare.add(m[1] ?? m[2]);
        }
      }
    };
    walk(join(REPO, "dist"));
    expect(bare.size).toBeGreaterThan(0);
    const packageOf = (s: string): string => (s.startsWith("node:") ? s.slice(5) : s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]);
    expect([...bare].filter((s) => !allowed.has(packageOf(s)))).toEqual([]);
  });

  it("everything the build copies passes .dockerignore", () => {
    const ignore = readFileSync(join(REPO, ".dockerignore"), "utf8").split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
    expect(ignore[0]).toBe("*");
    const kept = new Set(ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, "")));
    const copied = lines.filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
    expect(copied.length).toBeGreaterThan(3);
    for (const src of copied) expect(kept, src).toContain(src);
    for (const k of kept) expect(readdirSync(REPO), k).toContain(k);
  });
});
