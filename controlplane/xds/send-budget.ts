// Flow control across streams. When many proxies connect at once (a control-plane restart),
// every stream wants the whole snapshot; writing all of it at once would hold one copy of it
// per client in memory (plus gRPC's framing copy). Responses are therefore built only when
// their turn comes: one write in flight per stream, and a shared budget of bytes in flight
// across streams. A response larger than the budget still goes out when nothing else is in
// flight. Small pushes (a changed route) pass straight through.
export class SendBudget {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limitBytes: number) {}

  /** Runs `start` now if the budget allows, or once enough is released (FIFO). */
  acquire(start: () => void): void {
    if (this.inFlight < this.limitBytes && !this.waiting.length) start();
    else this.waiting.push(start);
  }

  take(bytes: number): void {
    this.inFlight += bytes;
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
    while (this.waiting.length && this.inFlight < this.limitBytes) this.waiting.shift()!();
  }

  get bytesInFlight(): number {
    return this.inFlight;
  }
}
