// Bridge frames as NATS messages and back: a frame encoded by the bridge's codec into a
// subject, a payload and a header block (wire.js), checked against the server's
// max_payload; a NATS reply's payload decoded into data.
import { taggedJson, CodecError, jsonText, JSON_TYPE } from "./codec.js";
import { subjectOf, headerBlock, headerBlockAnd, publishable, readHeaders } from "./wire.js";
import { NatsBridgeError } from "./errors.js";

/**
 * A frame as a NATS message to publish: `{ subject, size, frame }` and its bytes, as
 * `payload` and `headers` or, with the default codec, as `headerBlockAnd` gives them (see
 * `publishable`); `size` counts the payload and the header block. Throws `CodecError` when
 * the codec's output is not bytes, and whatever the codec throws (a data-clone error for data
 * it cannot take).
 */
export function encodeFrame(frame, settings) {
  const { codec, prefix } = settings;
  if (codec === taggedJson && !(frame.data instanceof Uint8Array)) {
    // The default codec's JSON and the header block in one encoder call.
    const { bytes, start, end, headerLength } = headerBlockAnd(frame, JSON_TYPE, jsonText(frame.data));
    return { subject: subjectOf(prefix, frame.topic), size: end - start, frame, bytes, start, end, headerLength };
  }
  const contentType = typeof codec.contentType === "function" ? codec.contentType(frame.data) : undefined;
  const payload = codec.encode(frame.data);
  if (!(payload instanceof Uint8Array)) throw new CodecError("codec.encode must return a Uint8Array");
  const headers = headerBlock(frame, contentType);
  const size = payload.byteLength + headers.bytes.byteLength;
  return { subject: subjectOf(prefix, frame.topic), payload, headers, size, frame };
}

/** Whether a message of `size` bytes is over the connected server's max_payload (when known). */
export function overMaxPayload(connection, size) {
  const max = connection.info?.max_payload;
  return max !== undefined && size > max;
}

/**
 * `encodeFrame` for a request, as `{ subject, payload, headers, size }`: throws
 * `NatsBridgeError` CODEC_ERROR or MESSAGE_TOO_LARGE.
 */
export function encodeOrThrow(frame, settings, connection) {
  let item;
  try {
    item = encodeFrame(frame, settings);
  } catch {
    throw new NatsBridgeError("the codec cannot encode the data", "CODEC_ERROR");
  }
  if (overMaxPayload(connection, item.size)) throw new NatsBridgeError("the request is over max_payload", "MESSAGE_TOO_LARGE");
  const { payload, headers } = publishable(item);
  return { subject: item.subject, payload, headers, size: item.size };
}

/** The data of a NATS reply, decoded by `codec`; throws `NatsBridgeError` CODEC_ERROR. */
export function decodeOrThrow(reply, codec) {
  const read = readHeaders(reply.headers);
  try {
    return codec.decode(reply.data, typeof read === "string" ? undefined : read.contentType);
  } catch {
    throw new NatsBridgeError("the codec cannot decode the reply", "CODEC_ERROR");
  }
}
