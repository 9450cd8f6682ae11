import assert from "node:assert/strict";
import { useSideBySide } from "@evk/testing";

// The same objects created, replaced and patched on a real kube-apiserver 1.35 and on evk's apiserver
// must come back the same, managedFields included. Only what differs between two correct servers is taken
// out before comparing: identities, revisions, times, the random kube-api-access suffix, and what the host's
// allocators (cluster IPs, IP families, node ports, the health-check node port) and controllers (status and
// the managedFields entries of their writes, the deployment revision annotation, a scheduled pod's node)
// fill in.

const NS = "dflt";

type O = Record<string, unknown>;
const m = (kind: string, apiVersion: string, name: string, rest: O = {}): O => ({
  apiVersion,
  kind,
  metadata: { name },
  ...rest,
});
const container = (extra: O = {}) => ({ name: "c", image: "nginx", ...extra });
const template = (labels: Record<string, string>, spec: O = {}) => ({
  metadata: { labels },
  spec: { containers: [container()], ...spec },
});

/** Cluster-scoped objects, created first: the default classes then apply to what follows. */
const clusterObjects: O[] = [
  m("PersistentVolume", "v1", "dflt-pv", {
    spec: { capacity: { storage: "1024Mi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } },
  }),
  m("StorageClass", "storage.k8s.io/v1", "dflt-sc", {
    metadata: { name: "dflt-sc", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "example.com/x",
  }),
  m("PriorityClass", "scheduling.k8s.io/v1", "dflt-pc", { value: 100 }),
  m("PriorityClass", "scheduling.k8s.io/v1", "dflt-default-pc", { value: 10, globalDefault: true }),
  m("ClusterRoleBinding", "rbac.authorization.k8s.io/v1", "dflt-crb", {
    roleRef: { kind: "ClusterRole", name: "view" },
    subjects: [{ kind: "Group", name: "g" }],
  }),
  m("ClusterRole", "rbac.authorization.k8s.io/v1", "dflt-cr"),
  m("IngressClass", "networking.k8s.io/v1", "dflt-ic", {
    metadata: { name: "dflt-ic", annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } },
    spec: { controller: "example.com/x", parameters: { kind: "X", name: "y" } },
  }),
  m("CSIDriver", "storage.k8s.io/v1", "dflt.csi.example.com", { spec: {} }),
  m("VolumeAttachment", "storage.k8s.io/v1", "dflt-va", {
    spec: {
      attacher: "a",
      nodeName: "n",
      source: { inlineVolumeSpec: { accessModes: ["ReadWriteOnce"], csi: { driver: "d", volumeHandle: "h" } } },
    },
  }),
  m("VolumeAttributesClass", "storage.k8s.io/v1", "dflt-vac", { driverName: "d", parameters: { a: "b" } }),
  m("RuntimeClass", "node.k8s.io/v1", "dflt-rc", {
    handler: "runsc",
    overhead: { podFixed: { cpu: "0.25" } },
    scheduling: { nodeSelector: { sandbox: "yes" }, tolerations: [{ key: "sandbox", operator: "Exists" }] },
  }),
];

/** Objects in the test namespace, in order: the LimitRange and ServiceAccount come before the pods. */
const namespacedObjects: O[] = [
  m("LimitRange", "v1", "lr", {
    spec: {
      limits: [
        { type: "Container", max: { cpu: "4" }, default: { memory: "256Mi" }, defaultRequest: { cpu: "50m" } },
        { type: "Pod", max: { cpu: "100" } },
      ],
    },
  }),
  m("ServiceAccount", "v1", "builder", {
    automountServiceAccountToken: false,
    imagePullSecrets: [{ name: "pull" }],
    secrets: [{ name: "s1", namespace: "other", kind: "Secret" }],
  }),
  m("Pod", "v1", "minimal", { spec: { containers: [container()] } }),
  m("Pod", "v1", "rich", {
    metadata: {
      name: "rich",
      labels: { app: "r", tier: "t" },
      annotations: { "pod.beta.kubernetes.io/init-containers": "[]", keep: "x" },
    },
    spec: {
      serviceAccount: "default",
      hostNetwork: true,
      terminationGracePeriodSeconds: -5,
      initContainers: [{ name: "init", image: "busybox:latest", resources: { limits: { memory: "128Mi" } } }],
      containers: [
        container({
          image: "registry.k8s.io/pause@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a",
          ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: "UDP" }],
          env: [
            { name: "A", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "B", value: "b" },
          ],
          resources: { requests: { cpu: 0.25, memory: "1.5Gi" }, limits: { cpu: "1000m", memory: "2Gi" } },
          livenessProbe: { httpGet: { port: 8080 } },
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
          startupProbe: { grpc: { port: 9000 } },
          lifecycle: { preStop: { httpGet: { port: 80 } } },
        }),
        container({ name: "d", image: "Nginx", imagePullPolicy: "Never" }),
        container({ name: "e", image: "localhost:5000/app", volumeMounts: [{ name: "s", mountPath: "/s" }] }),
      ],
      volumes: [
        { name: "s", secret: { secretName: "x" } },
        { name: "cm", configMap: { name: "y" } },
        { name: "e" },
        { name: "hp", hostPath: { path: "/tmp" } },
        { name: "dapi", downwardAPI: { items: [{ path: "n", fieldRef: { fieldPath: "metadata.name" } }] } },
        {
          name: "proj",
          projected: {
            sources: [
              { serviceAccountToken: { path: "t" } },
              { downwardAPI: { items: [{ path: "l", fieldRef: { fieldPath: "metadata.labels" } }] } },
            ],
          },
        },
        { name: "ed", emptyDir: { sizeLimit: "1024Mi" } },
        {
          name: "eph",
          ephemeral: {
            volumeClaimTemplate: {
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2000Mi" } } },
            },
          },
        },
        { name: "img", image: { reference: "quay.io/x/y:v1" } },
      ],
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            {
              labelSelector: { matchLabels: { app: "r" } },
              topologyKey: "kubernetes.io/hostname",
              matchLabelKeys: ["tier"],
            },
          ],
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "zone",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { app: "r" } },
          matchLabelKeys: ["tier"],
        },
      ],
      tolerations: [
        { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 60 },
      ],
      schedulingGates: [{ name: "wait" }],
    },
  }),
  m("Pod", "v1", "no-automount", {
    spec: {
      serviceAccountName: "builder",
      priorityClassName: "system-cluster-critical",
      containers: [container({ image: "nginx:1.27", resources: { limits: { cpu: "100m", memory: "100Mi" } } })],
      tolerations: [{ operator: "Exists" }],
    },
  }),
  m("Pod", "v1", "own-token-mount", {
    spec: {
      priorityClassName: "dflt-pc",
      runtimeClassName: "dflt-rc",
      containers: [
        container({ volumeMounts: [{ name: "own", mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" }] }),
        container({ name: "d" }),
      ],
      volumes: [{ name: "own", emptyDir: {} }],
    },
  }),
  m("PodTemplate", "v1", "pt", { template: { spec: { containers: [container({ image: "nginx:1.27" })] } } }),
  m("ReplicationController", "v1", "rc", { spec: { template: template({ app: "rc" }) } }),
  m("Deployment", "apps/v1", "deploy", {
    spec: { selector: { matchLabels: { app: "d" } }, template: template({ app: "d" }) },
  }),
  m("Deployment", "apps/v1", "recreate", {
    metadata: { name: "recreate", annotations: { a: "b" } },
    spec: {
      replicas: 0,
      strategy: { type: "Recreate" },
      selector: { matchLabels: { app: "r" } },
      template: template(
        { app: "r" },
        {
          serviceAccountName: "default",
          containers: [container({ resources: { requests: { cpu: "0.1" } } })],
          volumes: [{ name: "v", azureDisk: { diskName: "d", diskURI: "https://a.blob.core.windows.net/c/d.vhd" } }],
        },
      ),
    },
  }),
  m("ReplicaSet", "apps/v1", "rs", {
    spec: { replicas: 0, selector: { matchLabels: { app: "rs" } }, template: template({ app: "rs" }) },
  }),
  m("StatefulSet", "apps/v1", "sts", {
    spec: {
      replicas: 0,
      serviceName: "sts",
      selector: { matchLabels: { app: "sts" } },
      template: template({ app: "sts" }),
      volumeClaimTemplates: [
        {
          metadata: { name: "data" },
          spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
        },
      ],
    },
  }),
  m("StatefulSet", "apps/v1", "sts-ondelete", {
    spec: {
      replicas: 0,
      serviceName: "s",
      updateStrategy: { type: "OnDelete" },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" },
      selector: { matchLabels: { app: "s" } },
      template: template({ app: "s" }),
    },
  }),
  m("DaemonSet", "apps/v1", "ds", {
    spec: { selector: { matchLabels: { app: "ds" } }, template: template({ app: "ds" }) },
  }),
  m("Job", "batch/v1", "job", {
    spec: { suspend: true, template: { spec: { restartPolicy: "Never", containers: [container()] } } },
  }),
  m("Job", "batch/v1", "job-labelled", {
    spec: { suspend: true, template: template({ app: "j" }, { restartPolicy: "OnFailure" }) },
  }),
  m("Job", "batch/v1", "job-manual", {
    metadata: { name: "job-manual", labels: { own: "l" } },
    spec: {
      suspend: true,
      manualSelector: true,
      selector: { matchLabels: { x: "y" } },
      parallelism: 2,
      completions: 3,
      completionMode: "Indexed",
      backoffLimitPerIndex: 1,
      podFailurePolicy: { rules: [{ action: "FailJob", onPodConditions: [{ type: "DisruptionTarget" }] }] },
      template: template({ x: "y" }, { restartPolicy: "Never" }),
    },
  }),
  m("CronJob", "batch/v1", "cj", {
    spec: {
      schedule: "*/5 * * * *",
      suspend: true,
      jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", containers: [container()] } } } },
    },
  }),
  m("Service", "v1", "svc", { spec: { selector: { app: "x" }, ports: [{ port: 80 }] } }),
  m("Service", "v1", "headless", {
    spec: { clusterIP: "None", selector: { app: "x" }, ports: [{ port: 80, targetPort: "http" }] },
  }),
  m("Service", "v1", "headless-no-selector", { spec: { clusterIP: "None", ports: [{ port: 80 }] } }),
  m("Service", "v1", "external-name", { spec: { type: "ExternalName", externalName: "example.com" } }),
  m("Service", "v1", "node-port", {
    spec: {
      type: "NodePort",
      selector: { a: "b" },
      sessionAffinity: "ClientIP",
      ports: [
        { port: 80, targetPort: 8080, name: "h" },
        { port: 53, protocol: "UDP", name: "d" },
      ],
    },
  }),
  m("Service", "v1", "load-balancer", { spec: { type: "LoadBalancer", selector: { a: "b" }, ports: [{ port: 443 }] } }),
  m("Service", "v1", "external-ip", {
    spec: { selector: { a: "b" }, externalIPs: ["1.2.3.4"], ports: [{ port: 80 }] },
  }),
  m("Endpoints", "v1", "ep", { subsets: [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80 }] }] }),
  m("EndpointSlice", "discovery.k8s.io/v1", "eps", {
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.1.2.3"], deprecatedTopology: { "kubernetes.io/hostname": "n1" } }],
    ports: [{ port: 80 }],
  }),
  m("EndpointSlice", "discovery.k8s.io/v1", "eps-empty", { addressType: "IPv4" }),
  m("PersistentVolumeClaim", "v1", "pvc", {
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "0.5Gi" } } },
  }),
  m("PersistentVolumeClaim", "v1", "pvc-no-class", {
    spec: {
      storageClassName: "",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
      dataSource: { kind: "PersistentVolumeClaim", name: "src" },
    },
  }),
  m("Secret", "v1", "secret", { stringData: { a: "b" } }),
  m("Secret", "v1", "secret-tls", {
    type: "kubernetes.io/tls",
    data: { "tls.crt": "YQ==", "tls.key": "Yg==" },
    stringData: { "tls.key": "über" },
  }),
  m("ConfigMap", "v1", "cm"),
  m("Ingress", "networking.k8s.io/v1", "ing", {
    spec: { defaultBackend: { service: { name: "svc", port: { number: 80 } } } },
  }),
  m("NetworkPolicy", "networking.k8s.io/v1", "np", { spec: { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] } }),
  m("NetworkPolicy", "networking.k8s.io/v1", "np-egress", {
    spec: {
      podSelector: { matchLabels: { a: "b" } },
      egress: [{ ports: [{ port: 53, protocol: "UDP" }, { port: 80 }] }],
    },
  }),
  m("PodDisruptionBudget", "policy/v1", "pdb", { spec: { minAvailable: 1, selector: { matchLabels: { app: "x" } } } }),
  m("HorizontalPodAutoscaler", "autoscaling/v2", "hpa", {
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" }, maxReplicas: 3 },
  }),
  m("HorizontalPodAutoscaler", "autoscaling/v2", "hpa-behavior", {
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        { type: "Resource", resource: { name: "memory", target: { type: "AverageValue", averageValue: "1024Mi" } } },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    },
  }),
  m("Lease", "coordination.k8s.io/v1", "lease", { spec: {} }),
  m("RoleBinding", "rbac.authorization.k8s.io/v1", "rb", {
    roleRef: { kind: "ClusterRole", name: "view" },
    subjects: [
      { kind: "User", name: "alice" },
      { kind: "ServiceAccount", name: "default", namespace: "x" },
    ],
  }),
  m("ResourceQuota", "v1", "rq", { spec: { hard: { pods: "10", "requests.memory": "1024Mi" } } }),
  m("Event", "v1", "ev", {
    involvedObject: { kind: "Pod", name: "minimal", namespace: NS },
    reason: "X",
    message: "m",
  }),
  m("Event", "events.k8s.io/v1", "ev2", {
    eventTime: "2025-01-01T00:00:00.000000Z",
    reportingController: "x/y",
    reportingInstance: "i",
    action: "A",
    reason: "X",
    regarding: { kind: "Pod", name: "minimal", namespace: NS },
    type: "Normal",
  }),
  m("ResourceClaim", "resource.k8s.io/v1", "claim", {
    spec: {
      devices: {
        requests: [
          { name: "r", exactly: { deviceClassName: "c", tolerations: [{ key: "k", operator: "Exists" }] } },
          { name: "f", firstAvailable: [{ name: "a", deviceClassName: "c" }] },
        ],
      },
    },
  }),
  m("ResourceClaimTemplate", "resource.k8s.io/v1", "claim-template", {
    spec: {
      spec: { devices: { requests: [{ name: "r", exactly: { deviceClassName: "c", allocationMode: "All" } }] } },
    },
  }),
  m("CSIStorageCapacity", "storage.k8s.io/v1", "capacity", {
    storageClassName: "x",
    capacity: "1024Mi",
    maximumVolumeSize: "0.5Gi",
  }),
  m("Lease", "coordination.k8s.io/v1", "lease-no-spec"),
  m("PodDisruptionBudget", "policy/v1", "pdb-no-spec"),
  m("Ingress", "networking.k8s.io/v1", "ing-resource", {
    spec: { defaultBackend: { resource: { kind: "X", name: "y" } } },
  }),
  m("Service", "v1", "load-balancer-local", {
    spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", selector: { a: "b" }, ports: [{ port: 80 }] },
  }),
  m("HorizontalPodAutoscaler", "autoscaling/v2", "hpa-scale-up", {
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "d" },
      maxReplicas: 3,
      behavior: { scaleUp: { policies: [{ type: "Pods", value: 1, periodSeconds: 60 }], tolerance: "0.05" } },
    },
  }),
];

/** What may differ between the two servers' answers, taken out; everything else must be equal. */
function comparable(o: unknown, opts: { controllersActed?: boolean } = {}): unknown {
  if (typeof o !== "object" || o === null) return o;
  const obj = o as { metadata?: O & { uid?: string }; kind?: string; spec?: O; status?: O };
  const uid = obj.metadata?.uid;
  let text = JSON.stringify(o).replace(/kube-api-access-[a-z0-9]{5}/g, "kube-api-access-<random>");
  // The object's own uid shows in generated labels and selectors (Jobs): it is the uid taken out.
  if (uid) text = text.replaceAll(uid, "<uid>");
  // Times: creationTimestamp and what the strategy stamps at creation (lastPhaseTransitionTime, a condition).
  text = text.replace(/"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"/g, '"<time>"');
  const c = JSON.parse(text) as typeof obj & { metadata: O };
  for (const f of ["uid", "resourceVersion", "creationTimestamp"]) delete c.metadata[f];
  if (c.kind === "Service" && c.spec) {
    // The host allocates these (evk's syncer brings them back later).
    delete c.spec.clusterIP;
    delete c.spec.clusterIPs;
    delete c.spec.ipFamilies;
    for (const p of (c.spec.ports as O[] | undefined) ?? []) delete p.nodePort;
    delete c.spec.healthCheckNodePort;
  }
  if (opts.controllersActed) {
    delete c.status;
    const annotations = c.metadata.annotations as O | undefined;
    delete annotations?.["deployment.kubernetes.io/revision"];
    if (annotations && Object.keys(annotations).length === 0) delete c.metadata.annotations;
    if (c.kind === "Pod") delete c.spec?.nodeName;
    // The host's controllers and kwok write as managers of their own.
    const ours = (c.metadata.managedFields as { manager?: string; subresource?: string }[] | undefined)?.filter(
      (e) => e.manager !== "kube-controller-manager" && e.subresource !== "status",
    );
    if (ours?.length) c.metadata.managedFields = ours;
    else delete c.metadata.managedFields;
  }
  return c;
}

describe("defaulting: evk-apiserver answers what kube-apiserver 1.35 answers", function () {
  this.timeout(300_000);
  const sides = useSideBySide({ cluster: "defaulting" });

  const kc = async (server: "kube" | "evk", args: string[], stdin?: O) => {
    const r = await sides[server].kubectl(args, { stdin: stdin ? JSON.stringify(stdin) : undefined });
    return { code: r.code, out: r.code === 0 ? r.stdout : r.stderr.replace(/^Warning: .*\n/gm, "") };
  };
  /** The same command on both servers: the JSON each answers, or the error each gives. */
  const both = async (args: string[], stdin?: O) => {
    const [kube, ours] = await Promise.all([kc("kube", args, stdin), kc("evk", args, stdin)]);
    const parse = (r: { code: number; out: string }) => (r.code === 0 ? JSON.parse(r.out) : `exit ${r.code}: ${r.out}`);
    return { kube: parse(kube), evk: parse(ours) };
  };

  before(async () => {
    // Pods need the namespace's default ServiceAccount.
    await sides.namespace(NS, { serviceAccount: true });
  });

  it("creates every kind the same, cluster-scoped kinds first", async () => {
    const differences: string[] = [];
    for (const [obj, ns] of [
      ...clusterObjects.map((o) => [o, undefined] as const),
      ...namespacedObjects.map((o) => [o, NS] as const),
    ]) {
      const r = await both([...(ns ? ["-n", ns] : []), "create", "-o", "json", "-f", "-"], obj);
      const [kube, ours] = [comparable(r.kube), comparable(r.evk)];
      const name = `${obj.kind}/${(obj.metadata as O).name}`;
      if (typeof kube === "string") differences.push(`${name}: kube-apiserver refused the manifest: ${kube}`);
      try {
        assert.deepStrictEqual(ours, kube);
      } catch (err) {
        differences.push(`${name}\n${(err as Error).message}`);
      }
    }
    assert.deepEqual(differences, [], `\n${differences.join("\n\n")}`);
  });

  it("refuses pods as kube does: unknown service account, priority or runtime class; own priority or overhead", async () => {
    for (const spec of [
      { serviceAccountName: "nope", containers: [container()] },
      { priorityClassName: "nope", containers: [container()] },
      { priority: 5, containers: [container()] },
      { overhead: { cpu: "1" }, containers: [container()] },
      { runtimeClassName: "nope", containers: [container()] },
    ]) {
      const r = await both(["-n", NS, "create", "-o", "json", "-f", "-"], m("Pod", "v1", "refused", { spec }));
      assert.equal(typeof r.kube, "string", JSON.stringify(spec));
      assert.equal(r.evk, r.kube);
    }
  });

  it("a PUT and a merge patch that drop defaulted fields get them back", async () => {
    // A StatefulSet of no replicas: its controller writes only status (a Deployment's adds an annotation,
    // which a PUT without it removes, and that bumps the generation).
    const sts = m("StatefulSet", "apps/v1", "rewritten", {
      spec: {
        replicas: 0,
        serviceName: "w",
        selector: { matchLabels: { app: "w" } },
        template: template({ app: "w" }),
      },
    });
    await both(["-n", NS, "create", "-o", "json", "-f", "-"], sts);

    // PUT the manifest as written: nothing of what defaulting added.
    const put = await both(["-n", NS, "replace", "-o", "json", "-f", "-"], {
      ...sts,
      metadata: { name: "rewritten", labels: { changed: "yes" } },
    });
    const acted = { controllersActed: true };
    assert.deepStrictEqual(comparable(put.evk, acted), comparable(put.kube, acted));
    assert.equal(put.evk.spec.podManagementPolicy, "OrderedReady");
    assert.equal(put.evk.spec.template.spec.containers[0].imagePullPolicy, "Always");

    const patch = JSON.stringify({
      spec: {
        revisionHistoryLimit: null,
        updateStrategy: null,
        persistentVolumeClaimRetentionPolicy: null,
        template: { spec: { dnsPolicy: null, securityContext: null, terminationGracePeriodSeconds: null } },
      },
    });
    const patched = await both([
      "-n",
      NS,
      "patch",
      "statefulset",
      "rewritten",
      "--type",
      "merge",
      "-o",
      "json",
      "-p",
      patch,
    ]);
    assert.deepStrictEqual(comparable(patched.evk, acted), comparable(patched.kube, acted));
    assert.equal(patched.evk.spec.revisionHistoryLimit, 10);
    assert.deepEqual(patched.evk.spec.updateStrategy, { type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    assert.deepEqual(patched.evk.spec.persistentVolumeClaimRetentionPolicy, {
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
    assert.equal(patched.evk.spec.template.spec.dnsPolicy, "ClusterFirst");
    assert.deepEqual(patched.evk.spec.template.spec.securityContext, {});
    assert.equal(patched.evk.spec.template.spec.terminationGracePeriodSeconds, 30);
  });

  it("updates keep what strategies and admission keep: template generation, priority, tolerations, service fields", async () => {
    const steps: [string[], O?][] = [
      [
        [
          "-n",
          NS,
          "patch",
          "daemonset",
          "ds",
          "--type",
          "merge",
          "-o",
          "json",
          "-p",
          '{"metadata":{"labels":{"x":"y"}}}',
        ],
      ],
      [
        [
          "-n",
          NS,
          "patch",
          "daemonset",
          "ds",
          "--type",
          "strategic",
          "-o",
          "json",
          "-p",
          '{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:1.3"}]}}}}',
        ],
      ],
      [
        [
          "-n",
          NS,
          "patch",
          "pod",
          "minimal",
          "--type",
          "json",
          "-o",
          "json",
          "-p",
          '[{"op":"remove","path":"/spec/priority"},{"op":"remove","path":"/spec/enableServiceLinks"}]',
        ],
      ],
      [
        [
          "-n",
          NS,
          "patch",
          "service",
          "svc",
          "--type",
          "merge",
          "-o",
          "json",
          "-p",
          '{"spec":{"sessionAffinity":null}}',
        ],
      ],
      [
        [
          "-n",
          NS,
          "patch",
          "service",
          "svc",
          "--type",
          "merge",
          "-o",
          "json",
          "-p",
          '{"spec":{"type":"ExternalName","externalName":"x.example.com"}}',
        ],
      ],
      [["-n", NS, "patch", "job", "job", "--type", "merge", "-o", "json", "-p", '{"metadata":{"labels":null}}']],
      [
        [
          "-n",
          NS,
          "patch",
          "secret",
          "secret",
          "--type",
          "merge",
          "-o",
          "json",
          "-p",
          '{"type":null,"stringData":{"c":"d"}}',
        ],
      ],
      [["patch", "namespace", NS, "--type", "merge", "-o", "json", "-p", '{"metadata":{"labels":null}}']],
    ];
    const differences: string[] = [];
    for (const [args, stdin] of steps) {
      const r = await both(args, stdin);
      try {
        assert.deepStrictEqual(
          comparable(r.evk, { controllersActed: true }),
          comparable(r.kube, { controllersActed: true }),
        );
      } catch (err) {
        differences.push(`kubectl ${args.join(" ")}\n${(err as Error).message}`);
      }
    }
    assert.deepEqual(differences, [], `\n${differences.join("\n\n")}`);
  });
});
