// Pull settings for every long-lived consume() in this library. With nats.js 3.4.0's defaults (30 s pull
// expiry, 15 s idle heartbeat) an ordered consumer that nats-server's restart made the client recreate
// pulls a short batch and then stalls until two heartbeats are missed: about 40 s without events, measured
// against nats-server 2.15.2. Short pulls and heartbeats keep the client's pull accounting honest; the
// price is one pull request per 5 s and a heartbeat per second per idle consumer.
export const PULL_OPTIONS = { expires: 5_000, idle_heartbeat: 1_000 } as const;
