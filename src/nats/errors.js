/** An error of the NATS entry's arguments (`code` INVALID_ARGUMENT) or state (CLOSED). */
export class NatsBridgeError extends Error {
  constructor(message, code = "INVALID_ARGUMENT") {
    super(message);
    this.name = "NatsBridgeError";
    this.code = code;
  }
}
