// Test-only RequestView shared by the logic.wasm.ts modules of the canary and ratelimit filters:
// headers given as "name: value" lines, the client address as Envoy's `source.address`. Nothing
// here ships in a filter.
import { RequestView } from "../request_view";
import { stripPort } from "../client_address";

export class FakeRequest extends RequestView {
  private readonly lines: string[];

  /** `headers`: "name: value" lines joined by "\n" ("" = none); `address`: "ip:port" or null. */
  constructor(headers: string, private readonly address: string | null) {
    super();
    this.lines = headers.length > 0 ? headers.split("\n") : new Array<string>();
  }

  header(name: string): string | null {
    for (let i = 0; i < this.lines.length; i++) {
      const colon = this.lines[i].indexOf(": ");
      if (colon > 0 && this.lines[i].substring(0, colon) == name) return this.lines[i].substring(colon + 2);
    }
    return null;
  }

  clientAddress(): string | null {
    const address = this.address;
    return address !== null ? stripPort(address) : null;
  }
}
