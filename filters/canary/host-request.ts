// RequestView backed by host calls, read lazily: a key source that is never consulted costs
// no host call. The client address is read at most once per request. One instance serves
// every request of a VM (callbacks never overlap): reset() it when a request starts.
import { getSourceAddress, requestHeaders } from "@attache/proxy-wasm-sdk";
import { RequestView } from "@attache/proxy-wasm-sdk/request_view";
import { stripPort } from "@attache/proxy-wasm-sdk/client_address";

export class HostRequestView extends RequestView {
  private addressRead: bool = false;
  private address: string | null = null;

  /** Forgets the previous request's client address. */
  reset(): void {
    this.addressRead = false;
    this.address = null;
  }

  header(name: string): string | null {
    return requestHeaders.get(name);
  }

  clientAddress(): string | null {
    if (!this.addressRead) {
      this.addressRead = true;
      const raw = getSourceAddress();
      this.address = raw !== null ? stripPort(raw) : null;
    }
    return this.address;
  }
}
