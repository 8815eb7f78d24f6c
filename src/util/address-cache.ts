/**
 * AddressCache makes one value per (address, port) and hands the same one out again: endpoint
 * names for ladder steps, shared endpoint records for transactions. Records that outlive their
 * message then cost one object or string per endpoint, not one per message. The decoder hands out
 * one string per address (net/addr.ts caches them), so a lookup hashes nothing new.
 * Bounded: past `max` entries the memory starts over, which only costs later copies.
 */
export class AddressCache<V> {
  private readonly byAddress = new Map<string, Map<number, V>>();
  private size = 0;

  constructor(
    private readonly make: (address: string, port: number) => V,
    private readonly max = 16_384,
  ) {}

  /** get returns the value of (address, port), made on first use. */
  get(address: string, port: number): V {
    let ports = this.byAddress.get(address);
    let value = ports?.get(port);
    if (value !== undefined) return value;
    if (this.size >= this.max) {
      // Counted per value, not per address: one address scanned across every port is bounded too.
      this.byAddress.clear();
      this.size = 0;
      ports = undefined;
    }
    if (ports === undefined) this.byAddress.set(address, (ports = new Map()));
    value = this.make(address, port);
    ports.set(port, value);
    this.size++;
    return value;
  }
}
