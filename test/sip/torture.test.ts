// RFC 4475 torture messages (test/sip/torture/*.txt, in the RFC's §2 notation): the fields a
// tolerant parser must get right and the issues each malformed message must raise.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseSip } from "../../src/sip/parse.js";
import { codes, torture } from "./helpers.js";

/** parse parses a torture message eagerly (every accessor run) and returns message and codes. */
function parse(name: string) {
  const r = parseSip(torture(name), { eager: true });
  if (r.message === null) throw new Error(`${name} did not parse`);
  return { m: r.message, issues: r.issues, codes: codes(r.issues) };
}

const NAMES = readdirSync(fileURLToPath(new URL("./torture/", import.meta.url)))
  .filter((f) => f.endsWith(".txt"))
  .map((f) => f.replace(/\.txt$/, ""));

describe("every torture message", () => {
  test.each(NAMES)("%s parses without throwing, offsets in range", (name) => {
    const bytes = torture(name);
    const r = parseSip(bytes, { eager: true });
    expect(r.message).not.toBeNull();
    for (const i of r.issues) {
      expect(i.offset).toBeGreaterThanOrEqual(0);
      expect(i.offset).toBeLessThanOrEqual(bytes.length);
      expect(i.detail.length).toBeGreaterThan(0);
    }
  });
});

describe("RFC 4475 §3.1.1 valid messages", () => {
  test("wsinv: folding, LWS everywhere, compact and long forms, escaped quotes", () => {
    const { m, codes: c } = parse("wsinv");
    expect(c).toEqual(["folded_header"]);
    expect(m.method).toBe("INVITE");
    expect(m.uri?.params.get("unknownparam")).toBe("");
    expect(m.to?.uri.user).toBe("vivekg");
    expect(m.to?.tag).toBe("1918181833n");
    expect(m.from?.displayName).toBe('J Rosenberg \\"');
    expect(m.from?.tag).toBe("98asjd8");
    expect(m.maxForwards).toBe(68);
    expect(m.callId).toBe("wsinv.ndaksdj@192.0.2.1");
    expect(m.cseq).toEqual({ seq: 9, method: "INVITE" });
    expect(m.contentLength).toBe(150);
    expect(m.body.length).toBe(150);
    expect(m.header("Subject")).toBe("");
    expect(m.header("newfangledheader")).toBe("newfangled value continued newfangled value");
    expect(m.headerValues("UnknownHeaderWithUnusualValue")).toEqual([";;,,;;,;"]);
    expect(m.via.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ["UDP", "192.0.2.2", "390skdjuw"],
      ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
      ["UDP", "192.168.255.111", "z9hG4bK30239"],
    ]);
    expect(m.via.every((v) => v.protocol === "SIP/2.0")).toBe(true);
    expect(m.route[0].uri.host).toBe("services.example.com");
    expect(m.route[0].uri.params.get("lr")).toBe("");
    expect(m.route[0].uri.params.get("unknownwith")).toBe("value");
    const c0 = m.contacts[0];
    expect(c0.displayName).toBe('Quoted string ""');
    expect(c0.params.get("newparam")).toBe("newvalue");
    expect(c0.params.get("secondparam")).toBe("");
    expect(c0.q).toBe(0.33);
    expect(m.sdp?.connection?.address).toBe("192.0.2.4");
    expect(m.sdp?.media.map((x) => [x.media, x.port, x.formats])).toEqual([
      ["audio", 49217, ["0", "12"]],
      ["video", 3227, ["31"]],
    ]);
  });

  test("intmeth: unusual token characters, quoted NUL, UTF-8 parameter", () => {
    const { m, codes: c } = parse("intmeth");
    expect(c).toEqual([]);
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.uri?.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(m.uri?.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(m.uri?.host).toBe("example.com");
    expect(m.via[0].branch).toBe("z9hG4bK-.!%66*_+`'~");
    expect(m.to?.displayName).toBe("BEL:\x07 NUL:\x00 DEL:\x7f");
    expect(m.from?.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.from?.tag).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    expect(m.cseq).toEqual({ seq: 139122385, method: m.method });
    expect(m.maxForwards).toBe(255);
    expect(m.header("extensionHeader-!.%*+_`'~")).toBe(Buffer.from("EFBBBFE5A4A7E5819CE99BBB", "hex").toString("latin1"));
  });

  test("esc01: %-escapes in user parts and URI parameters", () => {
    const { m, codes: c } = parse("esc01");
    expect(c).toEqual(["folded_header"]);
    expect(m.uri?.user).toBe("sips%3Auser%40example.com");
    expect(m.uri?.userUnescaped).toBe("sips:user@example.com");
    expect(m.to?.uri.userUnescaped).toBe("user");
    expect(m.from?.uri.userUnescaped).toBe("I have spaces");
    expect(m.callId).toBe("esc01.239409asdfakjkn23onasd0-3234");
    expect(m.contentType).toBe("application/sdp");
    expect(m.contacts[0].uri.userUnescaped).toBe("caller");
    expect(m.contacts[0].uri.params.get("n%61me")).toBe("v%61lue%25%34%31");
  });

  test("escnull: %00 in user parts is kept raw and unescaped to U+0000", () => {
    const { m, codes: c } = parse("escnull");
    expect(c).toEqual([]);
    expect(m.to?.uri.user).toBe("null-%00-null");
    expect(m.to?.uri.userUnescaped).toBe("null-\u0000-null");
    expect(m.contacts.map((x) => x.uri.userUnescaped)).toEqual(["\u0000", "\u0000\u0000"]);
    expect(m.contentLength).toBe(0);
  });

  test("esc02: % is not an escape in method, display name or header name", () => {
    const { m, codes: c } = parse("esc02");
    expect(c).toEqual([]);
    expect(m.method).toBe("RE%47IST%45R");
    expect(m.cseq?.method).toBe("RE%47IST%45R");
    expect(m.to?.displayName).toBe("%Z%45");
    expect(m.via[0].branch).toBe("z9hG4bK209%fzsnel234");
    expect(m.contacts.map((x) => x.uri.user)).toEqual(["alias1", "alias3"]);
    expect(m.header("C%6Fntact")).toBe("<sip:alias2@host2.example.com>");
  });

  test("lwsdisp: token display name glued to <", () => {
    const { m, codes: c } = parse("lwsdisp");
    expect(c).toEqual([]);
    expect(m.from?.displayName).toBe("caller");
    expect(m.from?.uri.user).toBe("caller");
    expect(m.from?.tag).toBe("323");
  });

  test("longreq: long values and 34 Via lines in every spelling", () => {
    const { m, codes: c } = parse("longreq");
    expect(c).toEqual([]);
    expect(m.via).toHaveLength(34);
    expect(m.via[0].host).toBe("sip33.example.com");
    expect(m.via[33].received).toBe("192.0.2.5");
    expect(m.via[33].branch).toBe(`very${"long".repeat(50)}branchvalue`);
    expect(m.to?.uri.port).toBe(6000);
    expect(m.from?.tag).toBe(`12${"982".repeat(50)}424`);
    expect(m.from?.params.get(`unknownvalueless${"paramname".repeat(10)}`)).toBe("");
    expect(m.contacts[0].uri.user).toBe("amazinglylongcallername".repeat(5));
  });

  test("dblreq: a second request after Content-Length 0 is body, reported", () => {
    const { m, issues } = parse("dblreq");
    expect(m.method).toBe("REGISTER");
    expect(m.contentLength).toBe(0);
    expect(m.body.length).toBeGreaterThan(0);
    expect(issues.filter((i) => i.code === "content_length_mismatch")).toHaveLength(1);
    expect(m.contacts[0].uri.host).toBe("host.example.com");
  });

  test("semiuri: ; in the user part of the Request-URI", () => {
    const { m } = parse("semiuri");
    expect(m.uri?.user).toBe("user;par=u%40example.net");
    expect(m.uri?.userUnescaped).toBe("user;par=u@example.net");
    expect(m.uri?.host).toBe("example.com");
    expect(m.uri?.params.size).toBe(0);
    expect(m.headerValues("accept")).toHaveLength(6);
  });

  test("transports: Via with UDP, SCTP, TLS, an unknown transport and TCP", () => {
    const { m, codes: c } = parse("transports");
    expect(c).toEqual([]);
    expect(m.via.map((v) => v.transport)).toEqual(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    expect(m.callId).toBe("transports.kijh4akdnaqjkwendsasfdj");
  });

  test("mpart01: binary multipart body kept as bytes, length checked", () => {
    const { m, codes: c } = parse("mpart01");
    expect(c).toEqual([]);
    expect(m.mediaType).toBe("multipart/mixed");
    expect(m.sdp).toBeUndefined();
    expect(m.body.length).toBe(m.contentLength);
    expect(Buffer.from(m.body).includes(Buffer.from("3082015206", "hex"))).toBe(true);
  });

  test("unreason: UTF-8 reason phrase", () => {
    const { m, codes: c } = parse("unreason");
    expect(c).toEqual([]);
    expect(m.status).toBe(200);
    expect(m.reason).toBe("= 2**3 * 5**2 но сто девяносто девять - простое");
  });

  test("noreason: empty reason phrase after the required SP", () => {
    const { m, codes: c } = parse("noreason");
    expect(c).toEqual([]);
    expect(m.status).toBe(100);
    expect(m.reason).toBe("");
  });
});

describe("RFC 4475 §3.1.2 invalid messages: parsed and reported", () => {
  test("badinv01: empty Via and Contact parameters", () => {
    const { m, codes: c } = parse("badinv01");
    expect(c).toEqual(["bad_name_addr", "bad_via", "empty_list_item"]);
    expect(m.via[0].host).toBe("192.0.2.15");
    expect(m.contacts[0].displayName).toBe("Joe");
  });

  test("clerr: Content-Length larger than the body", () => {
    const { m, issues } = parse("clerr");
    expect(m.contentLength).toBe(9999);
    expect(m.body.length).toBeLessThan(9999);
    const mismatch = issues.find((i) => i.code === "content_length_mismatch");
    expect(mismatch?.detail).toMatch(/9999/);
  });

  test("scalar02: negative Content-Length", () => {
    const { m, codes: c } = parse("scalar02");
    expect(c).toEqual(["bad_content_length"]);
    expect(m.contentLength).toBeUndefined();
    expect(m.body.length).toBeGreaterThan(0);
  });

  test("scalarlg: overlarge CSeq, Max-Forwards, Expires and contact expires", () => {
    const { m, issues } = parse("scalarlg");
    expect(codes(issues)).toEqual(["bad_cseq", "bad_number", "folded_header"]);
    expect(m.cseq?.method).toBe("REGISTER");
    expect(m.maxForwards).toBe(255);
    expect(m.expires).toBe(0xffffffff);
    expect(m.contacts[0].expires).toBe(0xffffffff);
    expect(issues.filter((i) => i.code === "bad_number")).toHaveLength(3);
  });

  test("scalarls: overlarge response scalars and a 4-digit warn-code", () => {
    const { m, codes: c } = parse("scalarls");
    expect(c).toEqual(["bad_cseq", "bad_header_value", "bad_number"]);
    expect(m.status).toBe(503);
    expect(m.retryAfter?.seconds).toBe(0xffffffff);
    expect(m.warnings).toEqual([]);
  });

  test("quotbal: unterminated display-name quote, URI still found", () => {
    const { m, codes: c } = parse("quotbal");
    expect(c).toEqual(["unterminated_quote"]);
    expect(m.to?.displayName).toBe("Mr. J. User");
    expect(m.to?.uri.user).toBe("j.user");
  });

  test("ltgtruri: Request-URI in <>", () => {
    const { m, codes: c } = parse("ltgtruri");
    expect(c).toEqual(["bad_uri"]);
    expect(m.requestUri).toBe("<sip:user@example.com>");
    expect(m.uri?.host).toBe("example.com");
  });

  test("lwsruri: LWS inside the Request-URI", () => {
    const { m, codes: c } = parse("lwsruri");
    expect(c).toContain("bad_start_line");
    expect(m.requestUri).toBe("sip:user@example.com; lr");
    expect(m.version).toBe("SIP/2.0");
  });

  test("lwsstart and trws: extra spaces in the request line", () => {
    for (const name of ["lwsstart", "trws"]) {
      const { m, codes: c } = parse(name);
      expect(c).toEqual(["extra_whitespace"]);
      expect(m.version).toBe("SIP/2.0");
      expect(m.uri?.kind).toBe("sip");
    }
  });

  test("escruri: URI headers in the Request-URI", () => {
    const { m, codes: c } = parse("escruri");
    expect(c).toEqual(["bad_uri"]);
    expect(m.uri?.headers.get("Route")).toBe("%3Csip:example.com%3E");
  });

  test("baddate: a non-GMT Date is kept raw", () => {
    const { m } = parse("baddate");
    expect(m.header("date")).toBe("Fri, 01 Jan 2010 16:00:00 EST");
  });

  test("regbadct: addr-spec with ?headers must be in <>", () => {
    const { m, codes: c } = parse("regbadct");
    expect(c).toEqual(["bad_name_addr"]);
    expect(m.contacts[0].uri.headers.get("Route")).toBe("%3Csip:sip.example.com%3E");
  });

  test("badaspec: LWS inside <>", () => {
    const { m, codes: c } = parse("badaspec");
    expect(c).toEqual(["extra_whitespace"]);
    expect(m.to?.uri.user).toBe("t.watson");
    expect(m.from?.displayName).toBe("Bell, Alexander");
  });

  test("baddn: unquoted display name with a comma", () => {
    const { m, codes: c } = parse("baddn");
    expect(c).toEqual(["bad_display_name"]);
    expect(m.from?.displayName).toBe("Bell, Alexander");
    expect(m.from?.tag).toBe("43");
  });

  test("badvers: SIP/7.0", () => {
    const { m, issues } = parse("badvers");
    expect(codes(issues)).toEqual(["bad_version"]);
    expect(issues).toHaveLength(2); // start line and Via
    expect(m.version).toBe("SIP/7.0");
  });

  test("mismatch01 / mismatch02: CSeq method differs from the request method", () => {
    for (const name of ["mismatch01", "mismatch02"]) {
      const { m, codes: c } = parse(name);
      expect(c).toEqual(["cseq_method_mismatch"]);
      expect(m.cseq?.method).toBe("INVITE");
    }
  });

  test("bigcode: status code out of range", () => {
    const { m, codes: c } = parse("bigcode");
    expect(c).toEqual(["bad_start_line"]);
    expect(m.kind).toBe("response");
    expect(m.reason).toBe("better not break the receiver");
  });
});

describe("RFC 4475 §3.2-3.3 transaction and application layer", () => {
  test("badbranch: branch that is only the magic cookie", () => {
    expect(parse("badbranch").m.topVia?.branch).toBe("z9hG4bK");
  });

  test("insuf: missing To, From, Call-ID, Max-Forwards", () => {
    const { m, issues } = parse("insuf");
    const missing = issues.filter((i) => i.code === "missing_header").map((i) => i.detail);
    expect(missing).toEqual(["From is missing", "To is missing", "Call-ID is missing", "Max-Forwards is missing"]);
    expect(m.from).toBeUndefined();
    expect(m.callId).toBeUndefined();
  });

  test("unkscm: unknown Request-URI scheme kept raw", () => {
    const { m, codes: c } = parse("unkscm");
    expect(c).toEqual([]);
    expect(m.uri).toMatchObject({ kind: "absolute", scheme: "nobodyknowsthisscheme", raw: "nobodyKnowsThisScheme:totallyopaquecontent" });
  });

  test("regaut01: unknown auth scheme", () => {
    const { m, codes: c } = parse("regaut01");
    expect(c).toEqual([]);
    expect(m.credentials[0].scheme).toBe("NoOneKnowsThisScheme");
    expect(m.credentials[0].params.get("opaque-data")).toBe("here");
  });

  test("zeromf, cparam01/02, regescrt, inv2543", () => {
    expect(parse("zeromf").m.maxForwards).toBe(0);
    const c1 = parse("cparam01").m.contacts[0];
    expect(c1.params.get("unknownparam")).toBe(""); // addr-spec: a header parameter
    expect(c1.uri.params.size).toBe(0);
    const c2 = parse("cparam02").m.contacts[0];
    expect(c2.uri.params.get("unknownparam")).toBe(""); // name-addr: a URI parameter
    expect(c2.uri.user).toBe("+19725552222");
    const esc = parse("regescrt");
    expect(esc.codes).toEqual([]);
    expect(esc.m.contacts[0].uri.headers.get("Route")).toBe("%3Csip:sip.example.com%3E");
    const old = parse("inv2543");
    expect(old.m.topVia?.branch).toBeUndefined();
    expect(old.m.to?.uri.params.size).toBe(0);
    expect(old.m.to?.params.get("user")).toBe("phone");
    expect(old.m.recordRoute[0].uri.params.get("maddr")).toBe("ss1.example.com");
  });
});
