/**
 * The public corpus (../shared/captures/public, skipped when absent): every capture is analysed
 * without error, and the findings are the ones a careful reading of each capture supports. The
 * reasoning for each expectation is written beside it, from the tshark listing of the capture.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import type { Report } from "../../src/report/model.js";
import { capturesIn, PUBLIC } from "../helpers/corpus.js";

async function report(name: string): Promise<Report> {
  return analyze([{ input: join(PUBLIC, name), name }]);
}

function codes(r: Report): string[] {
  return r.findings.map((f) => `${f.severity}:${f.code}`).sort();
}

/**
 * Expected findings (severity:code, sorted) per capture, with the reading behind them.
 * Captures of only successful flows expect no warning or error.
 */
const EXPECTED: Record<string, { findings: string[]; why: string; registrations?: [string, string][]; evidence?: Record<string, number[]> }> = {
  "arkime__gtp-iphone.pcap": {
    findings: [],
    why: "VoLTE/IMS over IPv6 in GTP-U: REGISTER (IMS Authorization without a response, not credentials) -> 401 -> REGISTER -> 200, later de-registration (Expires 0) -> 200. Nothing failed.",
    registrations: [["tel:263734", "unregistered"]],
  },
  "geunhyung__sip-register.pcap": {
    findings: [],
    why: "REGISTER -> 401 -> REGISTER with Authorization -> 200: the normal challenge.",
    registrations: [["sip:appelman02@alpha.studlab.os3.nl", "registered"]],
  },
  "goffinet__Forensic_challenge_4.pcap": {
    findings: ["warning:scanner"],
    why: "One OPTIONS probe (frame 1) with User-Agent 'UNfriendly-scanner - for demo purposes', a SIPVicious fingerprint; user 555 registers fine (401 then 200). The 404 to an authenticated SUBSCRIBE concerns the subscribed resource, not the user.",
    registrations: [["sip:555@172.25.105.40", "registered"]],
  },
  "goffinet__sip-2phones-B2BUA-Asterisk.pcapng": {
    findings: [],
    why: "Two phones register (401 then 200) and call through Asterisk; 404/489 answers to SUBSCRIBE/PUBLISH are about event packages and mailboxes, not authentication.",
    registrations: [["sip:telephone1@172.16.98.101", "registered"], ["sip:telephone2@172.16.98.101", "registered"]],
  },
  "goffinet__sip-488-Not-Acceptable-Here-codec-null.pcapng": {
    findings: [],
    why: "The INVITE is authenticated (401 then retry) and then refused with 488 for codecs: a media problem, not an authentication one.",
  },
  "goffinet__sip-cme-zoiper-register.pcapng": {
    findings: [],
    why: "Zoiper registers to a Cisco CME (401, then 200) and later de-registers (Expires 0).",
    registrations: [["sip:1111@192.168.0.102", "unregistered"]],
  },
  "goffinet__sip-register-ok-unregister.pcapng": {
    findings: ["info:stale_nonce"],
    why: "Asterisk answers the refresh (CSeq 3, nonce from an earlier challenge) with 401 stale=true (frame 16); the phone retries with the new nonce and gets 200: a recovered stale nonce, then de-registration.",
    registrations: [["sip:telephone1@172.16.98.101", "unregistered"]],
  },
  "goffinet__sip-register-wrong_password-401-403-401-403.pcapng": {
    findings: ["error:bad_credentials"],
    why: "Asterisk answers the authenticated REGISTER and SUBSCRIBE of telephone1 with 403 Forbidden: Asterisk refuses wrong passwords with 403 (unknown users get 401 with alwaysauthreject), and the file name confirms a wrong password. One finding for the one wrong password.",
    registrations: [["sip:telephone1@172.16.98.101", "failed"]],
  },
  "goffinet__sip-routing-error-wireshark.pcapng": {
    findings: [],
    why: "Both phones register fine; the failed calls are routing errors (404/480 after authentication passed), not authentication failures.",
  },
  "gprshome__sip.pcap": {
    findings: ["info:stale_nonce", "warning:ip_fragmentation", "warning:stale_nonce"],
    why: "miniSIPServer challenges REGISTER with 407 (proxy auth) — normal. 16 SIP messages arrive in IPv4 fragments (messages of ~1 KB over a small-MTU link). Refreshes that reuse a minutes-old nonce get a fresh 407 without stale=true, and the retry with the new nonce succeeds: stale nonces, repeated for user 100.",
    registrations: [["sip:100@51xuetongxin.com", "registered"], ["sip:101@51xuetongxin.com", "registered"]],
  },
  "heplify__sip_ipv4_tcp.pcap": { findings: [], why: "One INVITE/200/ACK/BYE call over TCP, no authentication." },
  "heplify__sip_ipv4_tcp_fragmented.pcap": {
    findings: ["error:request_timeout"],
    why: "Calls between two servers on TCP/6060. The INVITE of frame 47 (Call-ID 85b939c9-...) never gets any response in the remaining 124 s of the capture; the INVITE still ringing at the end (183 only) is not reported. The server's TCP acknowledges the INVITE in frame 48 (ack 2858 = its end), so it arrived: the SIP server was silent.",
    evidence: { request_timeout: [47, 48] },
  },
  "heplify__sip_ipv6.pcap": {
    findings: [],
    why: "INVITE/100/200/ACK/BYE/200 over IPv6. The file's timestamps leap by years between packets; timers ignore such leaps, so the 200 still answers the INVITE.",
  },
  "heplify__sip_sctp.pcap": { findings: [], why: "INVITE over SCTP answered 403 without any challenge: a policy refusal of the call, not an authentication failure." },
  "heplify__sip_tcp_websocket.pcap": { findings: [], why: "SIP.js over WebSocket: INVITE -> 407 -> INVITE with Proxy-Authorization -> 200; the normal proxy challenge." },
  "hepws__hep.pcap": {
    findings: ["warning:content_length_mismatch", "warning:content_length_mismatch"],
    why: "HEP3 packets carry an INVITE declaring Content-Length 287 with 276 body bytes and a PUBLISH declaring 450 with 429: the captured payloads really are shorter than declared.",
  },
  "maryls__sip.pcap": {
    findings: ["info:nat_mismatch", "info:stale_nonce"],
    why: "A doubango client behind NAT (Via 192.168.60.101, seen as 141.85.225.204 with rport) registers fine; a refresh gets 401 stale=true and succeeds on retry.",
  },
  "ndpi__gre.pcapng": { findings: [], why: "A single 100 Trying inside VLAN + PPTP GRE." },
  "ndpi__sip_hello.pcapng": { findings: ["info:nat_mismatch"], why: "Registration succeeds; the Via address (10.231.142.84) differs from the packet source (172.29.38.91): a NAT, handled." },
  "ruinalxu__register.pcapng": {
    findings: ["error:registration_timeout", "info:local_source_mismatch"],
    why: "A GB28181 camera keeps sending REGISTERs (each also captured twice on the loopback) and the server never answers them, apart from one 404: a registration that times out. Its Via names 192.168.41.130 while packets come from 127.0.0.1: a client on the capture host that advertises another of its addresses, which no NAT explains (loopback never leaves the host).",
  },
  "sngrep__aaa.pcap": {
    findings: [
      "error:bad_credentials", "info:nat_mismatch", "warning:credentials_rejected", "warning:digest_uri_mismatch", "warning:digest_uri_mismatch",
      "warning:nat_mismatch", "warning:nat_mismatch", "warning:stale_nonce", "warning:stale_nonce",
    ],
    why:
      "A Nero SIPPS phone behind NAT registers to sip.cybercity.dk. As voi18063 it gets '403 Wrong password' (frame 32): bad credentials. " +
      "Reconfigured as voi18062 it answers every challenge ~17 s late; the server then says '401 nonce has changed' and the phone starts over, getting through only sometimes: stale nonces caused by a slow client. " +
      "Two INVITEs answered 32-51 s after their 407 get '403 Wrong password or domain' although the same credentials work (REGISTER 200, INVITE of frame 617 passes authentication): credentials rejected, not a wrong password. " +
      "The phone computes its digest over uri sip:192.168.1.2 instead of the Request-URI; the server accepts it (warning).",
  },
  "sngrep__ipv6frag.pcap": { findings: ["warning:ip_fragmentation"], why: "INVITE and 200 over IPv6/UDP are IPv6-fragmented (1871 bytes)." },
  "sngrep__tlssaved.pcap": { findings: [], why: "SIP over TLS without a captured certificate; nothing can be diagnosed in clear." },
  "suricata-sip-tcp-pattern-matching__sip.pcap": { findings: ["info:nat_mismatch"], why: "One REGISTER over TCP and its 401; the capture ends there (in progress). The Via is private behind a public source." },
  "voipshark__SIP-RTP-Normal_Call_two_parties.pcap": {
    findings: ["warning:tcp_connect_failed"],
    why: "Two phones register (401 then 200) and call each other. The caller's authenticated INVITE is 1,332 bytes, so it first tries TCP to 192.168.20.130:5060 (RFC 3261 §18.1.1): SYN frame 65, RST 66, and the same again in 69/70 and 72/73 (one port: Windows resends the SYN after a reset); it then sends the INVITE over UDP in frame 74, a second late. The call works, hence a warning.",
    evidence: { tcp_connect_failed: [65, 66, 69, 70, 72, 73, 74] },
  },
  "voipshark__SIP-over-TLS-RTP-Normal_Call_two_parties.pcap": {
    findings: ["warning:tls_certificate_name_mismatch", "warning:tls_certificate_not_verified", "warning:tls_certificate_not_verified"],
    why: "FreePBX on 192.168.20.130:5061 presents a certificate for localhost.localdomain; both phones connect anyway, so neither verifies certificates. Nothing failed, hence warnings.",
  },
  "zeek__sip-long-request-response-paths.pcap": { findings: [], why: "OPTIONS and its 200 with very long Via / Record-Route paths over raw IPv4." },
};

describe.skipIf(!existsSync(PUBLIC))("public corpus diagnosis", () => {
  it("covers every public capture", () => {
    expect(capturesIn(PUBLIC).map((f) => f.split("/").pop()).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
  for (const [name, e] of Object.entries(EXPECTED)) {
    it(`${name}: ${e.findings.length === 0 ? "no findings" : e.findings.join(", ")}`, async () => {
      const r = await report(name);
      expect(codes(r)).toEqual([...e.findings].sort());
      for (const [aor, outcome] of e.registrations ?? []) {
        expect(r.registrations.find((g) => g.aor === aor)?.outcome, `${aor}`).toBe(outcome);
      }
      for (const [code, frames] of Object.entries(e.evidence ?? {})) {
        expect(r.findings.find((f) => f.code === code)?.evidence.map((x) => x.frame), code).toEqual(frames);
      }
      for (const f of r.findings) {
        expect(f.evidence.length, `${f.code} has evidence`).toBeGreaterThan(0);
        expect(f.fix.length, `${f.code} has fix steps`).toBeGreaterThan(0);
        expect(f.filter.length).toBeGreaterThan(0);
      }
    });
  }
});
