import { Injectable } from '@nestjs/common';
import type { Socket } from 'socket.io';

/** Authenticated site sockets by site id (one live connection per site: a new one replaces the old). */
@Injectable()
export class ConnectionsService {
  private readonly sockets = new Map<string, Socket>();

  add(siteId: string, socket: Socket): void {
    const previous = this.sockets.get(siteId);
    this.sockets.set(siteId, socket);
    if (previous && previous.id !== socket.id) previous.disconnect(true);
  }

  remove(siteId: string, socket: Socket): boolean {
    if (this.sockets.get(siteId)?.id !== socket.id) return false;
    this.sockets.delete(siteId);
    return true;
  }

  get(siteId: string): Socket | undefined {
    return this.sockets.get(siteId);
  }

  isConnected(siteId: string): boolean {
    return this.sockets.has(siteId);
  }

  connectedIds(): string[] {
    return [...this.sockets.keys()].sort();
  }

  disconnect(siteId: string): void {
    this.sockets.get(siteId)?.disconnect(true);
    this.sockets.delete(siteId);
  }
}
