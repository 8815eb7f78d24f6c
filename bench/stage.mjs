// One benchmark stage over one capture, in a process of its own so its peak RSS is its own.
// `node bench/stage.mjs STAGE FILE` prints one JSON line: frames, SIP messages, CPU seconds, peak RSS.
// Used by bench/run.mjs; stages are cumulative: each does everything the previous one does, plus:
//   walk       pcap record headers / pcapng block headers only (the floor: how fast bytes arrive)
//   read       the capture reader: container parsing into frames (gzip included)
//   decode     + link, IP, UDP, TCP reassembly (payloads discarded)
//   parse      + SIP classification, stream framing and parsing (extractMessages)
//   correlate  + transactions, handshakes, registrations, nonces (the Correlator)
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { readCapture } from "../dist/capture/source.js";
import { boundHeapGrowth } from "../dist/cli/heap.js";
import { Correlator } from "../dist/correlate/correlator.js";
import { extractMessages } from "../dist/extract/extractor.js";
import { NetDecoder } from "../dist/net/decoder.js";
import { isSipPort, looksLikeSip } from "../dist/sip/classify.js";

/** walk counts pcap records or pcapng blocks by their length fields, touching nothing else. */
async function walk(file) {
  const it = createReadStream(file, { highWaterMark: 1 << 20 })[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return { frames: 0 };
  const chunks = (async function* () {
    yield first.value;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  })();
  let source = chunks;
  if (first.value[0] === 0x1f && first.value[1] === 0x8b) {
    const gz = createGunzip({ chunkSize: 256 * 1024 });
    (async () => {
      for await (const c of chunks) if (!gz.write(c)) await new Promise((r) => gz.once("drain", r));
      gz.end();
    })();
    source = gz;
  }
  let buf = Buffer.alloc(0);
  let pos = 0;
  let frames = 0;
  let bytes = 0;
  let pcapng;
  for await (const chunk of source) {
    bytes += chunk.length;
    buf = pos < buf.length ? Buffer.concat([buf.subarray(pos), chunk]) : chunk;
    pos = 0;
    if (pcapng === undefined) {
      pcapng = buf.readUInt32BE(0) === 0x0a0d0d0a;
      if (!pcapng) pos = 24;
    }
    for (;;) {
      if (pcapng) {
        if (pos + 8 > buf.length) break;
        const len = buf.readUInt32LE(pos + 4);
        if (pos + len > buf.length) break;
        if (buf.readUInt32LE(pos) === 6) frames++;
        pos += len;
      } else {
        if (pos + 16 > buf.length) break;
        const len = 16 + buf.readUInt32LE(pos + 8);
        if (pos + len > buf.length) break;
        frames++;
        pos += len;
      }
    }
  }
  return { frames, bytes };
}

/** decode runs the network decoder and drops what it delivers. */
async function decode(file) {
  const net = new NetDecoder(
    {
      udp: () => undefined,
      wantTcp: (payload, srcPort, dstPort) => isSipPort(srcPort, dstPort) || looksLikeSip(payload),
      tcp: { data: () => undefined, gap: () => undefined, end: () => undefined },
      sctp: () => undefined,
    },
    () => undefined,
  );
  const r = await readCapture(file, (f) => net.frame(f));
  net.finish();
  return { frames: r.frames, bytes: r.bytes };
}

const STAGES = {
  walk,
  read: async (file) => {
    const r = await readCapture(file, () => undefined);
    return { frames: r.frames, bytes: r.bytes };
  },
  decode,
  parse: async (file) => {
    const s = await extractMessages(file, file, () => undefined);
    return { frames: s.frames, bytes: s.bytes, sipMessages: s.sipMessages };
  },
  correlate: async (file) => {
    const c = new Correlator();
    const s = await extractMessages(file, file, (m) => c.add(m));
    c.finish(s.lastTsNs);
    return { frames: s.frames, bytes: s.bytes, sipMessages: s.sipMessages };
  },
};

const [stage, file] = process.argv.slice(2);
// The CLI's heap schedule (src/cli/heap.ts), so each stage's time and peak RSS are the CLI's.
boundHeapGrowth();
if (!STAGES[stage] || !file) {
  console.error(`usage: node bench/stage.mjs ${Object.keys(STAGES).join("|")} FILE`);
  process.exit(2);
}
const result = await STAGES[stage](file);
const u = process.resourceUsage();
console.log(JSON.stringify({ stage, ...result, userS: u.userCPUTime / 1e6, sysS: u.systemCPUTime / 1e6, maxRssKB: u.maxRSS }));
