// The Wasm modules the gateway serves to its proxies, addressed by content: a module is only
// ever served at /modules/<sha256>.wasm with bytes whose SHA-256 is that name, so Envoy's
// `vm_config.code.remote.sha256` check always passes for what we serve and a tampered or
// truncated download can never be installed. Sources: built-in filters (build/filters/
// <name>.release.wasm), `url` modules (downloaded once, checked against the WasmFilter's
// sha256, cached) and ConfigMap modules (binaryData, checked the same way).
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

export const DEFAULT_MAX_MODULE_BYTES = 16 * 1024 * 1024;

export class ModuleError extends Error {}

/** A `url` module the registry does not have: still downloading, or failed (message says why). */
export interface MissingModule { pending: boolean; message: string }

export interface ModuleRegistryOptions {
  maxBytes?: number;
  /** Fetch used for `url` modules (tests inject one; defaults to global fetch). */
  fetch?: typeof fetch;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export class ModuleRegistry {
  private readonly modules = new Map<string, Uint8Array>();
  private readonly downloads = new Map<string, Promise<string>>();
  /** `url` modules not in the registry: downloading, or why the last download failed (cleared
   *  once the module is in); a new map on every change, so the model can tell by identity that
   *  it must look again. */
  private missing: ReadonlyMap<string, MissingModule> = new Map();
  private readonly maxBytes: number;
  private readonly fetcher: typeof fetch;

  constructor(options: ModuleRegistryOptions = {}) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_MODULE_BYTES;
    this.fetcher = options.fetch ?? fetch;
  }

  /** Adds bytes, checked against `expectedSha256` when given; returns the digest. */
  add(bytes: Uint8Array, expectedSha256?: string, what = "module"): string {
    if (bytes.byteLength > this.maxBytes) throw new ModuleError(`${what}: ${bytes.byteLength} bytes is over the ${this.maxBytes}-byte module limit`);
    if (!WebAssembly.validate(bytes as BufferSource)) throw new ModuleError(`${what}: not a valid WebAssembly module`);
    const digest = sha256Hex(bytes);
    if (expectedSha256 && digest !== expectedSha256.toLowerCase()) {
      throw new ModuleError(`${what}: sha256 mismatch: expected ${expectedSha256.toLowerCase()}, got ${digest}`);
    }
    this.modules.set(digest, bytes);
    return digest;
  }

  async addFile(path: string, expectedSha256?: string): Promise<string> {
    return this.add(await readFile(path), expectedSha256, path);
  }

  /** Downloads a `url` module once (concurrent callers share the download) and checks it. */
  addUrl(url: string, expectedSha256: string): Promise<string> {
    const key = `${url}#${expectedSha256.toLowerCase()}`;
    if (this.modules.has(expectedSha256.toLowerCase())) return Promise.resolve(expectedSha256.toLowerCase());
    let pending = this.downloads.get(key);
    if (!pending) {
      const sha = expectedSha256.toLowerCase();
      this.setMissing(sha, { pending: true, message: `${url}: download in progress` });
      pending = this.download(url, expectedSha256)
        .then((digest) => { this.setMissing(sha, undefined); return digest; }, (err: Error) => { this.setMissing(sha, { pending: false, message: err.message }); throw err; })
        .finally(() => this.downloads.delete(key));
      this.downloads.set(key, pending);
    }
    return pending;
  }

  /** `url` modules the registry does not have, by sha256 (for the model's statuses). */
  unavailable(): ReadonlyMap<string, MissingModule> {
    return this.missing;
  }

  private setMissing(sha256: string, state: MissingModule | undefined): void {
    const now = this.missing.get(sha256);
    if (now?.pending === state?.pending && now?.message === state?.message) return;
    const next = new Map(this.missing);
    if (state === undefined) next.delete(sha256);
    else next.set(sha256, state);
    this.missing = next;
  }

  get(sha256: string): Uint8Array | undefined {
    return this.modules.get(sha256);
  }

  has(sha256: string): boolean {
    return this.modules.has(sha256);
  }

  /** Why a module is not available: a download in progress, its failed download, or none known. */
  problem(sha256: string): string {
    const sha = sha256.toLowerCase();
    const missing = this.missing.get(sha);
    if (missing) return missing.message;
    return `no module with sha256 ${sha}`;
  }

  private async download(url: string, expectedSha256: string): Promise<string> {
    let response: Response;
    try {
      response = await this.fetcher(url, { redirect: "follow" });
    } catch (err) {
      throw new ModuleError(`${url}: download failed: ${(err as Error).message}`);
    }
    if (!response.ok) throw new ModuleError(`${url}: download failed: HTTP ${response.status}`);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > this.maxBytes) throw new ModuleError(`${url}: ${declared} bytes is over the ${this.maxBytes}-byte module limit`);
    // Read incrementally so an endless or lying body cannot exhaust memory.
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body?.getReader();
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxBytes) {
        await reader.cancel();
        throw new ModuleError(`${url}: over the ${this.maxBytes}-byte module limit`);
      }
      chunks.push(value);
    }
    return this.add(Buffer.concat(chunks), expectedSha256, url);
  }
}
