/**
 * Calls `stop` once when the process that started this one with an IPC channel is gone, even killed with
 * SIGKILL (the channel closes with it), so no child outlives the simulator that started it. A process
 * started without a channel (by a shell or a service manager) is not affected.
 */
export function stopWithParent(stop: () => void): void {
  const channel = process.channel;
  if (!channel) return;
  // The channel alone must not keep this process running once its own work is done.
  channel.unref();
  process.once('disconnect', stop);
}
