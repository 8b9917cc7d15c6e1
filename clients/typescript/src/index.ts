/**
 * A typed client for CityPulse Live (`cpld`): every REST call, the room WebSocket with
 * reconnects and re-joins, and the transcription socket as a stream. The types are
 * generated from the Rust contract crate (`./generated/contract.ts`).
 */
export * from "./generated/contract.js";
export { CityPulseError, CityPulseNetworkError } from "./errors.js";
export { CityPulseClient, type ClientOptions, type NearbyQuery, type PageQuery } from "./rest.js";
export {
  RoomSocket,
  RECONNECT_CODES,
  type LifecycleEvents,
  type RoomSocketOptions,
  type ServerFrame,
  type ServerType,
} from "./socket.js";
export { TranscriptionStream, type Pcm, type StreamError, type Transcript, type TranscriptionOptions } from "./transcribe.js";
export type { WebSocketConstructor, WebSocketLike } from "./websocket.js";
