/** Reconnects and acks fast enough for a daemon talking to a scripted coordinator on loopback. */
export const FAST_TIMING = {
  reconnectDelayMs: 50,
  reconnectDelayMaxMs: 200,
  handshakeBackoffMs: 50,
  handshakeBackoffMaxMs: 200,
  ackTimeoutMs: 5000,
};
