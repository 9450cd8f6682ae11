// Service, Endpoints and EndpointSlice translation (vcluster-behaviour.md §3): filled in with syncer-services.
export {};
