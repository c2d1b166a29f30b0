// What a connection may do before it says host/hello with the token: send frames of a few KiB
// only, within a deadline, and be one of a bounded number of such connections. Anyone who can
// reach the socket can open one (the runtime dir is private, but a process of ours may be careless
// with it), and none of them may grow the host's memory or hold its connection slots for ever.
import type { Socket } from 'node:net';
import type { Logger } from './logger';
import { FrameScanner } from './frameScanner';

export interface ConnectionLimits {
  /** largest frame before hello (a hello is well under 1 KiB) */
  maxPreAuthFrameBytes: number;
  /** a connection that has not said hello by then is closed */
  helloTimeoutMs: number;
  /** connections waiting for their hello; see pendingVictim for who goes when one more comes */
  maxPending: number;
  /** authenticated clients; hello is refused beyond (common/protocol.ts ErrorCodes.TooManyClients) */
  maxClients: number;
  /** the listen backlog: connections the kernel queues while the host is busy */
  backlog: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxPreAuthFrameBytes: 64 * 1024,
  helloTimeoutMs: 10_000,
  maxPending: 256,
  maxClients: 256,
  backlog: 511,
};

const ENV: Record<keyof ConnectionLimits, string> = {
  maxPreAuthFrameBytes: 'AGENTIC_MAX_PREAUTH_FRAME_BYTES',
  helloTimeoutMs: 'AGENTIC_HELLO_TIMEOUT_MS',
  maxPending: 'AGENTIC_MAX_PENDING_CONNECTIONS',
  maxClients: 'AGENTIC_MAX_CLIENTS',
  backlog: 'AGENTIC_LISTEN_BACKLOG',
};

/** The limits, each overridable by an environment variable (tests use small ones). */
export function connectionLimits(env: NodeJS.ProcessEnv): ConnectionLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(ENV) as Array<keyof ConnectionLimits>) {
    const raw = env[ENV[k]];
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${ENV[k]} must be a positive integer, got "${raw}"`);
    out[k] = n;
  }
  return out;
}

interface Pending {
  sock: Socket;
  timer: NodeJS.Timeout;
  since: number;
}

/**
 * A client says hello within milliseconds of connecting, so a connection still waiting after
 * STALE_PENDING_MS is most likely one that never will.
 */
export const STALE_PENDING_MS = 1000;

/**
 * Who is closed when a connection arrives with `pending` already waiting for hello (the oldest
 * first waited since `oldestSince`): nobody under the cap; the oldest when it has waited long
 * enough to be idle junk; else the newcomer, so a burst of real clients (100 `tasks/wait` at
 * once) never loses one that is about to say hello.
 */
export function pendingVictim(
  pending: number,
  oldestSince: number | undefined,
  now: number,
  maxPending: number,
): 'none' | 'oldest' | 'new' {
  if (pending < maxPending) return 'none';
  return oldestSince !== undefined && now - oldestSince >= STALE_PENDING_MS ? 'oldest' : 'new';
}

export class PreAuthGate {
  /** in arrival order: the first is the oldest */
  private readonly pending = new Set<Pending>();

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly logger: Logger,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Watches a new connection until `authed` is called (after a good hello) or it closes. */
  admit(sock: Socket): { authed(): void } {
    const now = Date.now();
    const oldest = this.pending.values().next().value as Pending | undefined;
    const victim = pendingVictim(this.pending.size, oldest?.since, now, this.limits.maxPending);
    const over = `over ${this.limits.maxPending} connections waiting for host/hello`;
    if (victim === 'oldest') this.drop(oldest!, `${over}: the oldest (idle ${now - oldest!.since} ms) is closed`);
    if (victim === 'new') {
      this.logger.warn('refused a connection', { why: `${over}, none idle for ${STALE_PENDING_MS} ms` });
      sock.destroy();
      return { authed: () => undefined };
    }
    const scanner = new FrameScanner(this.limits.maxPreAuthFrameBytes);
    const p: Pending = {
      since: now,
      sock,
      timer: setTimeout(
        () => this.drop(p, `no host/hello within ${this.limits.helloTimeoutMs} ms`),
        this.limits.helloTimeoutMs,
      ),
    };
    const onData = (d: Buffer) => {
      const why = scanner.feed(d);
      if (why) this.drop(p, why);
    };
    // before the JSON-RPC reader's own listener: the verdict comes before it buffers more
    sock.prependListener('data', onData);
    sock.once('close', () => this.forget(p));
    this.pending.add(p);
    return {
      authed: () => {
        sock.off('data', onData);
        this.forget(p);
      },
    };
  }

  private forget(p: Pending): void {
    clearTimeout(p.timer);
    this.pending.delete(p);
  }

  private drop(p: Pending, why: string): void {
    this.forget(p);
    this.logger.warn('closed a connection that did not say hello', { why });
    p.sock.destroy();
  }
}
