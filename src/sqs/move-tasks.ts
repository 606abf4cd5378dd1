/**
 * StartMessageMoveTask over RestMQ's redrive: a task moves the dead letters of one queue
 * back to the queues they came from, in batches, until the queue is empty or the task is
 * cancelled. Tasks are remembered in this daemon's memory (the last ones per source).
 */
import { randomUUID } from 'node:crypto';
import type { SqsBackend } from './backend.js';

/** Dead letters one redrive call moves. */
const REDRIVE_BATCH = 1000;

/** Tasks remembered per source queue. */
const KEPT_PER_SOURCE = 10;

/** A move task as ListMessageMoveTasks answers it. */
export interface MoveTask {
  readonly handle: string;
  readonly source: string;
  status: 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';
  moved: number;
  readonly toMove: number;
  readonly startedAt: number;
  failureReason?: string;
}

/** Every move task of this daemon. */
export class MoveTasks {
  private readonly tasks: MoveTask[] = [];

  constructor(private readonly backend: SqsBackend) {}

  /** Starts moving the dead letters of `source`; answers the task at once. */
  start(source: string, toMove: number): MoveTask {
    const task: MoveTask = { handle: randomUUID(), source, status: 'RUNNING', moved: 0, toMove, startedAt: Date.now() };
    this.tasks.unshift(task);
    const ofSource = this.tasks.filter((t) => t.source === source);
    for (const old of ofSource.slice(KEPT_PER_SOURCE)) this.tasks.splice(this.tasks.indexOf(old), 1);
    void this.run(task);
    return task;
  }

  /** The running task of `source`, if any. */
  running(source: string): MoveTask | undefined {
    return this.tasks.find((t) => t.source === source && (t.status === 'RUNNING' || t.status === 'CANCELLING'));
  }

  /** Tasks of `source`, newest first. */
  list(source: string): MoveTask[] {
    return this.tasks.filter((t) => t.source === source);
  }

  /** The task of a handle, or undefined. */
  find(handle: string): MoveTask | undefined {
    return this.tasks.find((t) => t.handle === handle);
  }

  /** Asks a running task to stop. */
  cancel(task: MoveTask): void {
    if (task.status === 'RUNNING') task.status = 'CANCELLING';
  }

  private async run(task: MoveTask): Promise<void> {
    try {
      for (;;) {
        if (task.status === 'CANCELLING') {
          task.status = 'CANCELLED';
          return;
        }
        const moved = await this.backend.redrive(task.source, REDRIVE_BATCH);
        task.moved += moved.length;
        if (moved.length < REDRIVE_BATCH) break;
      }
      task.status = 'COMPLETED';
    } catch (err) {
      task.status = 'FAILED';
      task.failureReason = err instanceof Error ? err.message : String(err);
    }
  }
}
