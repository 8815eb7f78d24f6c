/**
 * util/strings.ts: copies that outlive the message text they came from. What matters is memory,
 * so the strongest test counts V8's string representations in a heap snapshot of a child process.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { detach, ListPool, StringPool } from "../../src/util/strings.js";
import { REPO } from "../helpers/corpus.js";
import { stringCopies } from "../helpers/heap.js";

describe("detach", () => {
  it("returns an equal string, Latin-1 or not, short or long", () => {
    const text = "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-1234567890;rport\r\nFrom: \"Ünïcödé ☎\" <sip:alice@example.test>;tag=abcdefghijklmnop\r\n";
    for (let i = 0; i < text.length; i += 7) for (const n of [1, 12, 13, 14, 40, 90]) expect(detach(text.slice(i, i + n))).toBe(text.slice(i, i + n));
    const long = "x".repeat(5000) + "é";
    expect(detach(long.slice(1))).toBe(long.slice(1));
    expect(detach(undefined)).toBeUndefined();
  });

  it("keeps neither the parent text nor a slice header: the copies are flat strings of their own size", () => {
    // 2,000 values sliced from one 1 MB message text, detached, the text dropped: a heap snapshot
    // must show no sliced strings for them and no parent text.
    const script = `
      import v8 from "node:v8";
      import { readFileSync } from "node:fs";
      const { detach } = await import(${JSON.stringify(`${REPO}/dist/util/strings.js`)});
      let text = "Call-ID: " + Array.from({ length: 40000 }, (_, i) => "v" + i.toString(36).padStart(20, "0")).join(",");
      globalThis.kept = Array.from({ length: 2000 }, (_, i) => detach(text.slice(9 + i * 22, 9 + i * 22 + 21)));
      text = undefined;
      const snap = JSON.parse(readFileSync(v8.writeHeapSnapshot(), "utf8"));
      const fields = snap.snapshot.meta.node_fields, types = snap.snapshot.meta.node_types[0];
      let sliced = 0, biggest = 0;
      for (let i = 0; i < snap.nodes.length; i += fields.length) {
        const type = types[snap.nodes[i + fields.indexOf("type")]];
        if (type === "sliced string") sliced++;
        if (type === "string") biggest = Math.max(biggest, snap.nodes[i + fields.indexOf("self_size")]);
      }
      console.log(JSON.stringify({ sliced, biggest, sample: globalThis.kept[1999] }));
    `;
    const cwd = execFileSync("mktemp", ["-d"], { encoding: "utf8" }).trim();
    const out = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8" }));
    expect(out.sample).toBe(`v${(1999).toString(36).padStart(20, "0")}`);
    // Node's own startup leaves a few sliced strings; 2,000 would be ours.
    expect(out.sliced).toBeLessThan(200);
    expect(out.biggest).toBeLessThan(500_000);
  });
});

describe("StringPool and ListPool", () => {
  it("hand out one copy per distinct value", () => {
    const pool = new StringPool();
    const a = pool.get("sip:registrar.example.test".slice(0));
    expect(pool.get(`sip:registrar.${"example.test"}`)).toBe(a);
    const lists = new ListPool();
    const one = lists.get(["auth", "auth-int"]);
    expect(lists.get(["auth", "auth-int"])).toBe(one);
    expect(lists.get(["auth"])).toEqual(["auth"]);
    expect(lists.get(["auth", "auth-int"].slice(0, 1))).not.toBe(one);
    // Lists that would join to the same text stay apart.
    expect(lists.get(["a,b", "c"])).toEqual(["a,b", "c"]);
    expect(lists.get(["a", "b,c"])).toEqual(["a", "b,c"]);
    // Shared, so frozen: a caller cannot change another record's list.
    expect(Object.isFrozen(one)).toBe(true);
  });

  it("slots only decide what is compared first: values by slot, alternating, shared or not, stay right", () => {
    const pool = new StringPool(4);
    const fresh = (s: string): string => ` ${s}`.slice(1);
    const values = ["sip:alice@example.test", "sip:bob@example.test", "sip:registrar.example.test", "SIP401 test phone 1.0"];
    const got = new Map<string, string>();
    // Fields alternate, repeat, share slots and overflow the pool (max 4): every answer equals the
    // asked value, and a value asked again in the same slot is the same copy.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 12; i++) {
        const v = values[(i * 7 + round) % values.length];
        const slot = i % 3;
        const own = pool.get(fresh(v), slot);
        expect(own).toBe(v);
        expect(pool.get(fresh(v), slot)).toBe(own);
        got.set(v, own);
      }
    }
    expect(pool.get(undefined, 5)).toBeUndefined();
    expect(pool.get("short", 5)).toBe("short");
    expect([...got.keys()].sort()).toEqual([...values].sort());
  });

  it("shares short values too: 2,000 records keeping 'Unauthorized' keep one string", () => {
    // Each value is a fresh copy read from bytes, as the parser hands them out; a heap snapshot
    // counts the strings with that content that stay reachable.
    const script = `
      const { StringPool } = await import(DIST + "/util/strings.js");
      const pool = new StringPool();
      const bytes = Buffer.from("Unauthorized");
      globalThis.kept = Array.from({ length: 2000 }, (_, i) => pool.get(bytes.latin1Slice(0, 12), i % 3));
      if (kept[1999] !== "Unauthorized") throw new Error("wrong value");
    `;
    // The pooled copy (and perhaps a literal of the script V8 keeps apart): not 2,000.
    expect(stringCopies(script, ["Unauthorized"]).Unauthorized).toBeLessThan(3);
  });
});
