/**
 * Which virtual pods use which configmaps and secrets, so a configmap or secret is on the host exactly
 * while some pod of the cluster uses it, and a change to it reaches the host copy.
 */
export class ReferenceIndex {
  /** `configmap:<ns>/<name>` or `secret:<ns>/<name>` → pod keys using it. */
  private readonly users = new Map<string, Set<string>>();
  /** pod key → what it uses. */
  private readonly uses = new Map<string, Set<string>>();

  /** Records what one pod uses now; returns the keys whose set of users changed. */
  set(podKey: string, refs: Iterable<string>): string[] {
    const next = new Set(refs);
    const prev = this.uses.get(podKey) ?? new Set<string>();
    const changed: string[] = [];
    for (const r of prev) {
      if (next.has(r)) continue;
      const u = this.users.get(r);
      u?.delete(podKey);
      if (u && u.size === 0) this.users.delete(r);
      changed.push(r);
    }
    for (const r of next) {
      if (prev.has(r)) continue;
      const u = this.users.get(r) ?? new Set<string>();
      u.add(podKey);
      this.users.set(r, u);
      changed.push(r);
    }
    if (next.size > 0) this.uses.set(podKey, next);
    else this.uses.delete(podKey);
    return changed;
  }

  used(refKey: string): boolean {
    return (this.users.get(refKey)?.size ?? 0) > 0;
  }

  /** Every configmap/secret key some pod uses. */
  keys(): IterableIterator<string> {
    return this.users.keys();
  }
}
