/**
 * sip401 synth: builds synthetic packet captures for tests, benchmarks and fuzzing.
 *
 * Layers, bottom up: {@link ./bytes.js} (byte builder, checksums, addresses),
 * {@link ./link.js} (LINKTYPE framings), {@link ./ip.js} (IPv4/IPv6, extension headers,
 * fragmentation), {@link ./transport.js} (UDP/TCP with valid checksums),
 * {@link ./tcp-conversation.js} (whole TCP connections), {@link ./pcap.js} and
 * {@link ./pcapng.js} (file writers over {@link ./sink.js} byte sinks), {@link ./sip.js}
 * (SIP messages with real digest credentials), {@link ./random.js} (seeded ids),
 * {@link ./encap.js} (tunnels, SCTP, WebSocket, HEP), {@link ./tls.js} (TLS 1.2 records) and
 * {@link ./mutate.js} (capture mutations for fuzzing).
 * Only node: built-ins are used.
 */

export * from "./bytes.js";
export * from "./link.js";
export * from "./ip.js";
export * from "./transport.js";
export * from "./tcp-conversation.js";
export * from "./sink.js";
export * from "./pcap.js";
export * from "./pcapng.js";
export * from "./random.js";
export * from "./sip.js";
export * from "./encap.js";
export * from "./tls.js";
export * from "./mutate.js";
