/**
 * Completion webhooks as the job layer keeps them: each job that names a webhook gets one
 * delivery when it reaches its final state, kept by the backend (in memory, or in Redis where
 * any node may deliver it), and its state shows on the job. The server's dispatcher claims due
 * deliveries, makes the attempts and records what happened.
 *
 * @module
 */
import type { Job } from "./job.ts";
import type { WebhookState } from "./webhook_state.ts";

export type { WebhookState };

/** A value now, or later. */
type Awaitable<T> = T | Promise<T>;

/** One delivery handed to a dispatcher: the attempt it is about to make, and what to send. */
export interface Delivery {
  /** The job's id (also the delivery's `webhook-id`). */
  id: string;
  url: string;
  /** The number of this attempt, from 1. */
  attempt: number;
  /** The final job, as `GET /jobs/:id` shows it, without its `webhook`. */
  job: Job;
}

/** How an attempt ends, as the outbox records it. */
export interface DeliveryRecord {
  state: WebhookState;
  /** Try again after this many ms; absent when the delivery is over. */
  retryInMs?: number;
}

/** The deliveries a backend keeps. */
export interface WebhookOutbox {
  /**
   * Up to `n` deliveries due now, each held for this caller for `leaseMs`: one not recorded by
   * then (its node died) is due again, for any node.
   */
  claim(n: number, leaseMs: number): Awaitable<Delivery[]>;
  /** Records how attempt `delivery.attempt` ended. An attempt no longer current is ignored. */
  record(delivery: Delivery, outcome: DeliveryRecord): Awaitable<void>;
  /** Called when a delivery becomes due, so that a dispatcher need not wait for its next poll. */
  onDue?: () => void;
  /**
   * The deliveries only this process holds (an in-memory outbox), not yet over: each with when
   * its next attempt is due (the store's clock) and why the last one failed. Absent where they
   * are stored for other nodes too: then nothing is lost when this one stops.
   */
  held?(): HeldDelivery[];
}

/** A delivery an in-memory outbox holds: lost with the process unless it ends first. */
export interface HeldDelivery {
  id: string;
  dueAt: number;
  lastError?: string;
}
