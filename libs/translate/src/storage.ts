// PersistentVolumeClaim, PersistentVolume and StorageClass translation (vcluster-behaviour.md §4): filled in with
// syncer-storage.
export {};
