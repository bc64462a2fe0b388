import { IoAdapter } from '@nestjs/platform-socket.io';
import { MAX_MESSAGE_BYTES } from '@fedfuse/protocol';

/**
 * socket.io as the federation needs it: websocket only, no per-message compression (CRIME-style
 * leaks, and weights do not compress), 1 MiB messages (tensors travel in chunks), and no
 * connection-state recovery, so every reconnect is a new socket that must pass the signed handshake.
 */
type IoOptions = Parameters<IoAdapter['createIOServer']>[1];

export class HardenedIoAdapter extends IoAdapter {
  override createIOServer(port: number, options?: IoOptions): ReturnType<IoAdapter['createIOServer']> {
    return super.createIOServer(port, {
      ...options,
      transports: ['websocket'],
      perMessageDeflate: false,
      httpCompression: false,
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
      serveClient: false,
      pingInterval: 10_000,
      pingTimeout: 20_000,
    } as IoOptions);
  }
}
