import type { ServerMessage, TranscribeControl } from "./generated/contract.js";
import { OPEN, resolveWebSocket, type WebSocketConstructor, type WebSocketLike } from "./websocket.js";

/** Query of `/ws/transcribe/{event_id}`. */
export interface TranscriptionOptions {
  /** Hz of the PCM, 8000 to 48000 (default 16000). */
  sampleRate?: number;
  /** Interleaved channels, 1 or 2 (default 1). */
  channels?: number;
  /** Deepgram language tag (`es`, `en-US`, `multi`, ...); the daemon's default if absent. */
  language?: string;
}

/** A caption of this stream. */
export type Transcript = Extract<ServerMessage, { type: "transcript" }>;
/** An `error` frame of this stream. */
export type StreamError = Extract<ServerMessage, { type: "error" }>;

/** PCM: 16-bit little-endian samples. */
export type Pcm = Int16Array | Uint8Array | ArrayBuffer;

/**
 * `/ws/transcribe/{event_id}`: write 16-bit little-endian PCM frames in, get captions out.
 * Use `write`/`end`, or pipe a `ReadableStream` of PCM into `writable`. Not reconnected: a
 * stream that closed is over (start a new one).
 */
export class TranscriptionStream {
  readonly #ws: WebSocketLike;
  readonly #opened: Promise<void>;
  readonly #closed: Promise<{ code: number; reason: string }>;
  readonly #transcripts = new Set<(t: Transcript) => void>();
  readonly #errors = new Set<(e: StreamError) => void>();

  constructor(url: string, WebSocket?: WebSocketConstructor) {
    const Ctor = resolveWebSocket(WebSocket);
    const ws = new Ctor(url);
    ws.binaryType = "arraybuffer";
    this.#ws = ws;
    let opened!: () => void;
    let failed!: (e: Error) => void;
    this.#opened = new Promise((res, rej) => {
      opened = res;
      failed = rej;
    });
    // Not every caller waits for `opened`.
    this.#opened.catch(() => {});
    this.#closed = new Promise((resolve) => {
      ws.onclose = (ev) => {
        failed(new Error(`the transcription socket closed before it opened (${ev.code} ${ev.reason})`));
        resolve({ code: ev.code, reason: ev.reason });
      };
    });
    ws.onopen = () => opened();
    ws.onerror = () => {};
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      let frame: ServerMessage;
      try {
        frame = JSON.parse(ev.data) as ServerMessage;
      } catch {
        return;
      }
      if (frame.type === "transcript") for (const h of this.#transcripts) h(frame);
      if (frame.type === "error") for (const h of this.#errors) h(frame);
    };
  }

  /** Resolves once the daemon accepted the stream; rejects if it closed first (refused). */
  opened(): Promise<void> {
    return this.#opened;
  }

  /** Resolves with the close code and reason when the stream is over. */
  closed(): Promise<{ code: number; reason: string }> {
    return this.#closed;
  }

  /** Every caption, interim and final. */
  onTranscript(handler: (t: Transcript) => void): () => void {
    this.#transcripts.add(handler);
    return () => this.#transcripts.delete(handler);
  }

  /** `error` frames (a bad control frame; `unavailable` before a failure close). */
  onError(handler: (e: StreamError) => void): () => void {
    this.#errors.add(handler);
    return () => this.#errors.delete(handler);
  }

  /** Sends one PCM frame (waits for the socket to open). */
  async write(pcm: Pcm): Promise<void> {
    await this.#opened;
    if (this.#ws.readyState !== OPEN) throw new Error("the transcription stream is closed");
    this.#ws.send(pcm instanceof ArrayBuffer ? pcm : new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  /** Keeps the stream open while no audio is sent. */
  async keepAlive(): Promise<void> {
    await this.#control({ type: "KeepAlive" });
  }

  /** Ends the stream: the last captions arrive, then the daemon closes (1000). */
  async end(): Promise<{ code: number; reason: string }> {
    await this.#control({ type: "CloseStream" });
    return this.#closed;
  }

  /** A `WritableStream` of PCM frames: closing it ends the stream. */
  get writable(): WritableStream<Pcm> {
    return new WritableStream<Pcm>({
      write: (chunk) => this.write(chunk),
      close: async () => {
        await this.end();
      },
      abort: () => this.#ws.close(1000, "aborted"),
    });
  }

  async #control(frame: TranscribeControl): Promise<void> {
    await this.#opened;
    if (this.#ws.readyState === OPEN) this.#ws.send(JSON.stringify(frame));
  }
}
