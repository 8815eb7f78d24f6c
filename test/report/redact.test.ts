/** --redact: consistent, deterministic pseudonyms; nothing identifying left; diagnosis intact. */
import { describe, expect, test } from "vitest";
import { renderJson } from "../../src/report/json.js";
import { redactReport } from "../../src/report/redact.js";
import { reportJsonSchema } from "../../src/report/schema.js";
import { sampleReport } from "./fixtures/sample-report.js";
import { validate } from "./schema-validator.js";

const SECRETS = ["alice", "bob", "example.test", "198.51.100.20", "198.51.100.21", "203.0.113.10", "1-28522", "1-28850", "awUc", "6b8b4567"];

describe("redactReport", () => {
  const original = sampleReport();
  const r = redactReport(original);
  const json = renderJson(r);

  test("leaves no user name, host, address, Call-ID or nonce behind", () => {
    for (const s of SECRETS) expect(json, s).not.toContain(s);
    expect(r.redacted).toBe(true);
  });

  test("does not modify its input", () => {
    expect(original).toEqual(sampleReport());
  });

  test("the same value gets the same pseudonym everywhere, numbered by first appearance", () => {
    const f = r.findings[0];
    expect(f.subject).toEqual({ user: "user-1", aor: "sip:user-1@host-1", realm: "host-1", client: "host-2:5060", server: "host-3:5060", callId: "call-1" });
    expect(f.title).toBe("Wrong password for user-1@host-1: 3 authenticated REGISTERs rejected");
    expect(r.registrations[0].aor).toBe("sip:user-1@host-1");
    expect(r.registrations[0].client).toBe("host-2:5060");
    expect(r.registrations[1].aor).toBe("sip:user-2@host-1");
    expect(r.registrations[1].client).toBe("host-4:5060");
    expect(r.ladders[0].callId).toBe("call-1");
    expect(r.ladders[0].endpoints).toEqual(["host-2:5060", "host-3:5060"]);
    expect(r.ladders[0].steps[0].label).toBe("REGISTER sip:host-1");
  });

  test("an abbreviated nonce shares the pseudonym of the nonce it abbreviates", () => {
    const a = r.registrations[0].attemptDetails;
    expect(a[0].challenge?.nonce).toBe("nonce-1");
    expect(a[1].credentials?.nonce).toBe("nonce-1");
    expect(a[1].challenge?.nonce).not.toBe("nonce-1");
    expect(a[2].credentials?.nonce).toBe(a[1].challenge?.nonce);
  });

  test("keeps what the diagnosis rests on: ports, frames, codes, statuses, times, filters", () => {
    expect(r.findings.map((f) => f.code)).toEqual(original.findings.map((f) => f.code));
    expect(r.findings[0].filter).toBe("frame.number in {3 5 6 7 9}");
    expect(r.registrations[0].attemptDetails.map((a) => a.status)).toEqual([401, 401, 401, 401]);
    expect(r.ladders[0].steps.map((s) => s.time)).toEqual(original.ladders[0].steps.map((s) => s.time));
  });

  test("is deterministic and idempotent", () => {
    expect(renderJson(redactReport(sampleReport()))).toBe(json);
    expect(renderJson(redactReport(r))).toBe(json);
  });

  test("free text: unknown addresses get new hosts; Call-IDs go whole; numeric users only where they are users", () => {
    const x = sampleReport();
    x.registrations[0].user = "1000";
    x.findings[0].explanation = 'From 10.1.2.3 and [2001:db8::7]:5060 at 05:12:23; ext "1000", sip:1000@example.test, 1000 tries, frame 1000; Call-ID 1-28522@198.51.100.20.';
    const e = redactReport(x).findings[0].explanation;
    expect(e).toMatch(/^From host-\d+ and \[host-\d+\]:5060 at 05:12:23; ext "user-\d+", sip:user-\d+@host-1, 1000 tries, frame 1000; Call-ID call-1\.$/);
  });

  test("a user named like a common word or a URI scheme keeps prose and URIs readable", () => {
    const x = sampleReport();
    x.registrations[0].user = "phone";
    x.registrations[1].user = "sip";
    x.findings[0].explanation = 'Reset the phone of "phone" (user phone); sip:phone@example.test and "sip" tried sip:sip@example.test.';
    const e = redactReport(x).findings[0].explanation;
    expect(e).toMatch(/^Reset the phone of "user-\d+" \(user user-\d+\); sip:user-\d+@host-1 and "user-\d+" tried sip:user-\d+@host-1\.$/);
  });

  test("output still validates as a report", () => {
    expect(validate(JSON.parse(json), reportJsonSchema())).toEqual([]);
  });
});
