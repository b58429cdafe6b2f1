/** An error of the NATS entry's arguments (`code` INVALID_ARGUMENT) or state (CLOSED). */
export class NatsBridgeError extends Error {
  constructor(message, code = "INVALID_ARGUMENT", options = undefined) {
    super(message, options);
    this.name = "NatsBridgeError";
    this.code = code;
  }
}
