/**
 * Which virtual claims name which volumes and storage classes, so a fake volume exists exactly while a claim is
 * bound to it, and a claim waiting for a class is looked at again when the class appears.
 */
export class ClaimIndex {
  private readonly claims = new Map<string, { volumeName?: string; storageClassName?: string }>();
  private readonly byVolume = new Map<string, Set<string>>();
  private readonly byClass = new Map<string, Set<string>>();

  /** Records what one claim names now (undefined: the claim is gone); returns the volume names whose claims changed. */
  set(claimKey: string, refs: { volumeName?: string; storageClassName?: string } | undefined): string[] {
    const prev = this.claims.get(claimKey);
    const changed: string[] = [];
    if (prev?.volumeName !== refs?.volumeName) {
      if (prev?.volumeName) {
        remove(this.byVolume, prev.volumeName, claimKey);
        changed.push(prev.volumeName);
      }
      if (refs?.volumeName) {
        add(this.byVolume, refs.volumeName, claimKey);
        changed.push(refs.volumeName);
      }
    }
    if (prev?.storageClassName !== refs?.storageClassName) {
      if (prev?.storageClassName) remove(this.byClass, prev.storageClassName, claimKey);
      if (refs?.storageClassName) add(this.byClass, refs.storageClassName, claimKey);
    }
    if (refs) this.claims.set(claimKey, { ...refs });
    else this.claims.delete(claimKey);
    return changed;
  }

  /** Claim keys naming this volume, sorted. */
  claimsOfVolume(volumeName: string): string[] {
    return [...(this.byVolume.get(volumeName) ?? [])].sort();
  }

  /** Claim keys naming this storage class, sorted. */
  claimsOfClass(storageClassName: string): string[] {
    return [...(this.byClass.get(storageClassName) ?? [])].sort();
  }

  volumes(): IterableIterator<string> {
    return this.byVolume.keys();
  }
}

function add(m: Map<string, Set<string>>, k: string, v: string) {
  const s = m.get(k) ?? new Set<string>();
  s.add(v);
  m.set(k, s);
}

function remove(m: Map<string, Set<string>>, k: string, v: string) {
  const s = m.get(k);
  s?.delete(v);
  if (s && s.size === 0) m.delete(k);
}
