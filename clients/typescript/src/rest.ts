import type {
  ChatMessage,
  ClaimResult,
  Collectible,
  CollectibleId,
  CreateEventRequest,
  DropRequest,
  Event,
  EventId,
  Health,
  JoinResponse,
  MessageId,
  MessageResponse,
  NearbyEvent,
  Participant,
  RegisterRequest,
  RegisteredUser,
  TokenResponse,
  Transcription,
  User,
  UserCollectible,
  UserId,
} from "./generated/contract.js";
import { CityPulseError, CityPulseNetworkError } from "./errors.js";
import { RoomSocket, type RoomSocketOptions } from "./socket.js";
import { TranscriptionStream, type TranscriptionOptions } from "./transcribe.js";
import type { WebSocketConstructor } from "./websocket.js";

/** Settings of a {@link CityPulseClient}. */
export interface ClientOptions {
  /** Where `cpld` listens, e.g. `http://localhost:8000` (a path prefix is kept). */
  baseUrl: string;
  /** A user's bearer token (from `register`), or the admin token. */
  token?: string;
  /** `fetch` to use; the global one by default (browsers, Node 20). */
  fetch?: typeof fetch;
  /**
   * The WebSocket constructor for `connect` and `transcribe`: the global one by default
   * (browsers, Node 22); on Node 20 pass the `ws` package's (`import WebSocket from "ws"`).
   */
  WebSocket?: WebSocketConstructor;
}

/** Query of `nearby`. */
export interface NearbyQuery {
  lng: number;
  lat: number;
  /** Metres, 1 to 50000 (default 5000). */
  max_distance?: number;
  /** 1 to 100 (default 20). */
  limit?: number;
  category?: string;
}

/** Query of the paged lists (`messages`, `transcriptions`). */
export interface PageQuery {
  limit?: number;
  before?: string;
  before_id?: string;
  q?: string;
}

type Query = Record<string, string | number | undefined>;

/**
 * Every REST call of `cpld`, typed with the contract crate's types. A refusal is thrown as
 * a {@link CityPulseError} with the status and the daemon's `detail`.
 */
export class CityPulseClient {
  readonly baseUrl: string;
  token: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #WebSocket: WebSocketConstructor | undefined;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#WebSocket = options.WebSocket;
  }

  /** The same daemon, acting with another token. */
  withToken(token: string | undefined): CityPulseClient {
    return new CityPulseClient({ baseUrl: this.baseUrl, token, fetch: this.#fetch, WebSocket: this.#WebSocket });
  }

  /** Sends one request; JSON in, JSON out; a non-2xx is a {@link CityPulseError}. */
  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    let resp: Response;
    try {
      resp = await this.#fetch(url, { method, headers, body });
    } catch (e) {
      throw new CityPulseNetworkError(`${method} ${url.pathname}: ${(e as Error).message}`, { cause: e });
    }
    const text = await resp.text();
    let json: unknown = undefined;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        if (resp.ok) throw new CityPulseNetworkError(`${method} ${url.pathname}: the answer is not JSON`);
      }
    }
    if (!resp.ok) {
      const detail =
        json && typeof json === "object" && typeof (json as { detail?: unknown }).detail === "string"
          ? (json as { detail: string }).detail
          : text || resp.statusText;
      const retry = resp.headers.get("retry-after");
      throw new CityPulseError(resp.status, detail, retry !== null && /^\d+$/.test(retry) ? Number(retry) : undefined);
    }
    return json as T;
  }

  // ---- users ----

  /** `POST /api/users/register`; keeps the new token for the next calls. */
  async register(body: RegisterRequest): Promise<RegisteredUser> {
    const user = await this.request<RegisteredUser>("POST", "/api/users/register", { body });
    this.token = user.token;
    return user;
  }
  me(): Promise<User> {
    return this.request("GET", "/api/users/me");
  }
  user(userId: UserId): Promise<User> {
    return this.request("GET", `/api/users/${enc(userId)}`);
  }
  /** Admin token. */
  users(): Promise<User[]> {
    return this.request("GET", "/api/users");
  }
  userCollectibles(userId: UserId): Promise<UserCollectible[]> {
    return this.request("GET", `/api/users/${enc(userId)}/collectibles`);
  }
  resetToken(userId: UserId): Promise<TokenResponse> {
    return this.request("POST", `/api/users/${enc(userId)}/token`);
  }

  // ---- events ----

  createEvent(body: CreateEventRequest): Promise<Event> {
    return this.request("POST", "/api/events", { body });
  }
  nearby(query: NearbyQuery): Promise<NearbyEvent[]> {
    return this.request("GET", "/api/events/nearby", { query: { ...query } });
  }
  event(eventId: EventId): Promise<Event> {
    return this.request("GET", `/api/events/${enc(eventId)}`);
  }
  join(eventId: EventId): Promise<JoinResponse> {
    return this.request("POST", `/api/events/${enc(eventId)}/join`);
  }
  leave(eventId: EventId): Promise<MessageResponse> {
    return this.request("POST", `/api/events/${enc(eventId)}/leave`);
  }
  /** The creator's token, or the admin token as moderator. */
  endEvent(eventId: EventId): Promise<MessageResponse> {
    return this.request("POST", `/api/events/${enc(eventId)}/end`);
  }
  participants(eventId: EventId): Promise<Participant[]> {
    return this.request("GET", `/api/events/${enc(eventId)}/participants`);
  }
  messages(eventId: EventId, page: PageQuery = {}): Promise<ChatMessage[]> {
    return this.request("GET", `/api/events/${enc(eventId)}/messages`, { query: { ...page } });
  }
  /** The author's token, or the admin token. */
  deleteMessage(eventId: EventId, messageId: MessageId): Promise<MessageResponse> {
    return this.request("DELETE", `/api/events/${enc(eventId)}/messages/${enc(messageId)}`);
  }
  transcriptions(eventId: EventId, page: PageQuery = {}): Promise<Transcription[]> {
    return this.request("GET", `/api/events/${enc(eventId)}/transcriptions`, { query: { ...page } });
  }

  // ---- collectibles ----

  /** Admin token: drops a collectible into the event's room now. */
  dropCollectible(eventId: EventId, body?: DropRequest): Promise<Collectible> {
    return this.request("POST", `/api/events/${enc(eventId)}/collectibles`, { body });
  }
  claim(collectibleId: CollectibleId): Promise<ClaimResult> {
    return this.request("POST", "/api/collectibles/claim", { query: { collectible_id: collectibleId } });
  }
  activeCollectibles(eventId: EventId): Promise<Collectible[]> {
    return this.request("GET", `/api/collectibles/active/${enc(eventId)}`);
  }

  // ---- operations ----

  health(): Promise<Health> {
    return this.request("GET", "/health");
  }

  // ---- WebSockets ----

  /** The `ws:`/`wss:` URL of a socket path, with the token as `?token=`. */
  socketUrl(path: string, query: Query = {}): string {
    const url = new URL(this.baseUrl + path);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.token) url.searchParams.set("token", this.token);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url.toString();
  }

  /** Opens `/ws/{user_id}` for this client's token: see {@link RoomSocket}. */
  connect(userId: UserId, options: Omit<RoomSocketOptions, "WebSocket" | "url"> = {}): RoomSocket {
    return new RoomSocket({ ...options, url: () => this.socketUrl(`/ws/${enc(userId)}`), WebSocket: this.#WebSocket });
  }

  /** Opens `/ws/transcribe/{event_id}`: see {@link TranscriptionStream}. */
  transcribe(eventId: EventId, options: TranscriptionOptions = {}): TranscriptionStream {
    const url = this.socketUrl(`/ws/transcribe/${enc(eventId)}`, {
      sample_rate: options.sampleRate,
      channels: options.channels,
      language: options.language,
    });
    return new TranscriptionStream(url, this.#WebSocket);
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}
