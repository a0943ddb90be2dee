// What the local authentication step decided for a request (decision.ts makes it, index.ts and
// response.ts act on it). Decisions are immutable, so the fixed ones (missing credentials, a
// refused key, an accepted key) are made once and shared: the API-key path allocates none.
import { HeaderPair } from "@attache/proxy-wasm-sdk/headers";

export enum Outcome {
  /** Accepted by a local method (or no local method configured): continue (or call out). */
  Allowed,
  /** No credential the route accepts was presented: 401 with challenges. */
  MissingCredentials,
  /** A credential was presented and refused: 401. */
  Unauthorized,
  /** The credential is valid but not enough (a required claim is missing): 403. */
  Forbidden,
}

export class Decision {
  constructor(
    public readonly outcome: Outcome,
    /** Which method decided: "api-key", "basic", "jwt" or "" (none configured). */
    public readonly method: string,
    /** Fixed text for the client and logs; never contains the credential. */
    public readonly reason: string,
    /** Authenticated principal for logs: API key name, Basic username, JWT `sub`. */
    public readonly principal: string = "",
    /** Headers to set on the upstream request (JWT claims); null when none. */
    public readonly upstreamHeaders: HeaderPair[] | null = null,
  ) {}

  get allowed(): bool { return this.outcome == Outcome.Allowed; }
}
