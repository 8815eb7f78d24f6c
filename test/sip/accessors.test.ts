// Start line, header index and every typed accessor, with normal and odd inputs.
import { describe, expect, test } from "vitest";
import { SIP_ISSUES } from "../../src/sip/issues.js";
import { parseSip } from "../../src/sip/parse.js";
import { codes, sip } from "./helpers.js";

/** REQ is a minimal valid request header block; tests append the headers under test. */
const REQ = [
  "REGISTER sip:example.test SIP/2.0",
  "Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-1",
  "Max-Forwards: 70",
  "From: <sip:alice@example.test>;tag=a1",
  "To: <sip:alice@example.test>",
  "Call-ID: c1@198.51.100.20",
  "CSeq: 1 REGISTER",
];
const RESP = ["SIP/2.0 401 Unauthorized", ...REQ.slice(1).filter((l) => !l.startsWith("Max-Forwards"))];

/** msg parses lines (plus body) eagerly and returns the message, failing the test when null. */
function msg(lines: string[], body = "") {
  const r = parseSip(sip(lines, body), { eager: true });
  if (r.message === null) throw new Error(`not parsed: ${JSON.stringify(r.issues)}`);
  return { m: r.message, issues: r.issues, codes: codes(r.issues) };
}

describe("start line", () => {
  test("request and response fields", () => {
    const { m, codes: c } = msg([...REQ, "Content-Length: 0"]);
    expect(c).toEqual([]);
    expect(m).toMatchObject({ kind: "request", method: "REGISTER", methodUpper: "REGISTER", requestUri: "sip:example.test", version: "SIP/2.0" });
    const r = msg([...RESP, "Content-Length: 0"]).m;
    expect(r).toMatchObject({ kind: "response", status: 401, reason: "Unauthorized", version: "SIP/2.0" });
    expect(r.method).toBeUndefined();
  });

  test("lower-case method is normalised and reported", () => {
    const { m, codes: c } = msg(["register sip:example.test SIP/2.0", ...REQ.slice(1, -1), "CSeq: 1 register"]);
    expect(m.method).toBe("register");
    expect(m.methodUpper).toBe("REGISTER");
    expect(c).toEqual(["lowercase_method"]);
  });

  test("bare LF line endings, leading CRLF, extra spaces", () => {
    const bytes = new Uint8Array(Buffer.from(`\r\nOPTIONS  sip:a@b SIP/2.0\n${REQ.slice(1).join("\n")}\n\n`, "latin1"));
    const r = parseSip(bytes, { eager: true });
    expect(r.message?.method).toBe("OPTIONS");
    expect(r.message?.callId).toBe("c1@198.51.100.20");
    expect(codes(r.issues)).toEqual(["bare_lf", "cseq_method_mismatch", "extra_whitespace", "leading_crlf"]);
    expect(r.issues.find((i) => i.code === "bare_lf")?.offset).toBe(bytes.indexOf(10, 2));
  });

  test("a bare-LF blank line before a CRLF CRLF in the body ends the headers", () => {
    const text = `${REQ.join("\r\n")}\r\nContent-Length: 8\n\nab\r\n\r\ncd`;
    const r = parseSip(new Uint8Array(Buffer.from(text, "latin1")), { eager: true });
    expect(Buffer.from(r.message?.body ?? []).toString("latin1")).toBe("ab\r\n\r\ncd");
    expect(r.message?.contentLength).toBe(8);
    expect(codes(r.issues)).toEqual(["bare_lf"]);
    expect(r.issues[0].detail).toMatch(/^2 line/);
  });

  test("missing version, missing SP before empty reason", () => {
    expect(msg(["INVITE sip:a@b", ...REQ.slice(1)]).codes).toContain("bad_start_line");
    const r = msg(["SIP/2.0 180", ...RESP.slice(1)]);
    expect(r.m.status).toBe(180);
    expect(r.m.reason).toBe("");
    expect(r.codes).toEqual(["bad_start_line"]);
  });

  test.each([
    ["empty", ""],
    ["only line breaks", "\r\n\r\n"],
    ["HTTP", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"],
    ["binary", "\u0000\u0001\u0002garbage"],
    ["one word", "hello\r\n"],
  ])("not SIP: %s", (_, text) => {
    const r = parseSip(new Uint8Array(Buffer.from(text, "latin1")));
    expect(r.message).toBeNull();
    expect(codes(r.issues)).toEqual(["not_sip"]);
  });
});

describe("header index", () => {
  test.each([
    ["i", "Call-ID"], ["m", "Contact"], ["f", "From"], ["t", "To"], ["v", "Via"], ["l", "Content-Length"],
    ["c", "Content-Type"], ["k", "Supported"], ["s", "Subject"], ["e", "Content-Encoding"], ["o", "Event"],
    ["u", "Allow-Events"], ["r", "Refer-To"], ["b", "Referred-By"], ["x", "Session-Expires"], ["a", "Accept-Contact"],
    ["j", "Reject-Contact"], ["d", "Request-Disposition"], ["y", "Identity"], ["n", "Identity-Info"],
  ])("compact form %s is %s", (compact, full) => {
    const m = msg(["OPTIONS sip:a@b SIP/2.0", `${compact.toUpperCase()}: value-${compact}`]).m;
    expect(m.header(full)).toBe(`value-${compact}`);
    expect(m.header(full.toUpperCase())).toBe(`value-${compact}`);
    expect(m.header(compact)).toBe(`value-${compact}`);
    expect(m.headerList()[0]).toMatchObject({ name: compact.toUpperCase(), key: full.toLowerCase() });
  });

  test("folded values are unfolded and reported", () => {
    const { m, issues } = msg([...REQ.slice(0, 1), "Via: SIP/2.0/UDP h1;branch=z9hG4bK-a,", "   SIP/2.0/TCP h2:5070", "\t;branch=z9hG4bK-b", ...REQ.slice(2)]);
    expect(m.headerValues("via")).toEqual(["SIP/2.0/UDP h1;branch=z9hG4bK-a", "SIP/2.0/TCP h2:5070 ;branch=z9hG4bK-b"]);
    expect(m.via.map((v) => [v.host, v.port, v.branch])).toEqual([["h1", undefined, "z9hG4bK-a"], ["h2", 5070, "z9hG4bK-b"]]);
    expect(issues.filter((i) => i.code === "folded_header")).toHaveLength(1);
  });

  test("list headers split at commas, others do not", () => {
    const { m } = msg([
      ...REQ,
      "Supported: path, outbound",
      "k: gruu",
      "Allow: INVITE, ACK,BYE",
      'WWW-Authenticate: Digest realm="a, b", nonce="n"',
      "User-Agent: Phone/1.0 (a, b)",
      "Date: Sat, 13 Nov 2010 23:29:00 GMT",
      'Contact: "Doe, John" <sip:j@h;x=1,2>, <sip:k@h>',
    ]);
    expect(m.supported).toEqual(["path", "outbound", "gruu"]);
    expect(m.headerValues("allow")).toEqual(["INVITE", "ACK", "BYE"]);
    expect(m.headerValues("www-authenticate")).toHaveLength(1);
    expect(m.headerValues("user-agent")).toEqual(["Phone/1.0 (a, b)"]);
    expect(m.headerValues("date")).toHaveLength(1);
    expect(m.headerValues("contact")).toEqual(['"Doe, John" <sip:j@h;x=1,2>', "<sip:k@h>"]);
    expect(m.contacts.map((c) => c.displayName)).toEqual(["Doe, John", undefined]);
    expect(m.header("X-Absent")).toBeUndefined();
    expect(m.hasHeader("supported")).toBe(true);
    expect(m.headerValues("X-Absent")).toEqual([]);
  });

  test("lines without colon or with a bad name are skipped and reported", () => {
    const { m, issues } = msg([...REQ.slice(0, 3), "this line has no colon", "Bad Name: x", " continuation-of-bad", ...REQ.slice(3)]);
    expect(issues.filter((i) => i.code === "bad_header_line")).toHaveLength(2);
    expect(m.headerCount).toBe(REQ.length - 1 + 0);
    expect(m.callId).toBe("c1@198.51.100.20");
    const first = parseSip(sip([REQ[0], " orphan continuation", ...REQ.slice(1)]));
    expect(codes(first.issues)).toEqual(["bad_header_line"]);
  });

  test("duplicate single-valued headers and missing mandatory headers", () => {
    expect(msg([...REQ, "Call-ID: other"]).codes).toEqual(["duplicate_header"]);
    const { issues } = msg(["SIP/2.0 200 OK", "Via: SIP/2.0/UDP h;branch=z9hG4bK-1"]);
    expect(issues.filter((i) => i.code === "missing_header").map((i) => i.detail)).toEqual([
      "From is missing", "To is missing", "Call-ID is missing", "CSeq is missing",
    ]);
  });

  test("no blank line: headers only, reported", () => {
    const r = parseSip(new Uint8Array(Buffer.from(`${REQ.join("\r\n")}\r\nContent-Length: 0\r\n`, "latin1")));
    expect(codes(r.issues)).toEqual(["missing_blank_line"]);
    expect(r.message?.cseq).toEqual({ seq: 1, method: "REGISTER" });
    expect(r.message?.body.length).toBe(0);
  });
});

describe("Content-Length", () => {
  test("matches, larger, smaller, malformed, compact, absent", () => {
    expect(msg([...REQ, "Content-Length: 4"], "abcd").codes).toEqual([]);
    const larger = msg([...REQ, "Content-Length: 10"], "abcd");
    expect(larger.codes).toEqual(["content_length_mismatch"]);
    expect(larger.m.contentLength).toBe(10);
    expect(larger.m.bodyLength).toBe(4);
    expect(msg([...REQ, "l: 2"], "abcd").issues[0].detail).toMatch(/fewer declared/);
    expect(msg([...REQ, "Content-Length: 4x"], "abcd").codes).toEqual(["bad_content_length"]);
    expect(msg([...REQ, "Content-Length:    4   "], "abcd").m.contentLength).toBe(4);
    const none = msg(REQ, "abcd");
    expect(none.codes).toEqual([]);
    expect(none.m.contentLength).toBeUndefined();
    expect(Buffer.from(none.m.body).toString()).toBe("abcd");
  });
});

describe("Via", () => {
  test("stack across lines and commas, rport with and without value, received, maddr, ttl, IPv6", () => {
    const { m, codes: c } = msg([
      "SIP/2.0 200 OK",
      "Via: SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK-a;rport=40287;received=203.0.113.1",
      "v: SIP/2.0/tcp host.example;branch=z9hG4bK-b;rport, SIP/2.0/TLS 192.0.2.1;maddr=224.0.1.75;ttl=16;x-extra",
      "From: <sip:a@b>;tag=1", "To: <sip:a@b>", "Call-ID: x", "CSeq: 1 OPTIONS",
    ]);
    expect(c).toEqual([]);
    expect(m.via).toHaveLength(3);
    expect(m.topVia).toMatchObject({ host: "2001:db8::1", ipv6: true, port: 5062, rport: 40287, received: "203.0.113.1", transport: "UDP" });
    expect(m.via[1]).toMatchObject({ host: "host.example", transport: "TCP", rport: true, branch: "z9hG4bK-b" });
    expect(m.via[1].port).toBeUndefined();
    expect(m.via[2]).toMatchObject({ maddr: "224.0.1.75", ttl: 16, transport: "TLS" });
    expect(m.via[2].params.get("x-extra")).toBe("");
  });

  test("malformed Via values", () => {
    const { m, issues } = msg([REQ[0], "Via: garbage", "Via: SIP/2.0/UDP host:99999;rport=abc", "Via: SIP/2.0/UDP", ...REQ.slice(2)]);
    expect(issues.filter((i) => i.code === "bad_via")).toHaveLength(4);
    expect(m.via.map((v) => v.host)).toEqual(["host", ""]);
    expect(m.via[0].rport).toBe(true);
  });
});

describe("From / To / Contact / Route", () => {
  test("name-addr with quoted, escaped and UTF-8 display names", () => {
    const { m } = msg([
      REQ[0], REQ[1], REQ[2],
      'From: "Al \\"the\\" Ice" <sips:alice@[2001:db8::2]:5061;transport=tls?subject=hi>;tag=x9;epid=1',
      `To: "J\u00c3\u00b6rg" <tel:+1-201-555-0123;phone-context=example.com>`,
      ...REQ.slice(5),
    ]);
    expect(m.from).toMatchObject({ displayName: 'Al "the" Ice', tag: "x9", angle: true });
    expect(m.from?.params.get("epid")).toBe("1");
    expect(m.from?.uri).toMatchObject({ kind: "sip", scheme: "sips", user: "alice", host: "2001:db8::2", ipv6: true, port: 5061 });
    expect(m.from?.uri.params.get("transport")).toBe("tls");
    expect(m.from?.uri.headers.get("subject")).toBe("hi");
    expect(m.to?.displayName).toBe("Jörg");
    expect(m.to?.uri).toMatchObject({ kind: "tel", scheme: "tel", user: "+1-201-555-0123" });
    expect(m.to?.uri.params.get("phone-context")).toBe("example.com");
  });

  test("addr-spec: parameters after the URI belong to the header (RFC 3261 §20.10)", () => {
    const { m } = msg([REQ[0], REQ[1], REQ[2], "From: sip:alice@example.test;tag=t1;transport=udp", "To: sip:bob@example.test", ...REQ.slice(5)]);
    expect(m.from?.tag).toBe("t1");
    expect(m.from?.params.get("transport")).toBe("udp");
    expect(m.from?.uri.params.size).toBe(0);
    expect(m.from?.angle).toBe(false);
    expect(m.to?.tag).toBeUndefined();
  });

  test("Contact list: wildcard, expires, q, addr-spec, several headers", () => {
    const { m, codes: c } = msg([
      ...REQ,
      "Contact: <sip:alice@198.51.100.20:5060;transport=UDP>;expires=300;q=0.7, sip:alice@192.0.2.9;expires=0",
      "m: *",
      "Expires: 3600",
    ]);
    expect(c).toEqual([]);
    expect(m.contacts.map((x) => [x.star, x.uri.host, x.expires, x.q])).toEqual([
      [false, "198.51.100.20", 300, 0.7],
      [false, "192.0.2.9", 0, undefined],
      [true, undefined, undefined, undefined],
    ]);
    expect(m.contacts[0].uri.params.get("transport")).toBe("UDP");
    expect(m.expires).toBe(3600);
    expect(msg([...REQ, "Contact: <sip:a@b>;expires=soon;q=2"]).issues.filter((i) => i.code === "bad_number")).toHaveLength(2);
  });

  test("Route and Record-Route sets", () => {
    const { m } = msg([...REQ, "Route: <sip:p1.example;lr>, <sip:p2.example;lr>", "Record-Route: <sip:203.0.113.10;lr=on;ftag=x>"]);
    expect(m.route.map((r) => r.uri.host)).toEqual(["p1.example", "p2.example"]);
    expect(m.recordRoute[0].uri.params.get("lr")).toBe("on");
  });

  test("bad URIs", () => {
    const { issues } = msg([...REQ, "Route: <nocolon>", "Record-Route: <sip:a@b:port>, <sip:%zz@h>, <sip:@h>, <sip:[::1>"]);
    expect(issues.filter((i) => i.code === "bad_uri")).toHaveLength(6); // the bad port also leaves text after the host
  });
});

describe("numeric and text headers", () => {
  test("CSeq, Expires, Max-Forwards, Min-Expires, Retry-After, Warning, Reason, User-Agent, Server", () => {
    const { m, codes: c } = msg([
      "SIP/2.0 423 Interval Too Brief", ...RESP.slice(1),
      "Min-Expires: 600",
      "Retry-After: 120 (I'm in a meeting) ;duration=3600",
      'Warning: 301 isi.edu "Incompatible network address type \'E.164\'", 399 devnull "Elvis has left"',
      'Reason: SIP ;cause=200 ;text="Call completed elsewhere", Q.850;cause=16',
      "User-Agent: T\u00c3\u00a9l\u00c3\u00a9phone/2.0",
      "Server: kamailio-lab (5.6)",
    ]);
    expect(c).toEqual([]);
    expect(m.cseq).toEqual({ seq: 1, method: "REGISTER" });
    expect(m.minExpires).toBe(600);
    expect(m.retryAfter).toMatchObject({ seconds: 120, comment: "I'm in a meeting", duration: 3600 });
    expect(m.warnings).toEqual([
      { code: 301, agent: "isi.edu", text: "Incompatible network address type 'E.164'" },
      { code: 399, agent: "devnull", text: "Elvis has left" },
    ]);
    expect(m.reasons.map((r) => [r.protocol, r.cause, r.text])).toEqual([["SIP", 200, "Call completed elsewhere"], ["Q.850", 16, undefined]]);
    expect(m.userAgent).toBe("Téléphone/2.0");
    expect(m.server).toBe("kamailio-lab (5.6)");
  });

  test("bad CSeq values", () => {
    expect(msg([...REQ.slice(0, -1), "CSeq: REGISTER"]).m.cseq).toBeUndefined();
    expect(msg([...REQ.slice(0, -1), "CSeq: 1REGISTER"]).codes).toContain("bad_cseq");
    expect(msg([...REQ.slice(0, -1), "CSeq: 2147483648 REGISTER"]).codes).toEqual(["bad_cseq"]);
    expect(msg([...REQ.slice(0, -1), "CSeq: 7 REGISTER extra"]).codes).toEqual(["bad_cseq"]);
  });

  test("bad numbers", () => {
    const { m, issues } = msg([...REQ.slice(0, 2), "Max-Forwards: seventy", ...REQ.slice(3), "Expires: 3600 sec", "Retry-After: soon"]);
    expect(m.maxForwards).toBeUndefined();
    expect(m.expires).toBe(3600);
    expect(m.retryAfter).toBeUndefined();
    expect(issues.filter((i) => i.code === "bad_number")).toHaveLength(3);
  });
});

describe("challenges and credentials", () => {
  test("several challenges: two in one header, another header, Proxy-Authenticate", () => {
    const { m, codes: c } = msg([
      ...RESP,
      'WWW-Authenticate: Digest realm="example.test", nonce="n256", algorithm=SHA-256, qop="auth,auth-int", opaque="o1", domain="sip:example.test sip:backup.example.test", stale=TRUE, userhash=true, charset=UTF-8, Digest realm="example.test", nonce="n5", algorithm=MD5, qop="auth"',
      'WWW-Authenticate: Digest realm="example.test", nonce="nsess", algorithm=SHA-512-256-sess',
      'Proxy-Authenticate: Digest realm="proxy", nonce="p1"',
    ]);
    expect(c).toEqual([]);
    expect(m.challenges.map((x) => [x.header, x.algorithm, x.nonce])).toEqual([
      ["WWW-Authenticate", "SHA-256", "n256"],
      ["WWW-Authenticate", "MD5", "n5"],
      ["WWW-Authenticate", "SHA-512-256-sess", "nsess"],
      ["Proxy-Authenticate", undefined, "p1"],
    ]);
    expect(m.challenges[0]).toMatchObject({
      scheme: "Digest", realm: "example.test", qop: ["auth", "auth-int"], opaque: "o1", stale: true, userhash: true, charset: "UTF-8",
      domain: ["sip:example.test", "sip:backup.example.test"],
    });
    expect(m.challenges[3].qop).toEqual([]);
  });

  test("credentials with unquoted, quoted-token, empty items, odd spacing and escaped quotes", () => {
    const { m, issues } = msg([
      ...REQ,
      'Authorization: Digest  username = alice ,, realm="ex\\"am\\\\ple" ,nonce="abc",uri=sip:example.test, response="0123",qop="auth",nc=00000001,cnonce="c1",  algorithm = MD5 ,',
    ]);
    const cr = m.credentials[0];
    expect(cr).toMatchObject({ username: "alice", realm: 'ex"am\\ple', nonce: "abc", uri: "sip:example.test", qop: "auth", nc: "00000001", cnonce: "c1", algorithm: "MD5" });
    expect(issues.filter((i) => i.code === "unquoted_auth_param").map((i) => i.detail)).toEqual([
      "Authorization: username=alice must be a quoted string",
      "Authorization: uri=sip:example.test must be a quoted string",
    ]);
    expect(codes(issues)).toEqual(["quoted_auth_param", "unquoted_auth_param"]);
  });

  test("duplicates, a missing comma, an unquoted qop list, Basic, Proxy-Authorization", () => {
    const { m, issues } = msg([
      ...REQ,
      'Authorization: Digest username="a" realm="r", nonce="1", nonce="2", response="x", uri="sip:r"',
      "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
    ]);
    expect(m.credentials[0]).toMatchObject({ username: "a", realm: "r", nonce: "1" });
    expect(m.credentials[1]).toMatchObject({ header: "Proxy-Authorization", scheme: "Basic", token68: "QWxhZGRpbjpvcGVuIHNlc2FtZQ==" });
    expect(codes(issues)).toEqual(["bad_auth_header", "duplicate_auth_param"]);
    const ch = msg([...RESP, 'WWW-Authenticate: Digest realm="r", nonce="n", qop=auth,auth-int']);
    expect(ch.m.challenges[0].qop).toEqual(["auth", "auth-int"]);
    expect(ch.codes).toEqual(["unquoted_auth_param"]);
  });

  test("broken auth headers do not throw", () => {
    const { m, issues } = msg([...RESP, "WWW-Authenticate: ", 'WWW-Authenticate: realm="x"', 'WWW-Authenticate: Digest nonce="open', "WWW-Authenticate: Digest =x, @"]);
    expect(m.challenges.length).toBeGreaterThan(0);
    expect(codes(issues)).toEqual(["bad_auth_header", "unterminated_quote"]);
  });
});

describe("SDP", () => {
  test("origin, session and media connection, ports, formats, attributes", () => {
    const body = [
      "v=0", "o=- 20518 0 IN IP6 2001:db8::5", "s=Talk", "c=IN IP4 224.2.1.1/127/3", "t=0 0",
      "m=audio 49170/2 RTP/AVP 0 8 101", "c=IN IP6 ff15::101/3", "a=rtpmap:101 telephone-event/8000", "a=sendonly",
      "m=video 0 RTP/SAVPF 96", "",
    ].join("\r\n");
    const { m, codes: c } = msg([...REQ.slice(0, 1), ...REQ.slice(1), "Content-Type: Application/SDP; charset=utf-8", `Content-Length: ${body.length}`], body);
    expect(c).toEqual([]);
    expect(m.mediaType).toBe("application/sdp");
    const s = m.sdp;
    expect(s?.origin).toEqual({ username: "-", sessId: "20518", sessVersion: "0", netType: "IN", addrType: "IP6", address: "2001:db8::5" });
    expect(s?.connection).toEqual({ netType: "IN", addrType: "IP4", address: "224.2.1.1", ttl: 127, count: 3 });
    expect(s?.media[0]).toMatchObject({ media: "audio", port: 49170, portCount: 2, proto: "RTP/AVP", formats: ["0", "8", "101"] });
    expect(s?.media[0].connection).toEqual({ netType: "IN", addrType: "IP6", address: "ff15::101", count: 3 });
    expect(s?.media[0].attributes).toEqual([{ name: "rtpmap", value: "101 telephone-event/8000" }, { name: "sendonly" }]);
    expect(s?.media[1].port).toBe(0);
  });

  test("malformed SDP lines are reported with offsets inside the body", () => {
    const body = "v=x\r\nbogus\r\no=short\r\nc=IN\r\nm=audio\r\nm=audio 70000 RTP/AVP 0\r\n";
    const { m, issues } = msg([...REQ, "Content-Type: application/sdp"], body);
    expect(m.sdp?.media).toHaveLength(1);
    const sdpIssues = issues.filter((i) => i.code === "bad_sdp");
    expect(sdpIssues).toHaveLength(6);
    for (const i of sdpIssues) expect(i.offset).toBeGreaterThanOrEqual(m.bodyOffset);
  });

  test("no SDP for other media types or an empty body", () => {
    expect(msg([...REQ, "Content-Type: text/plain"], "v=0\r\n").m.sdp).toBeUndefined();
    expect(msg([...REQ, "Content-Type: application/sdp"]).m.sdp).toBeUndefined();
  });
});

describe("laziness", () => {
  test("typed accessors add their issues once, on first use; parseAll completes them", () => {
    const r = parseSip(sip([...REQ.slice(0, -1), "CSeq: x REGISTER"]));
    expect(r.issues).toEqual([]);
    expect(r.message?.cseq).toBeUndefined();
    expect(codes(r.issues)).toEqual(["bad_cseq"]);
    void r.message?.cseq;
    expect(r.issues).toHaveLength(1);
    expect(r.message?.parseAll()).toBe(r.issues);
  });

  test("every issue code used is declared in SIP_ISSUES", () => {
    const { issues } = msg([...REQ, "Via: junk", "Contact: <sip:a@b", "Expires: x"]);
    for (const i of issues) expect(Object.keys(SIP_ISSUES)).toContain(i.code);
  });
});

describe("hostile input stays bounded", () => {
  test("issues are capped per message, the last saying so", () => {
    const r = parseSip(sip([...REQ, ...Array.from({ length: 500 }, () => "no colon here")]));
    expect(r.issues).toHaveLength(200);
    expect(r.issues[199].code).toBe("too_many_issues");
  });

  test("thousands of distinct parameters parse in linear time", () => {
    const via = `Via: SIP/2.0/UDP h${Array.from({ length: 8000 }, (_, i) => `;p${i}`).join("")}`;
    const auth = `Authorization: Digest ${Array.from({ length: 6000 }, (_, i) => `q${i}=1`).join(",")}`;
    const t0 = performance.now();
    const m = msg([REQ[0], via, ...REQ.slice(2), auth]).m;
    expect(m.via[0].params.size).toBe(8000);
    expect(m.credentials[0].params.get("q5999")).toBe("1");
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
