/**
 * The part of the WebSocket API this package uses: the browser's, Node 22's global, and
 * the `ws` package's (Node 20) all have it.
 */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket constructor: `globalThis.WebSocket`, or `ws`'s default export. Typed loosely
 * so that both fit (their event types differ); what is used of it is {@link WebSocketLike}.
 */
export type WebSocketConstructor = new (url: string) => object;

type Constructor = new (url: string) => WebSocketLike;

/** The constructor given, else the global one, else a sentence saying what to pass. */
export function resolveWebSocket(given: WebSocketConstructor | undefined): Constructor {
  const ctor = (given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket) as Constructor | undefined;
  if (!ctor) {
    throw new Error(
      "no WebSocket implementation: this runtime has no global WebSocket (Node 20); " +
        'install the `ws` package and pass it: new CityPulseClient({ baseUrl, WebSocket: (await import("ws")).default })',
    );
  }
  return ctor;
}

/** `readyState` of an open socket. */
export const OPEN = 1;
