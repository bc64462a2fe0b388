import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** A child process of the simulation: its output goes to a log file and to line listeners. */
export interface Child {
  role: string;
  process: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or the signal's name) once the process is gone. */
  exited: Promise<number | string>;
  /** The last lines it wrote (stdout and stderr), for error messages. */
  tail(): string;
  onLine(listener: (line: string) => void): void;
}

/** How to start a child. */
export interface SpawnOptions {
  role: string;
  script: string;
  args: string[];
  /** File receiving the child's stdout and stderr. */
  logFile: string;
  env?: Record<string, string>;
  /** V8 heap cap in MiB. */
  maxOldSpaceMb?: number;
  /** Written to the child's stdin, which is then closed (secrets stay off the command line). */
  input?: string;
}

/** Starts `node script args…` with its output captured line by line. */
export function spawnNode(options: SpawnOptions): Child {
  const nodeArgs = options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, options.script, ...options.args], {
    // The IPC channel closes when this process dies, however it dies: the child stops then (stopWithParent).
    stdio: ['pipe', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, ...options.env, NO_COLOR: '1' },
  });
  const { stdin, stdout, stderr } = child;
  if (child.pid === undefined || !stdin || !stdout || !stderr)
    throw new Error(`could not start ${options.role}`);
  child.channel?.unref(); // nor does it keep this process running
  stdin.end(options.input ?? '');
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const lines: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  for (const stream of [stdout, stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      lines.push(line);
      if (lines.length > 40) lines.shift();
      for (const listener of listeners) listener(line);
    });
  }
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
    });
  });
  void exited.then(() => log.end());
  return {
    role: options.role,
    process: child,
    pid: child.pid,
    exited,
    tail: () => lines.slice(-15).join('\n'),
    onLine: (listener) => void listeners.push(listener),
  };
}

/** Resolves with the first line matching `pattern`; rejects if the child exits first or time runs out. */
export function waitForLine(
  child: Child,
  options: { pattern: RegExp; timeoutMs: number },
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${child.role} did not print ${options.pattern} within ${options.timeoutMs} ms:\n${child.tail()}`,
          ),
        ),
      options.timeoutMs,
    );
    child.onLine((line) => {
      const match = line.match(options.pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    void child.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${child.role} exited (${code}) before it was ready:\n${child.tail()}`));
    });
  });
}

/** Asks a child to stop (SIGTERM), then kills it if it has not exited after `graceMs`. */
export async function stopChild(child: Child, graceMs = 5000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Peak resident set size (VmHWM) of a live process in bytes, or undefined where /proc cannot tell. */
export function peakRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = status.match(/^VmHWM:\s+(\d+)\s+kB/m);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Remembers the largest VmHWM seen per process, sampled periodically and right before stopping. */
export class MemorySampler {
  private readonly peaks = new Map<number, { role: string; peakBytes: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly children: () => readonly Child[]) {}

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    for (const child of this.children()) {
      const peak = peakRss(child.pid);
      if (peak === undefined) continue;
      const known = this.peaks.get(child.pid);
      if (!known || peak > known.peakBytes) this.peaks.set(child.pid, { role: child.role, peakBytes: peak });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  processes(): { role: string; pid: number; peakBytes: number }[] {
    return [...this.peaks].map(([pid, p]) => ({ pid, ...p }));
  }

  total(): number {
    return this.processes().reduce((s, p) => s + p.peakBytes, 0);
  }
}
