/**
 * How a streamed message and a stream's closing reason look on each transport. COMET and
 * WebSocket carry RestMQ's `{"key":...,"value":...}` object (COMET adds CRLF or a JSONP
 * wrapper); SSE carries the same object as `data:` with the key as `id:` so that a browser's
 * `Last-Event-ID` resumes exactly after it.
 */
import type { RestMQError } from '../../core/errors.js';
import type { LeasedMessage, StoredMessage } from '../../core/types.js';
import { groupField, leaseFields } from '../../operations/answers.js';
import { errorBody } from '../render.js';

/** The JSON text of a streamed message; a leased one adds its receipt, attempts and lease end, a grouped one its group. */
export function messageJson(message: StoredMessage | LeasedMessage): string {
  return JSON.stringify({ key: message.key, value: message.value, ...groupField(message), ...leaseFields(message) });
}

/** One COMET chunk: JSON + CRLF, or `callback(json);` + CRLF. */
export function cometChunk(json: string, callback: string | null): string {
  return callback === null ? `${json}\r\n` : `${callback}(${json});\r\n`;
}

/** The JSON text of a closing reason, `{"error":{"code","message"}}`. */
export function reasonJson(reason: RestMQError): string {
  return JSON.stringify(errorBody(reason));
}

/** One SSE event carrying a message. */
export function sseMessage(message: StoredMessage): string {
  return `id: ${message.key}\ndata: ${messageJson(message)}\n\n`;
}

/**
 * One SSE event carrying a leased message. It has no `id:`: resuming is for broadcast
 * history, and a browser that reconnected with a `Last-Event-ID` would be refused.
 */
export function sseLeasedMessage(message: StoredMessage): string {
  return `data: ${messageJson(message)}\n\n`;
}

/** The SSE event sent before the server ends the stream. */
export function sseClose(reason: RestMQError): string {
  return `event: close\ndata: ${reasonJson(reason)}\n\n`;
}
