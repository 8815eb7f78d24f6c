import { describe, expect, it } from "vitest";
import { AddressCache } from "../../src/util/address-cache.js";

describe("AddressCache", () => {
  it("makes one value per address and port and hands the same one out again", () => {
    let made = 0;
    const cache = new AddressCache((ip, port) => ({ ip, port, n: ++made }));
    const a = cache.get("192.0.2.1", 5060);
    expect(cache.get("192.0.2.1", 5060)).toBe(a);
    expect(cache.get("192.0.2.1", 5061)).not.toBe(a);
    expect(cache.get("2001:db8::1", 5060)).toEqual({ ip: "2001:db8::1", port: 5060, n: 3 });
    expect(made).toBe(3);
  });

  it("starts over once it holds `max` values, so a port scan cannot grow it without bound", () => {
    let made = 0;
    const cache = new AddressCache((ip, port) => `${ip}:${port}:${++made}`, 100);
    for (let port = 1; port <= 1000; port++) cache.get("198.51.100.7", port);
    // 1000 values through a cache of 100: nothing older than the last restart is remembered.
    expect(made).toBe(1000);
    const first = cache.get("198.51.100.7", 1);
    expect(first).toBe("198.51.100.7:1:1001");
    expect(cache.get("198.51.100.7", 1)).toBe(first);
  });
});
