import type {
  ClientMessage,
  CollectibleId,
  Coordinates,
  EventId,
  ServerMessage,
  UserId,
} from "./generated/contract.js";
import { OPEN, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from "./websocket.js";

/** The `type` of a frame from the daemon. */
export type ServerType = ServerMessage["type"];
/** The frame of type `T`. */
export type ServerFrame<T extends ServerType> = Extract<ServerMessage, { type: T }>;

/** What happens to the connection itself. */
export interface LifecycleEvents {
  /** Connected; `reconnected` after a drop (the rooms were joined again). */
  open: { reconnected: boolean };
  /** Disconnected; `willReconnect` says whether another attempt is scheduled. */
  close: { code: number; reason: string; willReconnect: boolean };
  /** The next attempt, after `delayMs`. */
  reconnecting: { attempt: number; delayMs: number };
}

/** Close codes after which the socket reconnects: 1001 going away (the daemon restarts or
 * drains), 1006 dropped without a close frame (crash, network), 1012 service restart, 1013
 * try again later. Any other code (1000 normal, 1008 policy: rate limit, token reset, too
 * many sockets) is final: reconnecting would be refused the same way. */
export const RECONNECT_CODES: ReadonlySet<number> = new Set([1001, 1006, 1012, 1013]);

/** Settings of a {@link RoomSocket}. */
export interface RoomSocketOptions {
  /** The URL of each attempt (the token may have changed in between). */
  url: () => string;
  /** Whose socket it is: a `user_left` about them takes the room off the list to re-join. */
  userId?: UserId;
  WebSocket?: WebSocketConstructor | undefined;
  /** First back-off, ms (default 500); doubled per failed attempt, with jitter. */
  initialDelayMs?: number;
  /** Longest back-off, ms (default 30000). */
  maxDelayMs?: number;
  /** Give up after this many attempts in a row (default: never). */
  maxAttempts?: number;
  /** Send `{"type":"ping"}` this often while idle, ms (default 25000; 0: never). */
  heartbeatMs?: number;
  /** Frames kept while disconnected and sent after the rooms are joined again (default 100). */
  maxQueued?: number;
}

type Handler = (frame: never) => void;

/**
 * `/ws/{user_id}`: typed frames, and a connection that stays up. On 1001, 1006, 1012 and
 * 1013 it reconnects with exponential back-off and jitter, joins again every room it was in,
 * then sends the frames queued meanwhile. WebSocket-level pings are answered by the runtime
 * (the browser, `ws`); the socket also sends `ping` frames while idle so that proxies keep it.
 */
export class RoomSocket {
  readonly #options: Required<Omit<RoomSocketOptions, "userId" | "WebSocket">> & Pick<RoomSocketOptions, "userId">;
  readonly #WebSocket: ReturnType<typeof resolveWebSocket>;
  readonly #rooms = new Set<EventId>();
  readonly #handlers = new Map<string, Set<Handler>>();
  readonly #queue: string[] = [];
  #ws: WebSocketLike | undefined;
  #attempt = 0;
  #opens = 0;
  #stopped = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(options: RoomSocketOptions) {
    this.#options = {
      initialDelayMs: 500,
      maxDelayMs: 30_000,
      maxAttempts: Number.POSITIVE_INFINITY,
      heartbeatMs: 25_000,
      maxQueued: 100,
      ...options,
    };
    this.#WebSocket = resolveWebSocket(options.WebSocket);
    this.#open();
  }

  /** The rooms this socket is in, and joins again after a reconnect. */
  get rooms(): ReadonlySet<EventId> {
    return this.#rooms;
  }

  /** Whether the socket is open now. */
  get connected(): boolean {
    return this.#ws?.readyState === OPEN;
  }

  /** Enter a room (now, or as soon as connected); the room answers `user_joined`. */
  join(eventId: EventId): void {
    this.#rooms.add(eventId);
    if (this.connected) this.#sendNow({ type: "join_event", event_id: eventId });
  }

  /** Leave a room; it is not joined again after a reconnect. */
  leave(eventId: EventId): void {
    this.#rooms.delete(eventId);
    this.send({ type: "leave_event", event_id: eventId });
  }

  chat(eventId: EventId, message: string): void {
    this.send({ type: "chat_message", event_id: eventId, message });
  }

  claim(collectibleId: CollectibleId): void {
    this.send({ type: "claim_collectible", collectible_id: collectibleId });
  }

  /** Answered with `nearby_events`. */
  updateLocation(coordinates: Coordinates): void {
    this.send({ type: "location_update", coordinates });
  }

  /** Sends a frame now, or after the next (re)connect and re-join. */
  send(frame: ClientMessage): void {
    if (this.connected) {
      this.#sendNow(frame);
    } else if (this.#queue.length < this.#options.maxQueued) {
      this.#queue.push(JSON.stringify(frame));
    }
  }

  /** Calls `handler` with every frame of `type` (or lifecycle event); returns the unsubscribe. */
  on<T extends ServerType>(type: T, handler: (frame: ServerFrame<T>) => void): () => void;
  on<K extends keyof LifecycleEvents>(type: K, handler: (event: LifecycleEvents[K]) => void): () => void;
  on(type: string, handler: (x: never) => void): () => void {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** The next frame of `type` that `accept` takes; rejects after `timeoutMs` (default 30 s). */
  next<T extends ServerType>(
    type: T,
    accept: (frame: ServerFrame<T>) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<ServerFrame<T>> {
    return this.#waitFor(type, accept as (x: unknown) => boolean, timeoutMs) as Promise<ServerFrame<T>>;
  }

  /** The next lifecycle event `type`; rejects after `timeoutMs` (default 30 s). */
  nextLifecycle<K extends keyof LifecycleEvents>(type: K, timeoutMs = 30_000): Promise<LifecycleEvents[K]> {
    return this.#waitFor(type, () => true, timeoutMs) as Promise<LifecycleEvents[K]>;
  }

  /** Closes for good (1000): no reconnect. */
  close(): void {
    this.#stopped = true;
    clearTimeout(this.#retry);
    clearInterval(this.#heartbeat);
    this.#ws?.close(1000, "client closed");
  }

  #waitFor(type: string, accept: (x: unknown) => boolean, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on(type as ServerType, (frame: unknown) => {
        if (!accept(frame)) return;
        clearTimeout(timer);
        off();
        resolve(frame);
      });
    });
  }

  #emit(type: string, value: unknown): void {
    for (const h of [...(this.#handlers.get(type) ?? [])]) {
      try {
        (h as (x: unknown) => void)(value);
      } catch (e) {
        // One handler's bug must not stop the others or the socket.
        setTimeout(() => {
          throw e;
        });
      }
    }
  }

  #sendNow(frame: ClientMessage): void {
    this.#ws?.send(JSON.stringify(frame));
  }

  #open(): void {
    const ws = new this.#WebSocket(this.#options.url());
    this.#ws = ws;
    ws.onopen = () => {
      const reconnected = this.#opens > 0;
      this.#opens += 1;
      this.#attempt = 0;
      for (const room of this.#rooms) this.#sendNow({ type: "join_event", event_id: room });
      for (const frame of this.#queue.splice(0)) ws.send(frame);
      if (this.#options.heartbeatMs > 0) {
        clearInterval(this.#heartbeat);
        this.#heartbeat = setInterval(() => {
          if (this.connected) this.#sendNow({ type: "ping" });
        }, this.#options.heartbeatMs);
      }
      this.#emit("open", { reconnected });
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      let frame: ServerMessage;
      try {
        frame = JSON.parse(ev.data) as ServerMessage;
      } catch {
        return;
      }
      this.#track(frame);
      this.#emit(frame.type, frame);
    };
    // Errors are followed by a close, which decides.
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      clearInterval(this.#heartbeat);
      if (this.#ws !== ws) return;
      const willReconnect =
        !this.#stopped && RECONNECT_CODES.has(ev.code) && this.#attempt < this.#options.maxAttempts;
      this.#emit("close", { code: ev.code, reason: ev.reason, willReconnect });
      if (willReconnect) this.#schedule();
    };
  }

  /** Keeps the room list true to what the daemon says. */
  #track(frame: ServerMessage): void {
    if (frame.type === "event_ended") this.#rooms.delete(frame.event_id);
    if (frame.type === "user_left" && frame.user_id === this.#options.userId) this.#rooms.delete(frame.event_id);
  }

  /** Exponential back-off with "equal jitter": half the step fixed, half random, so
   * clients dropped together do not come back together. */
  #schedule(): void {
    const step = Math.min(this.#options.maxDelayMs, this.#options.initialDelayMs * 2 ** this.#attempt);
    const delayMs = Math.round(step / 2 + Math.random() * (step / 2));
    this.#attempt += 1;
    this.#emit("reconnecting", { attempt: this.#attempt, delayMs });
    this.#retry = setTimeout(() => {
      if (!this.#stopped) this.#open();
    }, delayMs);
  }
}
