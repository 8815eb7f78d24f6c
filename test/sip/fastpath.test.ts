// Differential properties: the byte scanners behind CSeq, Via, From, To, Contact, Route, Record-Route
// and the digest headers give exactly what the generic tolerant readers give (ParseOptions.generic),
// for real, RFC 4475, mutated and generated messages: every accessor deep-equal, the same JSON
// (property order included) and the same issues in the same order.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { parseSip } from "../../src/sip/parse.js";
import { Params } from "../../src/sip/text.js";
import { apply, mutation, SEEDS, sip, snapshot } from "./helpers.js";

/** compare parses bytes both ways, reads every accessor in the same order and expects equality. */
function compare(bytes: Uint8Array): void {
  const fast = parseSip(bytes);
  const generic = parseSip(bytes, { generic: true });
  if (fast.message === null || generic.message === null) {
    expect(fast.message).toBe(generic.message);
    expect(fast.issues).toEqual(generic.issues);
    return;
  }
  const a = snapshot(fast.message);
  const b = snapshot(generic.message);
  expect(a).toEqual(b);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  expect(fast.issues).toEqual(generic.issues);
}

/** Pieces of header values that steer the scanners to their edges and fallbacks. */
const PIECE = fc.constantFrom(
  "sip:", "sips:", "SIP:", "tel:", "alice", "@", "example.test", "198.51.100.20", ":", "5060", "65536", "0", ";", "=",
  "tag", "TAG", "branch", "z9hG4bK-1", "rport", "received", "maddr", "ttl", "255", "256", "expires", "q", "0.5", "2",
  "transport", "udp", "lr", "<", ">", '"', '"Alice"', "\\", " ", "  ", "\t", ",", "?", "%41", "%", "[", "]", "::1",
  "\u00e9", "\u0001", "\u000b", "*", "x", "", "+sip.instance", '"<urn:uuid:1>"', '="a;b"', '"\\"',
);
const VIA_PIECE = fc.constantFrom("SIP/2.0/UDP ", "SIP/2.0/TCP ", "SIP/2.0/tls ", "SIP/2.0/SCTP ", "SIP/2.0/ws ", "SIP / 2.0 / UDP ", "SIP/2.0/UDP  ");
const AUTH_PIECE = fc.constantFrom(
  "Digest ", "digest ", "Basic ", "realm", "nonce", "qop", "opaque", "algorithm", "stale", "domain", "username", "uri",
  "response", "cnonce", "nc", "userhash", "charset", "=", '"', "x", "auth", "auth-int", "MD5", "true", "00000001",
  ",", ", ", " ", "\\", "\u00e9", "\u0001", "\t", "sip:a@b", "dGVzdA==",
);

/** value joins generated pieces into one header value. */
const value = (piece: fc.Arbitrary<string>) => fc.array(piece, { maxLength: 16 }).map((p) => p.join(""));

/** BASE are the headers of a minimal valid request the generated header is appended to. */
const BASE = [
  "REGISTER sip:example.test SIP/2.0",
  "Max-Forwards: 70",
  "Call-ID: c1@198.51.100.20",
  "CSeq: 1 REGISTER",
];

describe("fast scanners agree with the generic readers", () => {
  test("every seed message (lab captures, RFC 4475)", () => {
    for (const s of SEEDS) compare(s);
  });

  test("mutated seed messages", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: SEEDS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (i, edits) => {
        compare(apply(SEEDS[i], edits));
      }),
      { numRuns: 1500 },
    );
  });

  test("generated Via, From, To, Contact, Route and auth values", () => {
    const header = fc.oneof(
      fc.tuple(fc.constantFrom("Via", "v"), fc.tuple(VIA_PIECE, value(PIECE)).map(([p, v]) => p + v)),
      fc.tuple(fc.constantFrom("From", "To", "f", "t", "Contact", "m", "Route", "Record-Route"), value(PIECE)),
      fc.tuple(fc.constantFrom("Contact", "m"), fc.tuple(fc.constantFrom("<sip:a@b>", "sip:a@b", '"A" <sip:a@b:1>'), value(PIECE)).map(([p, v]) => p + v)),
      fc.tuple(
        fc.constantFrom("WWW-Authenticate", "Proxy-Authenticate", "Authorization", "Proxy-Authorization"),
        fc.tuple(fc.constantFrom("Digest ", "Digest realm=\"r\", ", "Digest username=\"u\",nonce=\"n\","), value(AUTH_PIECE)).map(([p, v]) => p + v),
      ),
    );
    fc.assert(
      fc.property(fc.array(header, { minLength: 1, maxLength: 4 }), (headers) => {
        const lines = [...BASE, ...headers.map(([n, v]) => `${n}: ${v}`), "Content-Length: 0"];
        compare(sip(lines));
      }),
      { numRuns: 3000 },
    );
  });

  test("generated CSeq values", () => {
    const cseq = fc.array(fc.constantFrom("1", "0", "9", "2147483648", "REGISTER", "register", "INVITE", " ", "\t", "x", "\u00e9"), { maxLength: 8 });
    fc.assert(
      fc.property(fc.constantFrom("REGISTER", "SIP/2.0 200 OK"), cseq, (first, pieces) => {
        const start = first === "REGISTER" ? BASE[0] : first;
        compare(sip([start, ...BASE.slice(1, -1), `CSeq: ${pieces.join("")}`, "Content-Length: 0"]));
      }),
      { numRuns: 1000 },
    );
  });

  test("whitespace and control bytes where the scanners' byte classes end a clean spelling", () => {
    // Each line puts a TAB, VT or control byte where a fast scanner must stop or give up: inside a
    // URI's user part, before a list comma of an unquoted digest value, inside Via parameters.
    const lines = [
      "To: <sip:a\tb@example.test>", "To: <sip:a\u000bb@example.test>;tag=1", "Contact: <sip:a\u0001b@h:5060>;expires=60",
      "From: sip:a\tb@h;tag=2", "Route: <sip:h;lr\u0001>",
      "Authorization: Digest username=\"a\",nc=00000001\t,qop=auth", "Authorization: Digest username=\"a\",qop=auth\u0001,nc=1",
      'WWW-Authenticate: Digest realm="r",nonce="n\u0001",algorithm=MD5\t,qop="auth"',
      "Via: SIP/2.0/UDP h;branch=z9hG4bK\u0001x;rport", "Via: SIP/2.0/UDP h;branch=z9hG4bK\tx;rport", "Via: SIP/2.0/UDP h;rport\u000b;x=1",
      // Quoted parameter values: clean ones are scanned, a quoted-pair, a missing closing quote or
      // text after the closing quote go to the generic reader.
      'Contact: <sip:a@h:5060;transport=udp>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000000100000>";expires=3600',
      'Contact: <sip:a@h>;+sip.instance="<urn:uuid:1>"x;expires=1', 'Contact: <sip:a@h>;p="a\\"b";expires=1',
      'Contact: <sip:a@h>;p="open;expires=1', 'Contact: <sip:a@h>;p="";q=1', 'Contact: <sip:a@h>;p="a b\t\u00e9";expires=2',
      'Via: SIP/2.0/UDP h;branch="z9hG4bK1";received="192.0.2.1";rport', 'From: <sip:a@h>;tag="t;1"', 'To: <sip:a@h>;tag="t"',
    ];
    for (const line of lines) compare(sip([...BASE, line, "Content-Length: 0"]));
  });

  test("the usual spellings take the fast path and read right", () => {
    const m = parseSip(
      sip([
        "SIP/2.0 401 Unauthorized",
        "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-1;rport=5060;received=198.51.100.20;ttl=9",
        'From: "Alice" <sip:alice:pw@example.test>;tag=a1',
        "To: <sip:alice@example.test;transport=udp>;tag=b2",
        "Contact: sip:alice@198.51.100.20:5060;expires=300;q=0.5",
        "Call-ID: c1",
        "CSeq: 1 REGISTER",
        'WWW-Authenticate: Digest realm="example.test", nonce="n1", qop="auth,auth-int", algorithm=MD5, stale=TRUE',
        'Authorization: Digest username="alice",realm="example.test",nonce="n1",uri="sip:example.test",response="r",nc=00000001,qop=auth,cnonce="c"',
        "Content-Length: 0",
      ]),
    );
    const msg = m.message;
    expect(m.issues).toEqual([]);
    expect(msg?.topVia).toMatchObject({ transport: "UDP", host: "198.51.100.20", port: 5060, branch: "z9hG4bK-1", rport: 5060, received: "198.51.100.20", ttl: 9 });
    expect(msg?.topVia?.params.entries()).toEqual([["branch", "z9hG4bK-1"], ["rport", "5060"], ["received", "198.51.100.20"], ["ttl", "9"]]);
    expect(msg?.from).toMatchObject({ displayName: "Alice", tag: "a1", angle: true, uri: { user: "alice", password: "pw", host: "example.test" } });
    expect(msg?.to?.uri.params.get("transport")).toBe("udp");
    expect(msg?.contacts[0]).toMatchObject({ star: false, expires: 300, q: 0.5, angle: false, uri: { host: "198.51.100.20", port: 5060 } });
    const instance = parseSip(
      sip([...BASE, "Via: SIP/2.0/UDP h;branch=z9hG4bK-2", "From: <sip:a@h>;tag=1", "To: <sip:a@h>", 'Contact: <sip:a@h>;+sip.instance="<urn:uuid:1>";expires=60', "Content-Length: 0"]),
    );
    expect(instance.issues).toEqual([]);
    expect(instance.message?.contacts[0]).toMatchObject({ expires: 60, uri: { host: "h" } });
    expect(instance.message?.contacts[0].params.entries()).toEqual([["+sip.instance", "<urn:uuid:1>"], ["expires", "60"]]);
    expect(msg?.challenges[0]).toMatchObject({ realm: "example.test", nonce: "n1", qop: ["auth", "auth-int"], algorithm: "MD5", stale: true });
    expect(msg?.credentials[0]).toMatchObject({ username: "alice", response: "r", nc: "00000001", qop: "auth", cnonce: "c" });
    expect(msg?.credentials[0].quoted).toEqual(["username", "realm", "nonce", "uri", "response", "cnonce"]);
  });

  test("a lazy Params equals an eager one with the same content, and differs from other content", () => {
    const lazy = Params.lazy(";a=1;B", 0, 6);
    const eager = new Params();
    eager.add("a", "1");
    eager.add("b", "");
    expect(lazy).toEqual(eager);
    expect(Params.lazy(";a=2", 0, 4)).not.toEqual(eager);
    expect(lazy.toJSON()).toEqual({ a: "1", b: "" });
  });
});
