/**
 * Diagnosis of every lab capture against fixtures/lab/LABELS.md: the codes, subjects and evidence
 * frames a senior engineer would give, and nothing alarming on clean captures.
 */
import { describe, expect, it } from "vitest";
import { codes, frames, LAB_CREDENTIALS, labReport, one } from "../helpers/analyze.js";

/** Captures of only successful flows: no warning or error. */
const CLEAN = ["ok_register_udp", "ok_register_tcp", "tcp_segmentation", "invite_407", "ipv6_register", "nat_register_lan", "nat_register_wan", "stale_nonce"];

describe("clean lab captures", () => {
  for (const name of CLEAN) {
    it(`${name}: no warning or error`, async () => {
      const r = await labReport([name]);
      expect(r.findings.filter((f) => f.severity !== "info").map((f) => f.code)).toEqual([]);
    });
  }
});

describe("diagnosis (LABELS.md)", () => {
  it("bad_password_udp: repeated bad credentials for alice, 3 attempts", async () => {
    const r = await labReport(["bad_password_udp"]);
    expect(codes(r)).toEqual(["error:bad_credentials"]);
    const f = one(r, "bad_credentials");
    expect(f.title).toMatch(/Repeated bad credentials for alice@example\.test: 3 authenticated REGISTERs rejected/);
    expect(f.subject).toMatchObject({ user: "alice", realm: "example.test", client: "198.51.100.20:5060", server: "203.0.113.10:5060" });
    expect(frames(f)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(f.filter).toBe('sip.Call-ID == "1-28522@198.51.100.20"');
    expect(f.fix.join(" ")).toMatch(/password/);
  });

  it("bad_password_tcp: bad credentials for carol over TCP, 3 attempts", async () => {
    const r = await labReport(["bad_password_tcp"]);
    const f = one(r, "bad_credentials");
    expect(f.title).toMatch(/carol@example\.test: 3 authenticated REGISTERs/);
    expect(f.explanation).toMatch(/TCP/);
    expect(frames(f)).toEqual([6, 8, 9, 11, 12, 14, 15]);
  });

  it("unknown_user: dave is not provisioned (403 after credentials), not a wrong password", async () => {
    const r = await labReport(["unknown_user"]);
    expect(codes(r)).toEqual(["error:unknown_user"]);
    const f = one(r, "unknown_user");
    expect(f.subject).toMatchObject({ user: "dave", client: "198.51.100.20:5060" });
    expect(frames(f)).toEqual([2, 3, 4]);
  });

  it("stale_nonce: recovered automatically, reported as info, no bad credentials", async () => {
    const r = await labReport(["stale_nonce"]);
    expect(codes(r)).toEqual(["info:stale_nonce"]);
    const f = one(r, "stale_nonce");
    expect(f.title).toMatch(/recovered automatically/);
    expect(frames(f)).toEqual([5, 6, 7, 8]);
    expect(f.evidence[0].text).toMatch(/issued in frame 2, 8\.006 s earlier/);
  });

  it("register_timeout: no response at all, 10 transmissions, no ICMP", async () => {
    const r = await labReport(["register_timeout"]);
    expect(codes(r)).toEqual(["error:registration_timeout"]);
    const f = one(r, "registration_timeout");
    expect(f.title).toMatch(/10 transmissions over 27\.53\d? s/);
    expect(f.explanation).toMatch(/No ICMP error came back/);
    expect(f.explanation).toMatch(/not an authentication problem/);
    expect(frames(f)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("nat_register: behind NAT, handled by received/rport (info only)", async () => {
    const r = await labReport(["nat_register_wan"]);
    const f = one(r, "nat_mismatch");
    expect(f.severity).toBe("info");
    expect(f.evidence.map((e) => e.text).join(" ")).toMatch(/Via sent-by 192\.168\.1\.100:5060.*packet source 203\.0\.113\.1:40287/);
    expect(f.evidence.map((e) => e.text).join(" ")).toMatch(/received=203\.0\.113\.1 rport=40287/);
  });

  it("nat_register lan+wan: no SIP difference between the points (a NAT, not an ALG)", async () => {
    const r = await labReport(["nat_register_lan", "nat_register_wan"]);
    expect(r.findings.map((f) => f.code)).not.toContain("sip_alg");
  });

  it("alg_kernel: each side alone hints at an ALG; both together prove it", async () => {
    const wan = await labReport(["alg_kernel_wan"]);
    const w = one(wan, "sip_alg");
    expect(w.severity).toBe("warning");
    expect(w.evidence.map((e) => e.text).join(" ")).toMatch(/received=192\.168\.1\.100/); // the ACK leak
    expect(w.evidence.map((e) => e.text).join(" ")).toMatch(/Call-ID host 192\.168\.1\.100/);
    const lan = await labReport(["alg_kernel_lan"]);
    expect(one(lan, "sip_alg").evidence[0].text).toMatch(/public server 203\.0\.113\.10 says it saw the request from 192\.168\.1\.100/);
    const both = await labReport(["alg_kernel_lan", "alg_kernel_wan"]);
    const f = one(both, "sip_alg");
    expect(f.title).toMatch(/SIP ALG confirmed/);
    expect(f.explanation).toMatch(/SDP o=: "192\.168\.1\.100" → "203\.0\.113\.1"/);
    expect(f.evidence.some((e) => e.capture === 0) && f.evidence.some((e) => e.capture === 1)).toBe(true);
    expect(codes(both).filter((c) => !c.startsWith("info"))).toEqual(["warning:sip_alg"]);
  });

  it("alg_sim_contentlength_wan: 400 because Content-Length 249 ≠ body 245", async () => {
    const r = await labReport(["alg_sim_contentlength_wan"]);
    const f = one(r, "content_length_mismatch");
    expect(f.severity).toBe("error");
    expect(f.title).toMatch(/INVITE with Content-Length 249 but a 245-byte body, rejected with 400/);
    expect(frames(f)).toEqual([5, 6]);
    expect(f.explanation).toMatch(/SIP ALG/);
  });

  it("alg_sim_contentlength_lan: the 400 contradicts the consistent INVITE sent here", async () => {
    const r = await labReport(["alg_sim_contentlength_lan"]);
    const f = r.findings.find((x) => x.code === "sip_alg" && x.severity === "error");
    expect(f?.title).toMatch(/400 Content-Length mis-match/);
    expect(f && frames(f)).toEqual([6]);
  });

  it("alg_sim_authuri: WAN alone looks like a bad password; LAN+WAN proves the ALG rewrote the digest uri", async () => {
    const wan = await labReport(["alg_sim_authuri_wan"]);
    expect(one(wan, "bad_credentials").title).toMatch(/alice@example\.test: 3 authenticated REGISTERs/);
    const both = await labReport(["alg_sim_authuri_lan", "alg_sim_authuri_wan"]);
    const f = one(both, "sip_alg");
    expect(f.severity).toBe("error");
    expect(f.explanation).toMatch(/digest uri: "sip:192\.168\.1\.1" → "sip:203\.0\.113\.10"/);
    expect(f.explanation).toMatch(/not by the password/);
    expect(both.findings.map((x) => x.code)).not.toContain("bad_credentials");
  });

  it("alg_sim_authuri_lan with the right password: password correct, rejected anyway", async () => {
    const r = await labReport(["alg_sim_authuri_lan"], LAB_CREDENTIALS);
    expect(r.findings.map((x) => x.code)).not.toContain("bad_credentials");
    const f = one(r, "credentials_rejected");
    expect(f.title).toMatch(/Correct password for alice@example\.test, rejected 3×/);
    expect(f.explanation).toMatch(/private network/);
  });

  it("alg_sim_ruri_mismatch_wan: accepted, but digest uri ≠ Request-URI (warning)", async () => {
    const r = await labReport(["alg_sim_ruri_mismatch_wan"]);
    const f = one(r, "digest_uri_mismatch");
    expect(f.severity).toBe("warning");
    expect(f.title).toMatch(/"sip:192\.168\.1\.1" ≠ Request-URI "sip:203\.0\.113\.10"/);
    expect(f.explanation).toMatch(/SIP ALG/);
    expect(r.registrations[0].outcome).toBe("registered");
  });

  it("big_udp_fragmented: successful call, IP fragmentation warning", async () => {
    const r = await labReport(["big_udp_fragmented"]);
    expect(codes(r)).toEqual(["warning:ip_fragmentation"]);
    const f = one(r, "ip_fragmentation");
    expect(f.title).toMatch(/^3 SIP messages over UDP were IP-fragmented/);
    expect(f.evidence.map((e) => e.frame)).toEqual([2, 6, 9]);
    expect(f.evidence[0].text).toMatch(/frames 1, 2/);
    expect(f.fix[0]).toMatch(/TCP/);
  });

  it("scanner: one scan finding and the 401-vs-403 user leak, no per-user credential findings", async () => {
    const r = await labReport(["scanner"]);
    expect(codes(r)).toEqual(["warning:scanner", "warning:user_enumeration"]);
    const s = one(r, "scanner");
    expect(s.title).toMatch(/198\.51\.100\.66 \(friendly-scanner\): 31 usernames, 62 requests \(62 REGISTER\) in 1\.20\d s, all rejected/);
    expect(s.filter).toBe("ip.src == 198.51.100.66 && sip.Method");
    const e = one(r, "user_enumeration");
    expect(e.title).toMatch(/alice, bob, carol/);
  });
});

describe("--credentials", () => {
  it("proves the wrong password: bad_password_udp with alice's real password", async () => {
    const r = await labReport(["bad_password_udp"], LAB_CREDENTIALS);
    const f = one(r, "bad_credentials");
    expect(f.title).toMatch(/verified: the digest does not match the known password/);
    expect(r.registrations[0].attemptDetails[1].credentials?.verified).toBe("mismatch");
  });

  it("confirms a right password: ok_register_udp verifies", async () => {
    const r = await labReport(["ok_register_udp"], LAB_CREDENTIALS);
    expect(r.registrations[0].attemptDetails[1].credentials?.verified).toBe("match");
  });

  it("unknown_user with dave's own password: the password is right, the user does not exist", async () => {
    const r = await labReport(["unknown_user"], "dave:Dav3-Secret\n");
    const f = one(r, "unknown_user");
    expect(f.title).toMatch(/password verified/);
  });

  it("never puts a password in the report", async () => {
    for (const name of ["bad_password_udp", "ok_register_udp", "alg_sim_authuri_lan"]) {
      const json = JSON.stringify(await labReport([name], LAB_CREDENTIALS));
      for (const secret of ["Al1ce-Secret", "B0b-Secret", "Car0l-Secret"]) expect(json).not.toContain(secret);
    }
  });
});

describe("TLS (LABELS.md §10)", () => {
  it("tls_expired_cert: expired certificate, the verifying client's alert, and the client that does not verify", async () => {
    const r = await labReport(["tls_expired_cert"]);
    const expired = one(r, "tls_certificate_expired");
    expect(expired.severity).toBe("error");
    expect(expired.title).toMatch(/CN=sip\.example\.test\) expired on 2024-01-01/);
    const failure = one(r, "tls_handshake_failure");
    expect(failure.title).toMatch(/certificate_expired/);
    expect(frames(failure)).toContain(8);
    expect(one(r, "tls_certificate_not_verified").severity).toBe("warning");
  });
});
