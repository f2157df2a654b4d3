/**
 * The process link: the second transport behind the seam (`worker_link.ts`), for work that must
 * not share a process with the pool (the seed's process profile). Each worker is a child process
 * running `workers/process_worker.ts` on the same runtime, talking over its stdin/stdout in
 * length-prefixed frames (`frames.ts`) with the same protocol as a Web Worker.
 *
 * There is no shared memory between processes, so there is no hand-off fast path and no shared
 * task flags. Which tasks a dead child had started is decided from its frames instead: the child
 * writes a `started` note, synchronously, before it calls each task, and the link judges a dead
 * child's tasks only once its stdout has been read to the end (or its last word has arrived):
 * a task with no note never ran there and runs elsewhere; one with a note may have had effects.
 *
 * @module
 */
import {
  childCommand,
  type ChildHandle,
  spawnChild,
  unrefTimer,
} from "../adapter/child_process.ts";
import { decodeValue, encodeValue } from "../adapter/structured_codec.ts";
import { encodeFrame, findSharedMemory, FrameReader } from "./frames.ts";
import { Heartbeat, type HeartbeatOptions } from "./heartbeat.ts";
import type { ProcessFromWorker, ProcessToWorker, ToWorker } from "./protocol.ts";
import { StartGate } from "./start_gate.ts";
import type { LinkCapabilities, LinkedTask, LinkOptions } from "./link_types.ts";
import { type LinkEvents, type SpawnLink, WorkerLink } from "./worker_link.ts";

/** The process profile's settings, validated (see `src/engine/process_options.ts`). */
export interface ProcessSettings {
  /** Variables added to each child's environment (thread caps included). */
  env: Record<string, string>;
  /** V8's old-space cap for each child in MB (Deno, Node); 0: none. */
  maxHeapMb: number;
  /** Deno permission flags for each child; null: read access to the task module only. */
  denoPermissions: string[] | null;
  heartbeat: HeartbeatOptions;
  /** A child older than this retires after its current task (0: never). */
  workerTtlMs: number;
  /** A child whose resident memory passes this retires after its current task (0: never). */
  maxMemoryMb: number;
  startupBatchSize: number;
  startupBatchDelayMs: number;
}

// How long a child has to end after SIGTERM before it gets SIGKILL.
const KILL_GRACE_MS = 1000;

const codec = { encode: encodeValue, decode: decodeValue };

/** Where the child shell lives (`.js` beside a built copy of this file, `.ts` from source). */
function shellPath(): string {
  const ext = import.meta.url.endsWith(".js") ? "js" : "ts";
  return decodeURIComponent(
    new URL(`../../workers/process_worker.${ext}`, import.meta.url).pathname,
  );
}

/** Deno's flags for a child: the pool's, or read access to the task module and nothing else. */
export function denoFlags(moduleUrl: string, permissions: string[] | null): string[] {
  if (permissions !== null) return permissions;
  const url = new URL(moduleUrl);
  return url.protocol === "file:" ? [`--allow-read=${decodeURIComponent(url.pathname)}`] : [];
}

/**
 * One child process of the pool.
 *
 * @example
 * ```ts ignore
 * const spawn = createProcessSpawner(settings);
 * const link = spawn(1, { moduleUrl, concurrency: 1, startTimeoutMs: 10_000 }, events);
 * ```
 */
export class ProcessLink<T extends LinkedTask = LinkedTask> extends WorkerLink<T> {
  readonly capabilities: LinkCapabilities = { handOff: false, claim: false };
  readonly transport = "process";
  #child: ChildHandle | null = null;
  #queued: Uint8Array[] | null = [];
  #started = new Set<number>();
  /** Every frame the child wrote has been read (its stream ended, or its last word arrived). */
  #judgeable = false;
  #endReason: string | undefined;
  #rss: number | null = null;
  #recycling = false;
  #heartbeat: Heartbeat;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #beat: ReturnType<typeof setInterval> | undefined;
  #killTimer: ReturnType<typeof setTimeout> | undefined;
  #gone: Promise<void>;
  #markGone!: () => void;
  #reader = new FrameReader(codec, (m) => this.#onFrame(m as ProcessFromWorker));

  constructor(
    id: number,
    options: LinkOptions,
    events: LinkEvents<T>,
    readonly settings: ProcessSettings,
    startDelayMs: number,
  ) {
    super(id, options, events);
    this.#heartbeat = new Heartbeat(settings.heartbeat);
    this.#gone = new Promise((resolve) => this.#markGone = resolve);
    this.init(null, null);
    if (startDelayMs <= 0) this.#start();
    else this.#timers.push(setTimeout(() => this.#start(), startDelayMs));
  }

  override get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  override get memoryBytes(): number | null {
    return this.#rss;
  }

  /** Resolves once the child process is gone (at once if it never started). */
  override gone(): Promise<void> {
    return this.#gone;
  }

  /** Exact for every frame read so far: the child said so before it called the task. */
  override started(task: T): boolean {
    return this.#started.has(task.id);
  }

  /** After the child's stream was read to its end: a task it never said it started is ours. */
  override claim(task: T): boolean {
    return this.#judgeable && !this.#started.has(task.id);
  }

  override release(task: T): void {
    super.release(task);
    this.#started.delete(task.id);
  }

  protected transmit(message: ToWorker | ProcessToWorker, _transfer: Transferable[]): void {
    if (message.t === "run") {
      for (let i = 0; i < message.inputs.length; i++) {
        const where = findSharedMemory(message.inputs[i]);
        if (where !== null) {
          const name = typeof message.names === "string" ? message.names : message.names[i];
          throw new TypeError(
            `Cannot send the input of task '${name}' to a child process as ${where} is a ` +
              `SharedArrayBuffer: memory cannot be shared across processes (use isolation: ` +
              `"thread", or pass a copy)`,
          );
        }
      }
    }
    // A transfer list cannot move memory into another process: the frame is a copy.
    const bytes = encodeFrame(message, codec);
    if (this.#queued !== null) this.#queued.push(bytes);
    else this.#child?.write(bytes);
  }

  /** Ends the child: SIGTERM, then SIGKILL if it is still there after KILL_GRACE_MS. */
  protected close(): void {
    this.#stopTimers();
    if (this.#child === null) {
      this.#queued = null;
      this.#markGone();
      return;
    }
    if (this.#child.kill("SIGTERM")) {
      this.#killTimer ??= setTimeout(() => this.#child?.kill("SIGKILL"), KILL_GRACE_MS);
    }
  }

  protected override setRef(on: boolean): void {
    this.#child?.setRef(on);
  }

  /**
   * Every end of a child passes here. Its tasks are judged (the pool hears `exited`) only once
   * every frame it wrote has been read: until then it is `dying`, takes no tasks, and is killed.
   */
  protected override ended(reason: string): void {
    if (this.state === "exited") return;
    if (this.#judgeable || this.#child === null) {
      this.#judgeable = true;
      super.ended(this.#endReason ?? reason);
      return;
    }
    this.#endReason ??= reason;
    this.state = "dying";
    this.close();
  }

  #start(): void {
    if (this.state === "exited") return this.#markGone();
    const { denoPermissions, maxHeapMb, env } = this.settings;
    const command = childCommand(shellPath(), {
      denoFlags: denoFlags(this.options.moduleUrl, denoPermissions),
      maxHeapMb,
    });
    this.#child = spawnChild(command, env, {
      data: (chunk) => this.#reader.push(chunk),
      closed: (code, signal) => this.#closed(code, signal),
      failed: (error) => {
        this.#judgeable = true;
        this.#markGone();
        this.ended(`the child process could not be started: ${error.message}`);
      },
    });
    const queued = this.#queued ?? [];
    this.#queued = null;
    for (const bytes of queued) this.#child.write(bytes);
  }

  #closed(code: number | null, signal: string | null): void {
    this.#stopTimers();
    clearTimeout(this.#killTimer);
    this.#judgeable = true;
    this.#markGone();
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    this.ended(`the child process ${how}`);
  }

  #onFrame(m: ProcessFromWorker): void {
    if (this.state === "exited") return;
    switch (m.t) {
      case "started":
        this.#started.add(m.id);
        // It may now be inside a long synchronous call: no pong until it returns (see heartbeat.ts).
        this.#heartbeat.pause(true);
        return;
      case "pong":
      case "yielded":
        break;
      case "rss":
        this.#rss = m.bytes;
        if (this.settings.maxMemoryMb > 0 && m.bytes > this.settings.maxMemoryMb * 2 ** 20) {
          const mb = Math.round(m.bytes / 2 ** 20);
          this.#recycle(`recycled at ${mb} MB resident (maxMemoryMb ${this.settings.maxMemoryMb})`);
        }
        break;
      case "ready":
        this.#onReady();
        break;
      case "exit":
        // Its last word: it starts nothing after it, and every note before it has been read.
        this.#judgeable = true;
        break;
    }
    this.#heartbeat.pause(false);
    this.#heartbeat.heard();
    if (m.t !== "pong" && m.t !== "rss" && m.t !== "yielded") this.receive(m);
  }

  #onReady(): void {
    const { heartbeat, workerTtlMs } = this.settings;
    if (heartbeat.intervalMs > 0) {
      this.#beat = setInterval(() => this.#tick(), heartbeat.intervalMs);
      unrefTimer(this.#beat);
    }
    if (workerTtlMs > 0) {
      const ttl = setTimeout(
        () => this.#recycle(`recycled after ${workerTtlMs} ms (workerTtlMs)`),
        workerTtlMs,
      );
      unrefTimer(ttl);
      this.#timers.push(ttl);
    }
  }

  #tick(): void {
    const verdict = this.#heartbeat.tick(performance.now());
    if (verdict === "ping") this.transmit({ t: "ping", seq: this.#heartbeat.seq }, []);
    else if (verdict === "unresponsive") {
      this.unresponsive = true;
      const { timeoutMs, maxMissed } = this.settings.heartbeat;
      this.ended(
        `the child process stopped answering heartbeats (${maxMissed} missed, ${timeoutMs} ms each)`,
      );
    }
  }

  #recycle(reason: string): void {
    if (this.#recycling || !this.taking) return;
    this.#recycling = true;
    this.events.recycle?.(this, reason);
  }

  #stopTimers(): void {
    clearInterval(this.#beat);
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.length = 0;
  }
}

/**
 * A spawn function for one pool's child processes, with the pool's batched start-up.
 *
 * @example
 * ```ts ignore
 * const pool = new Pool(tasksUrl, { maxWorkers: 2 }, createProcessSpawner(settings));
 * ```
 */
export function createProcessSpawner(settings: ProcessSettings): SpawnLink {
  const gate = new StartGate(settings.startupBatchSize, settings.startupBatchDelayMs);
  return (id, options, events) =>
    new ProcessLink(id, options, events, settings, gate.delayFor(performance.now()));
}
