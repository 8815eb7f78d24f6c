/**
 * Correlation on the lab captures (ground truth: fixtures/lab/LABELS.md): registrations, their
 * attempts and outcomes, handshakes and transaction counts.
 */
import { describe, expect, it } from "vitest";
import { labReport } from "../helpers/analyze.js";

describe("registrations (LABELS.md)", () => {
  it("ok_register_udp: alice registered after the normal challenge", async () => {
    const r = await labReport(["ok_register_udp"]);
    expect(r.registrations).toHaveLength(1);
    expect(r.registrations[0]).toMatchObject({
      aor: "sip:alice@example.test", user: "alice", username: "alice", realm: "example.test", client: "198.51.100.20:5060",
      server: "203.0.113.10:5060", transport: "UDP", attempts: 2, authenticatedAttempts: 1, outcome: "registered", status: 200, expiresGranted: 300,
    });
    expect(r.registrations[0].frames).toEqual([1, 2, 3, 4]);
    expect(r.summary.transactions).toMatchObject({ total: 2, completed: 2, unanswered: 0 });
  });

  it("bad_password_udp: alice failed after 3 authenticated attempts", async () => {
    const r = await labReport(["bad_password_udp"]);
    expect(r.registrations[0]).toMatchObject({ aor: "sip:alice@example.test", outcome: "failed", status: 401, attempts: 4, authenticatedAttempts: 3 });
    expect(r.registrations[0].attemptDetails.map((a) => [a.cseq, a.status, a.credentials?.nc])).toEqual([
      [1, 401, undefined], [2, 401, "00000001"], [3, 401, "00000001"], [4, 401, "00000001"],
    ]);
    expect(r.handshakes[0]).toMatchObject({ method: "REGISTER", outcome: "rechallenged", attempts: 4, authenticatedAttempts: 3 });
  });

  it("bad_password_tcp: carol failed over TCP, 3 authenticated attempts on one connection", async () => {
    const r = await labReport(["bad_password_tcp"]);
    expect(r.registrations[0]).toMatchObject({ aor: "sip:carol@example.test", transport: "TCP", outcome: "failed", status: 401, authenticatedAttempts: 3 });
  });

  it("unknown_user: dave failed with 403 after 1 attempt", async () => {
    const r = await labReport(["unknown_user"]);
    expect(r.registrations[0]).toMatchObject({ aor: "sip:dave@example.test", outcome: "failed", status: 403, authenticatedAttempts: 1 });
  });

  it("stale_nonce: registered, with one stale re-challenge and the nonce lifecycle", async () => {
    const r = await labReport(["stale_nonce"]);
    const reg = r.registrations[0];
    expect(reg).toMatchObject({ outcome: "registered", status: 200, staleChallenges: 1, attempts: 4, authenticatedAttempts: 3, refreshIntervalS: 8.006 });
    const a = reg.attemptDetails;
    expect(a[2].credentials?.nonce).toBe("awUciWsFHIRTt1H+T0/upsZoMEDcLm3P");
    expect(a[2].credentials?.nc).toBe("00000002");
    expect(a[2].challenge).toMatchObject({ stale: true, nonce: "awUckWsFHIzKv05/AOiH+46GjNdw7IND" });
    expect(a[3].credentials).toMatchObject({ nonce: "awUckWsFHIzKv05/AOiH+46GjNdw7IND", nc: "00000001" });
    // Nonce lifecycle: the first nonce was issued in frame 2, used with nc 1 and 2, replaced by
    // the stale=true challenge of frame 6, whose nonce frame 7 used.
    const first = r.nonces.find((n) => n.nonce === "awUciWsFHIRTt1H+T0/upsZoMEDcLm3P");
    expect(first).toMatchObject({ issuedFrame: 2, stale: false, useCount: 2, uses: [{ frame: 3, nc: "00000001" }, { frame: 5, nc: "00000002" }], replacedAtFrame: 6 });
    expect(r.nonces.find((n) => n.issuedFrame === 6)).toMatchObject({ stale: true, useCount: 1, uses: [{ frame: 7, nc: "00000001" }] });
  });

  it("register_timeout: timeout with 9 retransmissions of one REGISTER", async () => {
    const r = await labReport(["register_timeout"]);
    expect(r.registrations[0]).toMatchObject({ outcome: "timeout", attempts: 1 });
    expect(r.registrations[0].attemptDetails[0]).toMatchObject({ retransmissions: 9, unanswered: true });
    expect(r.registrations[0].frames).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.summary.transactions).toMatchObject({ total: 1, unanswered: 1, requestRetransmissions: 9 });
  });

  it("tcp_segmentation: two registrations (alice, bob) over one TCP connection", async () => {
    const r = await labReport(["tcp_segmentation"]);
    expect(r.registrations.map((g) => [g.aor, g.client, g.transport, g.outcome])).toEqual([
      ["sip:alice@example.test", "198.51.100.20:5070", "TCP", "registered"],
      ["sip:bob@example.test", "198.51.100.20:5070", "TCP", "registered"],
    ]);
  });

  it("invite_407: one INVITE handshake that succeeded; the proxy's relayed INVITE is not part of it", async () => {
    const r = await labReport(["invite_407"]);
    const invites = r.handshakes.filter((h) => h.method === "INVITE");
    expect(invites).toHaveLength(1);
    expect(invites[0]).toMatchObject({ outcome: "success", status: 200, username: "alice", client: "198.51.100.20:5060", attempts: 2, authenticatedAttempts: 1 });
    expect(invites[0].attemptDetails.map((a) => [a.frame, a.status])).toEqual([[1, 407], [4, 200]]);
    expect(r.summary.transactions.byMethod).toEqual({ BYE: 2, INVITE: 3 });
  });

  it("nat_register_wan: the binding comes from the NAT's public address, Via still private", async () => {
    const r = await labReport(["nat_register_wan"]);
    expect(r.registrations[0]).toMatchObject({ client: "203.0.113.1:40287", outcome: "registered" });
  });

  it("ipv6_register: alice registered over IPv6", async () => {
    const r = await labReport(["ipv6_register"]);
    expect(r.registrations[0]).toMatchObject({ client: "[::1]:5062", server: "[::1]:5060", outcome: "registered" });
  });

  it("scanner: 31 AORs from one source, none registered", async () => {
    const r = await labReport(["scanner"]);
    expect(r.registrations).toHaveLength(31);
    expect(r.registrations.every((g) => g.outcome === "failed" && g.client.startsWith("198.51.100.66:"))).toBe(true);
    expect(r.registrations.filter((g) => g.status === 401).map((g) => g.user).sort()).toEqual(["alice", "bob", "carol"]);
  });
});
