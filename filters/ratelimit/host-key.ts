// KeyBytes on the host: each key part is read where the host left it (SDK borrows), so a
// request's bucket fingerprint makes no string (key.ts).
import { SOURCE_ADDRESS, requestHeaders } from "@attache/proxy-wasm-sdk";
import { BorrowedBytes } from "@attache/proxy-wasm-sdk/memory";
import { KeyBytes, KeyPart } from "./key";

export class HostKeyBytes extends KeyBytes {
  read(part: KeyPart): bool {
    const found: BorrowedBytes | null = part.isClientAddress ? SOURCE_ADDRESS.borrow() : requestHeaders.borrow(part.headerName);
    if (found === null) return false;
    this.ptr = found.ptr;
    this.length = found.length;
    return true;
  }
}
