// What the canary and ratelimit filters read from a request, behind a small interface so the
// decision functions are pure: the filter passes a view backed by host calls (lazily: a source
// that is never consulted costs no host call), tests pass a fake.

export abstract class RequestView {
  /** First value of request header `name` (lower-case), or null when absent. */
  abstract header(name: string): string | null;
  /** `source.address` without the port, or null when the host does not know it. */
  abstract clientAddress(): string | null;
}
