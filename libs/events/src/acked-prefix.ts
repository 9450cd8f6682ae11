// Pure: which etcd revision the relay may checkpoint. Publishes are pipelined, so acknowledgements come
// back in any order; the checkpoint may only cover a contiguous prefix of acknowledged changes, and never
// half of a revision (one etcd transaction can change several keys at one revision).

export interface Submitted {
  readonly revision: number;
  acked: boolean;
}

export class AckedPrefix {
  private readonly queue: Submitted[] = [];
  private head = 0;
  private safe: number;

  /** `checkpoint`: the revision everything up to which is already known to be in the stream. */
  constructor(checkpoint: number) {
    this.safe = checkpoint;
  }

  /** Records a change handed to the publisher, in revision order; call `ack` on the result when acknowledged. */
  submit(revision: number): Submitted {
    const last = this.queue[this.queue.length - 1];
    if (revision < this.safe || (last && revision < last.revision)) {
      throw new Error(`revision ${revision} submitted out of order (after ${last?.revision ?? this.safe})`);
    }
    const s: Submitted = { revision, acked: false };
    this.queue.push(s);
    return s;
  }

  /** Records a change that needs no publish (the stream already holds it or something newer). */
  skip(revision: number): void {
    this.submit(revision).acked = true;
  }

  /**
   * The newest revision whose every change, and every earlier revision's, is acknowledged: what may be
   * checkpointed now. Never decreases. Callers submit all changes of a revision before asking (etcd's
   * watch delivers a revision's events together).
   */
  checkpointable(): number {
    while (this.head < this.queue.length && (this.queue[this.head] as Submitted).acked) {
      const revision = (this.queue[this.head] as Submitted).revision;
      let end = this.head;
      while (end < this.queue.length && (this.queue[end] as Submitted).revision === revision) {
        if (!(this.queue[end] as Submitted).acked) return this.compact();
        end++;
      }
      this.safe = revision;
      this.head = end;
    }
    return this.compact();
  }

  private compact(): number {
    if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return this.safe;
  }
}
