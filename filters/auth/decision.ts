// The local authentication decision for one request: which credential the request presents,
// whether the route's policy accepts it, and what to tell the client or the upstream. Pure
// (the request is read through RequestView), so logic.wasm.ts runs the same cases without a host.
import { HeaderPair } from "../sdk/headers";
import { constantTimeEqual } from "../crypto/compare";
import { Sha256 } from "../crypto/sha256";
import { ApiKeyMethod, BasicMethod, JwtMethod, Policy } from "./config";
import { parseAuthorization, parseBasicCredentials, queryParameter } from "./credentials";
import { claimHeaderValue } from "./claims";
import { verifyJwt } from "./jwt";

/** Read access to the request being checked, and the clock (read only when a JWT needs it). */
export abstract class RequestView {
  abstract header(name: string): string | null;
  /** Unix time in seconds. */
  abstract nowSeconds(): f64;
}

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
  outcome: Outcome = Outcome.Allowed;
  /** Fixed text for the client and logs; never contains the credential. */
  reason: string = "";
  /** Which method decided: "api-key", "basic", "jwt" or "" (none configured). */
  method: string = "";
  /** Authenticated principal for logs: API key name, Basic username, JWT `sub`. */
  principal: string = "";
  /** Headers to set on the upstream request (JWT claims). */
  upstreamHeaders: HeaderPair[] = [];

  static of(outcome: Outcome, method: string, reason: string): Decision {
    const d = new Decision();
    d.outcome = outcome; d.method = method; d.reason = reason;
    return d;
  }
  get allowed(): bool { return this.outcome == Outcome.Allowed; }
}

// Hashing the presented secret even for unknown users keeps the time spent independent of
// whether the username exists.
const UNKNOWN_USER_DIGEST = new Uint8Array(32);

// One hasher reused for every request (a VM runs one callback at a time).
const hasher = new Sha256();
function digestOf(secret: string): Uint8Array {
  const bytes = String.UTF8.encode(secret);
  return hasher.reset().updateRaw(changetype<usize>(bytes), bytes.byteLength).digest();
}

export function authenticate(policy: Policy, request: RequestView): Decision {
  if (policy.disabled || !policy.hasLocalMethod) return new Decision();
  const apiKeys = policy.apiKeys;
  if (apiKeys !== null) {
    const key = presentedApiKey(apiKeys, request);
    if (key !== null) return checkApiKey(apiKeys, key);
  }
  const authorization = parseAuthorization(request.header("authorization"));
  if (authorization !== null) {
    if (policy.jwt !== null && authorization.is("bearer")) return checkJwt(policy.jwt!, authorization.credentials, request.nowSeconds());
    if (policy.basic !== null && authorization.is("basic")) return checkBasic(policy.basic!, authorization.credentials);
  }
  return Decision.of(Outcome.MissingCredentials, "", "missing credentials");
}

function presentedApiKey(method: ApiKeyMethod, request: RequestView): string | null {
  const fromHeader = request.header(method.header);
  if (fromHeader !== null) return fromHeader;
  if (method.queryParameter.length == 0) return null;
  const target = request.header(":path");
  return target === null ? null : queryParameter(target, method.queryParameter);
}

/** Compares the key's SHA-256 with every configured digest, in constant time, without stopping at a match. */
export function checkApiKey(method: ApiKeyMethod, key: string): Decision {
  const digest = digestOf(key);
  let matched = -1;
  for (let i = 0; i < method.keys.length; i++) {
    if (constantTimeEqual(digest, method.keys[i].digest) && matched < 0) matched = i;
  }
  if (matched < 0) return Decision.of(Outcome.Unauthorized, "api-key", "invalid api key");
  const decision = Decision.of(Outcome.Allowed, "api-key", "");
  decision.principal = method.keys[matched].name;
  return decision;
}

export function checkBasic(method: BasicMethod, encoded: string): Decision {
  const credentials = parseBasicCredentials(encoded);
  if (credentials === null) return Decision.of(Outcome.Unauthorized, "basic", "malformed basic credentials");
  let expected = UNKNOWN_USER_DIGEST;
  let known = false;
  for (let i = 0; i < method.users.length; i++) {
    if (method.users[i].username == credentials.username) { expected = method.users[i].passwordDigest; known = true; break; }
  }
  const matches = constantTimeEqual(digestOf(credentials.password), expected);
  if (!known || !matches) return Decision.of(Outcome.Unauthorized, "basic", "invalid username or password");
  const decision = Decision.of(Outcome.Allowed, "basic", "");
  decision.principal = credentials.username;
  return decision;
}

export function checkJwt(method: JwtMethod, token: string, nowSeconds: f64): Decision {
  const verdict = verifyJwt(method.keys, method.rules, token, nowSeconds);
  if (!verdict.ok) return Decision.of(verdict.forbidden ? Outcome.Forbidden : Outcome.Unauthorized, "jwt", verdict.reason);
  const claims = verdict.claims!;
  const decision = Decision.of(Outcome.Allowed, "jwt", "");
  const sub = claims.get("sub");
  if (sub !== null) { const text = claimHeaderValue(sub); if (text !== null) decision.principal = text; }
  for (let i = 0; i < method.claimsToHeaders.length; i++) {
    const mapping = method.claimsToHeaders[i];
    const value = claimHeaderValue(claims.get(mapping.claim));
    if (value !== null) decision.upstreamHeaders.push(new HeaderPair(mapping.header, value));
  }
  return decision;
}

/** Headers the filter itself sets from claims: incoming copies are removed so clients cannot spoof them. */
export function spoofableHeaders(policy: Policy): string[] {
  const names = new Array<string>();
  const jwt = policy.jwt;
  if (jwt === null || policy.disabled) return names;
  for (let i = 0; i < jwt.claimsToHeaders.length; i++) names.push(jwt.claimsToHeaders[i].header);
  return names;
}
