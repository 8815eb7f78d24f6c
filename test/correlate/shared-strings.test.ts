/**
 * Records that outlive their transactions share the strings they repeat: the attempts of a
 * registration or handshake keep its listed Call-ID, and credentials keep the nonce record's copy
 * of the nonce they answer (each message would otherwise leave its own copy behind).
 */
import { describe, expect, it } from "vitest";
import { stringCopies } from "../helpers/heap.js";

describe("strings kept by correlation records", () => {
  it("one copy of the Call-ID per cycle and of each nonce for a phone refreshing 300 times", () => {
    // Every message is parsed from its own bytes, as captured: each holds fresh copies.
    const script = `
      const { parseSip } = await import(DIST + "/sip/parse.js");
      const { Correlator } = await import(DIST + "/correlate/correlator.js");
      const c = new Correlator();
      let frame = 0;
      const add = (text, fromPhone) => {
        const bytes = new TextEncoder().encode(text);
        const { message, issues } = parseSip(bytes);
        frame++;
        const [a, b] = fromPhone ? ["192.0.2.10", "198.51.100.1"] : ["198.51.100.1", "192.0.2.10"];
        c.add({ frame, frames: [frame], tsNs: 1700000000000000000n + BigInt(frame) * 1000000000n, relNs: BigInt(frame) * 1000000000n,
          src: a, srcPort: 5060, dst: b, dstPort: 5060, transport: "UDP", ipVersion: 4, capture: 0, bytes, message, issues });
      };
      const head = (n, branch) => "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-" + branch + "\\r\\nFrom: <sip:alice@example.test>;tag=1\\r\\n" +
        "To: <sip:alice@example.test>\\r\\nCall-ID: refresh-call-id-0123456789\\r\\nCSeq: " + n + " REGISTER\\r\\n";
      for (let k = 0; k < 300; k++) {
        const nonce = "nonce-" + String(k).padStart(6, "0") + "-abcdefghijklmnop";
        add("REGISTER sip:example.test SIP/2.0\\r\\n" + head(2 * k + 1, "a" + k) + "Max-Forwards: 70\\r\\nContact: <sip:alice@192.0.2.10>\\r\\nContent-Length: 0\\r\\n\\r\\n", true);
        add("SIP/2.0 401 Unauthorized\\r\\n" + head(2 * k + 1, "a" + k) + 'WWW-Authenticate: Digest realm="example.test", nonce="' + nonce + '"\\r\\nContent-Length: 0\\r\\n\\r\\n', false);
        add("REGISTER sip:example.test SIP/2.0\\r\\n" + head(2 * k + 2, "b" + k) + "Max-Forwards: 70\\r\\nContact: <sip:alice@192.0.2.10>\\r\\n" +
          'Authorization: Digest username="alice", realm="example.test", nonce="' + nonce + '", uri="sip:example.test", response="0123456789abcdef0123456789abcdef"\\r\\nContent-Length: 0\\r\\n\\r\\n', true);
        add("SIP/2.0 200 OK\\r\\n" + head(2 * k + 2, "b" + k) + "Contact: <sip:alice@192.0.2.10>;expires=60\\r\\nContent-Length: 0\\r\\n\\r\\n", false);
      }
      globalThis.kept = c.finish();
      gc();
    `;
    const copies = stringCopies(script, ["refresh-call-id-0123456789", "nonce-000299-abcdefghijklmnop", "nonce-000150-abcdefghijklmnop"]);
    // One per handshake cycle kept (300: each cycle starts from a message of its own), shared by
    // its attempts, and the registration's list. Before, each attempt kept its own transaction's
    // copy: two per cycle.
    expect(copies["refresh-call-id-0123456789"]).toBeLessThanOrEqual(301);
    // A nonce: its record's copy, which the challenge and the credentials share. Before: one for
    // the challenge, one for the credentials.
    expect(copies["nonce-000150-abcdefghijklmnop"]).toBe(1);
    expect(copies["nonce-000299-abcdefghijklmnop"]).toBe(1);
  });
});
