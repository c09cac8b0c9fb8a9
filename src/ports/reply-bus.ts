/**
 * One event of a streamed reply. Events of a reply are numbered 1, 2, 3 … with no gaps; the
 * last one is `final` (the reply is stored in its final status) and nothing follows it.
 */
export type ReplyEvent = { seq: number; delta: string } | { seq: number; final: true };

/** Told of live events; must not throw. */
export type ReplyListener = (event: ReplyEvent) => void;

/**
 * Carries reply events and cancel requests between instances. The generating instance appends
 * each event once, in seq order; any instance can replay what was appended (for a bounded time
 * and length) and listen to what comes next, and ask whichever instance generates a reply to
 * stop it. Delivery of live events is at most once; a listener fills gaps from `read`.
 */
export interface ReplyBus {
  /** Appends events (in order, seq continuing the reply's) for replay and live delivery. */
  append(messageId: string, events: ReplyEvent[]): Promise<void>;
  /** The events after `afterSeq` still kept, in order. */
  read(messageId: string, afterSeq: number): Promise<ReplyEvent[]>;
  /** Delivers the events appended from now on, until the returned function is called. */
  listen(messageId: string, listener: ReplyListener): Promise<() => Promise<void>>;
  /** Asks the instance generating this reply, wherever it runs, to cancel it. */
  requestCancel(messageId: string): Promise<void>;
  /** Calls `handler` with each reply id whose cancel was requested on any instance. */
  onCancelRequest(handler: (messageId: string) => void): Promise<void>;
  close(): Promise<void>;
}
