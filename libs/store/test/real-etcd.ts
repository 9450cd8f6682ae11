import { type Etcd, startEtcd } from "@evk/testing";
import { EtcdClient, Store } from "../src/index.ts";

export interface RealEtcd {
  etcd: Etcd;
  client: EtcdClient;
  store: Store;
}

/**
 * Starts a real etcd for the enclosing describe block and stops it after; the returned object is filled
 * in by the `before` hook, so read its fields inside tests only.
 */
export function useRealEtcd(cluster: string): RealEtcd {
  const ctx = {} as RealEtcd;
  before(async () => {
    ctx.etcd = await startEtcd();
    ctx.client = new EtcdClient({ endpoints: [ctx.etcd.endpoint] });
    ctx.store = new Store({ etcd: ctx.client, cluster });
  });
  after(async () => {
    ctx.client?.close();
    await ctx.etcd?.dispose();
  });
  return ctx;
}
