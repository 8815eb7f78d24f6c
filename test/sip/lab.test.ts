// Real messages cut from the lab captures (/work/shared/captures/lab, see LABELS.md there):
// kamailio 5.6 registrar / proxy and sipp / node phones.
import { describe, expect, test } from "vitest";
import { parseSip } from "../../src/sip/parse.js";
import { lab } from "./helpers.js";

/** parse parses a lab payload eagerly; every lab message is well-formed unless stated. */
function parse(name: string) {
  const r = parseSip(lab(name), { eager: true });
  if (r.message === null) throw new Error(`${name} did not parse`);
  return r;
}

describe("REGISTER / 401 / REGISTER+auth (bad_password_udp, ok_register_udp)", () => {
  test("initial REGISTER", () => {
    const { message: m, issues } = parse("bad_password_udp_1");
    expect(issues).toEqual([]);
    expect(m).toMatchObject({ kind: "request", method: "REGISTER", requestUri: "sip:example.test", contentLength: 0 });
    expect(m?.callId).toBe("1-28522@198.51.100.20");
    expect(m?.cseq).toEqual({ seq: 1, method: "REGISTER" });
    expect(m?.topVia).toMatchObject({ transport: "UDP", host: "198.51.100.20", port: 5060, branch: "z9hG4bK-28522-1-0", rport: true });
    expect(m?.from).toMatchObject({ tag: "28522SIPpTag001", uri: { user: "alice", host: "example.test" } });
    expect(m?.to?.tag).toBeUndefined();
    expect(m?.contacts[0].uri).toMatchObject({ user: "alice", host: "198.51.100.20", port: 5060 });
    expect(m?.expires).toBe(300);
    expect(m?.maxForwards).toBe(70);
    expect(m?.userAgent).toBe("LabPhone/1.0 (sipp 3.6.1)");
    expect(m?.headerValues("Allow")).toEqual(["INVITE", "ACK", "CANCEL", "BYE", "OPTIONS", "NOTIFY"]);
    expect(m?.credentials).toEqual([]);
  });

  test("401 challenge from kamailio", () => {
    const { message: m, issues } = parse("bad_password_udp_2");
    expect(issues).toEqual([]);
    expect(m).toMatchObject({ status: 401, reason: "Unauthorized" });
    expect(m?.topVia).toMatchObject({ rport: 5060, received: "198.51.100.20" });
    expect(m?.to?.tag).toBe("165b221a573c9524aa3a13a59b3f9c2b.e3efad43");
    expect(m?.challenges).toHaveLength(1);
    expect(m?.challenges[0]).toMatchObject({ header: "WWW-Authenticate", scheme: "Digest", realm: "example.test", nonce: "awUdp2sFHHt4VEAWePhZXKfQfdKRoY6N", qop: ["auth"] });
    expect(m?.challenges[0].algorithm).toBeUndefined();
    expect(m?.server).toBe("kamailio-lab (5.6)");
  });

  test("authenticated REGISTER", () => {
    const { message: m, issues } = parse("bad_password_udp_3");
    expect(issues).toEqual([]);
    expect(m?.cseq?.seq).toBe(2);
    expect(m?.credentials[0]).toMatchObject({
      header: "Authorization", username: "alice", realm: "example.test", cnonce: "6b8b4567", nc: "00000001", qop: "auth",
      uri: "sip:example.test", nonce: "awUdp2sFHHt4VEAWePhZXKfQfdKRoY6N", response: "943dc0e28a7f071a6eafd824dec0c09c", algorithm: "MD5",
    });
  });

  test("200 OK with the binding's expires", () => {
    const { message: m } = parse("ok_register_udp_4");
    expect(m?.status).toBe(200);
    expect(m?.contacts[0]).toMatchObject({ expires: 300, uri: { host: "198.51.100.20", port: 5060 } });
    expect(m?.contacts[0].uri.params.get("transport")).toBe("UDP");
  });
});

describe("other scenarios", () => {
  test("stale_nonce: stale=true", () => {
    expect(parse("stale_nonce_6").message?.challenges[0]).toMatchObject({ stale: true, nonce: "awUckWsFHIzKv05/AOiH+46GjNdw7IND" });
  });

  test("nat_register_wan: rport / received show the NAT mapping; Contact received param", () => {
    const m = parse("nat_register_wan_4").message;
    expect(m?.topVia).toMatchObject({ host: "192.168.1.100", port: 5060, rport: 40287, received: "203.0.113.1" });
    expect(m?.contacts[0].params.get("received")).toBe("sip:203.0.113.1:40287");
  });

  test("ipv6_register: IPv6 Via, Contact and bare IPv6 received", () => {
    const req = parse("ipv6_register_1").message;
    expect(req?.topVia).toMatchObject({ host: "::1", ipv6: true, port: 5062 });
    expect(req?.contacts[0].uri).toMatchObject({ host: "::1", ipv6: true, port: 5062 });
    expect(req?.callId).toBe("1-31393@::1");
    expect(parse("ipv6_register_2").message?.topVia).toMatchObject({ received: "::1", rport: 5062 });
  });

  test("scanner: friendly-scanner layout, addr-spec Contact, 403", () => {
    const reg = parse("scanner_1").message;
    expect(reg?.userAgent).toBe("friendly-scanner");
    expect(reg?.to).toMatchObject({ displayName: "100", uri: { user: "100", host: "203.0.113.10" } });
    expect(reg?.contacts[0]).toMatchObject({ angle: false, uri: { user: "100", host: "198.51.100.66", port: 5060 } });
    expect(parse("scanner_3").message?.credentials[0]).toMatchObject({ username: "100", uri: "sip:100@203.0.113.10" });
    expect(parse("scanner_4").message).toMatchObject({ status: 403, reason: "Forbidden" });
  });

  test("invite_407: INVITE with SDP, 407, Proxy-Authorization", () => {
    const inv = parse("invite_407_1").message;
    expect(inv?.from?.displayName).toBe("Alice");
    expect(inv?.contentLength).toBe(249);
    expect(inv?.body.length).toBe(249);
    expect(inv?.sdp?.origin).toMatchObject({ username: "alice", sessId: "53655765", address: "198.51.100.20" });
    expect(inv?.sdp?.connection?.address).toBe("198.51.100.20");
    expect(inv?.sdp?.media[0]).toMatchObject({ media: "audio", port: 40000, proto: "RTP/AVP", formats: ["0", "8", "101"] });
    const chal = parse("invite_407_2").message?.challenges[0];
    expect(chal).toMatchObject({ header: "Proxy-Authenticate", realm: "example.test" });
    expect(parse("invite_407_4").message?.credentials[0]).toMatchObject({ header: "Proxy-Authorization", uri: "sip:bob@example.test" });
  });

  test("invite_407_15: comma-separated Via stack and a repeated To tag from the proxy", () => {
    const m = parse("invite_407_15").message;
    expect(m?.via.map((v) => [v.host, v.branch])).toEqual([
      ["203.0.113.10", "z9hG4bKf5e2.63a35c170cf3cb6bfb5f94c26a41abb6.0"],
      ["198.51.100.20", "z9hG4bK-29679-1-11"],
    ]);
    expect(m?.to?.tag).toBe("29663SIPpTag011");
  });

  test("alg_sim_contentlength_wan: the ALG shrank the SDP but left Content-Length 249", () => {
    const r = parse("alg_sim_contentlength_wan_5");
    expect(r.message?.contentLength).toBe(249);
    expect(r.message?.body.length).toBe(245);
    expect(r.issues.map((i) => i.code)).toEqual(["content_length_mismatch"]);
    expect(r.message?.sdp?.connection?.address).toBe("203.0.113.1");
    expect(r.message?.topVia?.host).toBe("203.0.113.1");
  });
});
