import assert from "node:assert/strict";
import type { KubeObject } from "@evk/kube";
import { applyDefaults } from "../src/defaults/index.ts";
import { applyPatch } from "../src/patch.ts";
import { lookupResource, type ResourceType } from "../src/resources.ts";
import { decodeProblem, specProblems, specUpdateProblems, statusUpdateProblems } from "../src/spec-validation/index.ts";
import { prepareForCreate, prepareForUpdate } from "../src/subresources.ts";

// Spec validation, one row per rule: the causes (field: message) kube-apiserver 1.35 answered for the same
// object (taken from a real kube-apiserver: a dry-run create, or an update of an object created first).

const UID = "399d8b01-ec1c-42df-bc85-bb76f7aae786";
type Json = Record<string, unknown>;

function typeOf(resource: string): ResourceType {
  const [group = "", name = ""] = resource.split("/");
  const g = group === "core" ? "" : group;
  const t = lookupResource(g, "v1", name);
  if (!t) throw new Error(`no resource ${resource}`);
  return t;
}

/** The object as kube validates a create: defaulted, admitted (without stored objects), prepared. */
function prepared(type: ResourceType, obj: Json): KubeObject {
  const meta = { namespace: type.namespaced ? "unit" : undefined, uid: UID, ...(obj.metadata as Json) };
  const o = {
    ...obj,
    apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
    kind: type.kind,
    metadata: meta,
  } as KubeObject;
  const admitted = applyDefaults(type.group, type.resource, o, { stage: "admission" });
  return applyDefaults(type.group, type.resource, prepareForCreate(type, admitted), { stage: "strategy" });
}

const causes = (list: { field?: string; message?: string }[]) => list.map((c) => `${c.field}: ${c.message}`);

describe("spec validation (creates)", () => {
  const rows: { name: string; resource: string; obj: Json; want: string[] }[] = [
    {
      name: "valid pod",
      resource: "core/pods",
      obj: { metadata: { name: "p-valid-pod" }, spec: { containers: [{ name: "c", image: "nginx" }] } },
      want: [],
    },
    {
      name: "no containers",
      resource: "core/pods",
      obj: { metadata: { name: "p-no-containers" }, spec: { containers: [] } },
      want: ["spec.containers: Required value"],
    },
    {
      name: "container name uppercase",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-container-name-uppercase" },
        spec: { containers: [{ name: "Web", image: "nginx" }] },
      },
      want: [
        "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: "container name missing",
      resource: "core/pods",
      obj: { metadata: { name: "p-container-name-missing" }, spec: { containers: [{ image: "nginx" }] } },
      want: ["spec.containers[0].name: Required value"],
    },
    {
      name: "duplicate container names",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-duplicate-container-names" },
        spec: {
          containers: [
            { name: "a", image: "nginx" },
            { name: "a", image: "nginx" },
          ],
        },
      },
      want: ['spec.containers[1].name: Duplicate value: "a"'],
    },
    {
      name: "image missing",
      resource: "core/pods",
      obj: { metadata: { name: "p-image-missing" }, spec: { containers: [{ name: "a" }] } },
      want: ["spec.containers[0].image: Required value"],
    },
    {
      name: "image whitespace",
      resource: "core/pods",
      obj: { metadata: { name: "p-image-whitespace" }, spec: { containers: [{ name: "a", image: " nginx" }] } },
      want: ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'],
    },
    {
      name: "init container duplicate of container",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-init-container-duplicate-of-container" },
        spec: { containers: [{ name: "a", image: "nginx" }], initContainers: [{ name: "a", image: "nginx" }] },
      },
      want: ['spec.initContainers[0].name: Duplicate value: "a"'],
    },
    {
      name: "port out of range",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-port-out-of-range" },
        spec: { containers: [{ name: "a", image: "nginx", ports: [{ containerPort: 70000 }] }] },
      },
      want: ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"],
    },
    {
      name: "port zero",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-port-zero" },
        spec: { containers: [{ name: "a", image: "nginx", ports: [{ containerPort: 0, name: "http" }] }] },
      },
      want: ["spec.containers[0].ports[0].containerPort: Required value"],
    },
    {
      name: "port protocol bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-port-protocol-bad" },
        spec: { containers: [{ name: "a", image: "nginx", ports: [{ containerPort: 80, protocol: "FOO" }] }] },
      },
      want: ['spec.containers[0].ports[0].protocol: Unsupported value: "FOO": supported values: "SCTP", "TCP", "UDP"'],
    },
    {
      name: "port name bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-port-name-bad" },
        spec: { containers: [{ name: "a", image: "nginx", ports: [{ containerPort: 80, name: "Http_1" }] }] },
      },
      want: [
        'spec.containers[0].ports[0].name: Invalid value: "Http_1": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ],
    },
    {
      name: "port name duplicate",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-port-name-duplicate" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              ports: [
                { containerPort: 80, name: "http" },
                { containerPort: 81, name: "http" },
              ],
            },
          ],
        },
      },
      want: ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    },
    {
      name: "host port conflict",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-host-port-conflict" },
        spec: {
          containers: [
            { name: "a", image: "nginx", ports: [{ containerPort: 80, hostPort: 8080 }] },
            { name: "b", image: "nginx", ports: [{ containerPort: 81, hostPort: 8080 }] },
          ],
        },
      },
      want: ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
    },
    {
      name: "env name empty",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-name-empty" },
        spec: { containers: [{ name: "a", image: "nginx", env: [{ name: "", value: "x" }] }] },
      },
      want: ["spec.containers[0].env[0].name: Required value"],
    },
    {
      name: "env name with =",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-name-with" },
        spec: { containers: [{ name: "a", image: "nginx", env: [{ name: "A=B", value: "x" }] }] },
      },
      want: [
        "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
      ],
    },
    {
      name: "env valueFrom empty",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-value-rom-empty" },
        spec: { containers: [{ name: "a", image: "nginx", env: [{ name: "A", valueFrom: {} }] }] },
      },
      want: [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`',
      ],
    },
    {
      name: "env valueFrom and value",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-value-rom-and-value" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              env: [{ name: "A", value: "x", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            },
          ],
        },
      },
      want: ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'],
    },
    {
      name: "env fieldRef unsupported",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-field-ef-unsupported" },
        spec: {
          containers: [
            { name: "a", image: "nginx", env: [{ name: "A", valueFrom: { fieldRef: { fieldPath: "spec.foo" } } }] },
          ],
        },
      },
      want: [
        'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "spec.foo": error converting fieldPath: field label not supported: spec.foo',
      ],
    },
    {
      name: "env configMapKeyRef no key",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-config-ap-ey-ef-no-key" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              env: [{ name: "A", valueFrom: { configMapKeyRef: { name: "cm", key: "" } } }],
            },
          ],
        },
      },
      want: ["spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Required value"],
    },
    {
      name: "env secretKeyRef bad key",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-secret-ey-ef-bad-key" },
        spec: {
          containers: [
            { name: "a", image: "nginx", env: [{ name: "A", valueFrom: { secretKeyRef: { name: "s", key: "a/b" } } }] },
          ],
        },
      },
      want: [
        "spec.containers[0].env[0].valueFrom.secretKeyRef.key: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ],
    },
    {
      name: "envFrom nothing",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-env-rom-nothing" },
        spec: { containers: [{ name: "a", image: "nginx", envFrom: [{}] }] },
      },
      want: ['spec.containers[0].envFrom: Invalid value: "": must specify one of: `configMapRef` or `secretRef`'],
    },
    {
      name: "resource fieldRef bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-resource-field-ef-bad" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              env: [{ name: "A", valueFrom: { resourceFieldRef: { resource: "limits.foo" } } }],
            },
          ],
        },
      },
      want: [
        'spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: Unsupported value: "limits.foo": supported values: "limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu", "requests.ephemeral-storage", "requests.memory"',
      ],
    },
    {
      name: "volume name duplicate",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-name-duplicate" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [
            { name: "v", emptyDir: {} },
            { name: "v", emptyDir: {} },
          ],
        },
      },
      want: ['spec.volumes[1].name: Duplicate value: "v"'],
    },
    {
      name: "volume no source",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-no-source" },
        spec: { containers: [{ name: "c", image: "nginx" }], volumes: [{ name: "v" }] },
      },
      want: [],
    },
    {
      name: "volume two sources",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-two-sources" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [{ name: "v", emptyDir: {}, hostPath: { path: "/x" } }],
        },
      },
      want: ["spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type"],
    },
    {
      name: "volume name bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-name-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], volumes: [{ name: "V_1", emptyDir: {} }] },
      },
      want: [
        "spec.volumes[0].name: Invalid value: \"V_1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: "volume secret no name",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-secret-no-name" },
        spec: { containers: [{ name: "c", image: "nginx" }], volumes: [{ name: "v", secret: {} }] },
      },
      want: ["spec.volumes[0].secret.secretName: Required value"],
    },
    {
      name: "volume configMap bad mode",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-config-ap-bad-mode" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [{ name: "v", configMap: { name: "x", defaultMode: 1000 } }],
        },
      },
      want: [
        "spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number between 0 and 0777 (octal), both inclusive",
      ],
    },
    {
      name: "volume configMap item path abs",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-config-ap-item-path-abs" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [{ name: "v", configMap: { name: "x", items: [{ key: "k", path: "/abs" }] } }],
        },
      },
      want: ['spec.volumes[0].configMap.items[0].path: Invalid value: "/abs": must be a relative path'],
    },
    {
      name: "volume hostPath type bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-host-ath-type-bad" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [{ name: "v", hostPath: { path: "/x", type: "Nope" } }],
        },
      },
      want: [
        'spec.volumes[0].hostPath.type: Unsupported value: "Nope": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"',
      ],
    },
    {
      name: "volume pvc no claim",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-pvc-no-claim" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [{ name: "v", persistentVolumeClaim: { claimName: "" } }],
        },
      },
      want: ["spec.volumes[0].persistentVolumeClaim.claimName: Required value"],
    },
    {
      name: "volume nfs relative",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-nfs-relative" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [{ name: "v", nfs: { server: "s", path: "rel" } }],
        },
      },
      want: ['spec.volumes[0].nfs.path: Invalid value: "rel": must be an absolute path'],
    },
    {
      name: "volume downwardAPI bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-downward-bad" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          volumes: [{ name: "v", downwardAPI: { items: [{ path: "x" }] } }],
        },
      },
      want: ["spec.volumes[0].downwardAPI: Required value: one of fieldRef and resourceFieldRef is required"],
    },
    {
      name: "volumeMount missing volume",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-ount-missing-volume" },
        spec: { containers: [{ name: "a", image: "nginx", volumeMounts: [{ name: "nope", mountPath: "/x" }] }] },
      },
      want: ['spec.containers[0].volumeMounts[0].name: Not found: "nope"'],
    },
    {
      name: "volumeMount no path",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-ount-no-path" },
        spec: {
          containers: [{ name: "a", image: "nginx", volumeMounts: [{ name: "v", mountPath: "" }] }],
          volumes: [{ name: "v", emptyDir: {} }],
        },
      },
      want: ["spec.containers[0].volumeMounts[0].mountPath: Required value"],
    },
    {
      name: "volumeMount duplicate path",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-ount-duplicate-path" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              volumeMounts: [
                { name: "v", mountPath: "/x" },
                { name: "v", mountPath: "/x" },
              ],
            },
          ],
          volumes: [{ name: "v", emptyDir: {} }],
        },
      },
      want: ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique'],
    },
    {
      name: "volumeMount subPath abs",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-ount-sub-ath-abs" },
        spec: {
          containers: [{ name: "a", image: "nginx", volumeMounts: [{ name: "v", mountPath: "/x", subPath: "/abs" }] }],
          volumes: [{ name: "v", emptyDir: {} }],
        },
      },
      want: ['spec.containers[0].volumeMounts.subPath: Invalid value: "/abs": must be a relative path'],
    },
    {
      name: "volumeMount propagation bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-volume-ount-propagation-bad" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              volumeMounts: [{ name: "v", mountPath: "/x", mountPropagation: "Bidirectional" }],
            },
          ],
          volumes: [{ name: "v", emptyDir: {} }],
        },
      },
      want: [
        "spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers",
      ],
    },
    {
      name: "requests over limits",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-requests-over-limits" },
        spec: {
          containers: [{ name: "a", image: "nginx", resources: { requests: { cpu: "2" }, limits: { cpu: "1" } } }],
        },
      },
      want: ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    },
    {
      name: "requests memory over limits",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-requests-memory-over-limits" },
        spec: {
          containers: [
            { name: "a", image: "nginx", resources: { requests: { memory: "2Gi" }, limits: { memory: "1Gi" } } },
          ],
        },
      },
      want: [
        'spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi',
      ],
    },
    {
      name: "negative request",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-negative-request" },
        spec: { containers: [{ name: "a", image: "nginx", resources: { requests: { cpu: "-1" } } }] },
      },
      want: ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    },
    {
      name: "unknown resource",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-unknown-resource" },
        spec: { containers: [{ name: "a", image: "nginx", resources: { requests: { foo: "1" } } }] },
      },
      want: [
        'spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource type or fully qualified',
        'spec.containers[0].resources.requests[foo]: Invalid value: "foo": must be a standard resource for containers',
      ],
    },
    {
      name: "extended resource fraction",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-extended-resource-fraction" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              resources: { requests: { "example.com/gpu": "500m" }, limits: { "example.com/gpu": "500m" } },
            },
          ],
        },
      },
      want: [
        'spec.containers[0].resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer',
        'spec.containers[0].resources.requests[example.com/gpu]: Invalid value: "500m": must be an integer',
      ],
    },
    {
      name: "extended resource without limit",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-extended-resource-without-limit" },
        spec: { containers: [{ name: "a", image: "nginx", resources: { requests: { "example.com/gpu": "1" } } }] },
      },
      want: ["spec.containers[0].resources.limits: Required value: Limit must be set for non overcommitable resources"],
    },
    {
      name: "hugepages alone",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-hugepages-alone" },
        spec: {
          containers: [
            {
              name: "a",
              image: "nginx",
              resources: { requests: { "hugepages-2Mi": "2Mi" }, limits: { "hugepages-2Mi": "2Mi" } },
            },
          ],
        },
      },
      want: ["spec.containers[0].resources: Forbidden: HugePages require cpu or memory"],
    },
    {
      name: "restartPolicy bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-restart-olicy-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], restartPolicy: "Sometimes" },
      },
      want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    },
    {
      name: "dnsPolicy bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-dns-olicy-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], dnsPolicy: "Foo" },
      },
      want: [
        'spec.dnsPolicy: Unsupported value: "Foo": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      ],
    },
    {
      name: "dnsPolicy None without config",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-dns-olicy-one-without-config" },
        spec: { containers: [{ name: "c", image: "nginx" }], dnsPolicy: "None" },
      },
      want: ["spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None"],
    },
    {
      name: "dnsConfig bad nameserver",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-dns-onfig-bad-nameserver" },
        spec: { containers: [{ name: "c", image: "nginx" }], dnsConfig: { nameservers: ["1.2.3"] } },
      },
      want: [
        'spec.dnsConfig.nameservers[0]: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    },
    {
      name: "probe no handler",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-probe-no-handler" },
        spec: { containers: [{ name: "a", image: "nginx", livenessProbe: {} }] },
      },
      want: ["spec.containers[0].livenessProbe: Required value: must specify a handler type"],
    },
    {
      name: "probe two handlers",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-probe-two-handlers" },
        spec: {
          containers: [
            { name: "a", image: "nginx", livenessProbe: { exec: { command: ["x"] }, tcpSocket: { port: 80 } } },
          ],
        },
      },
      want: ["spec.containers[0].livenessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"],
    },
    {
      name: "liveness successThreshold",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-liveness-success-hreshold" },
        spec: {
          containers: [{ name: "a", image: "nginx", livenessProbe: { exec: { command: ["x"] }, successThreshold: 2 } }],
        },
      },
      want: ["spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"],
    },
    {
      name: "readiness negative delay",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-readiness-negative-delay" },
        spec: {
          containers: [
            { name: "a", image: "nginx", readinessProbe: { exec: { command: ["x"] }, initialDelaySeconds: -1 } },
          ],
        },
      },
      want: [
        "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0",
      ],
    },
    {
      name: "httpGet bad port",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-http-et-bad-port" },
        spec: { containers: [{ name: "a", image: "nginx", readinessProbe: { httpGet: { port: 0 } } }] },
      },
      want: [
        "spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
      ],
    },
    {
      name: "httpGet bad port name",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-http-et-bad-port-name" },
        spec: { containers: [{ name: "a", image: "nginx", readinessProbe: { httpGet: { port: "Bad_Name" } } }] },
      },
      want: [
        'spec.containers[0].readinessProbe.httpGet.port: Invalid value: "Bad_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ],
    },
    {
      name: "exec no command",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-exec-no-command" },
        spec: { containers: [{ name: "a", image: "nginx", startupProbe: { exec: {} } }] },
      },
      want: ["spec.containers[0].startupProbe.exec.command: Required value"],
    },
    {
      name: "lifecycle preStop empty",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-lifecycle-pre-top-empty" },
        spec: { containers: [{ name: "a", image: "nginx", lifecycle: { preStop: {} } }] },
      },
      want: ["spec.containers[0].lifecycle.preStop: Required value: must specify a handler type"],
    },
    {
      name: "init container probe",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-init-container-probe" },
        spec: {
          containers: [{ name: "a", image: "nginx" }],
          initContainers: [{ name: "b", image: "nginx", livenessProbe: { exec: { command: ["x"] } } }],
        },
      },
      want: [
        "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always",
      ],
    },
    {
      name: "sidecar probe ok",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-sidecar-probe-ok" },
        spec: {
          containers: [{ name: "a", image: "nginx" }],
          initContainers: [
            { name: "b", image: "nginx", restartPolicy: "Always", readinessProbe: { exec: { command: ["x"] } } },
          ],
        },
      },
      want: [],
    },
    {
      name: "container restartPolicy bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-container-restart-olicy-bad" },
        spec: { containers: [{ name: "a", image: "nginx", restartPolicy: "Sometimes" }] },
      },
      want: [
        'spec.containers[0].restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
      ],
    },
    {
      name: "imagePullPolicy bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-image-ull-olicy-bad" },
        spec: { containers: [{ name: "a", image: "nginx", imagePullPolicy: "Sometimes" }] },
      },
      want: [
        'spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"',
      ],
    },
    {
      name: "terminationMessagePolicy bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-termination-essage-olicy-bad" },
        spec: { containers: [{ name: "a", image: "nginx", terminationMessagePolicy: "X" }] },
      },
      want: [
        'spec.containers[0].terminationMessagePolicy: Unsupported value: "X": supported values: "File", "FallbackToLogsOnError"',
      ],
    },
    {
      name: "nodeSelector bad label",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-node-elector-bad-label" },
        spec: { containers: [{ name: "c", image: "nginx" }], nodeSelector: { "a b": "c" } },
      },
      want: [
        "spec.nodeSelector: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    },
    {
      name: "tolerations bad operator",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-tolerations-bad-operator" },
        spec: { containers: [{ name: "c", image: "nginx" }], tolerations: [{ key: "k", operator: "Foo" }] },
      },
      want: ['spec.tolerations[0].operator: Unsupported value: "Foo": supported values: "Equal", "Exists"'],
    },
    {
      name: "tolerations empty key equal",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-tolerations-empty-key-equal" },
        spec: { containers: [{ name: "c", image: "nginx" }], tolerations: [{ operator: "Equal", value: "x" }] },
      },
      want: [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      ],
    },
    {
      name: "tolerations seconds without NoExecute",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-tolerations-seconds-without-o-xecute" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 5 }],
        },
      },
      want: [
        "spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set",
      ],
    },
    {
      name: "tolerations bad effect",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-tolerations-bad-effect" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          tolerations: [{ key: "k", operator: "Exists", effect: "Bad" }],
        },
      },
      want: [
        'spec.tolerations[0].effect: Unsupported value: "Bad": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    },
    {
      name: "activeDeadlineSeconds zero",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-active-eadline-econds-zero" },
        spec: { containers: [{ name: "c", image: "nginx" }], activeDeadlineSeconds: 0 },
      },
      want: ["spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive"],
    },
    {
      name: "hostname bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-hostname-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], hostname: "Bad_Host" },
      },
      want: [
        "spec.hostname: Invalid value: \"Bad_Host\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: "subdomain bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-subdomain-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], subdomain: "a.b" },
      },
      want: ['spec.subdomain: Invalid value: "a.b": must not contain dots'],
    },
    {
      name: "nodeName bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-node-ame-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], nodeName: "Bad_Node" },
      },
      want: [
        "spec.nodeName: Invalid value: \"Bad_Node\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      name: "affinity node empty terms",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-affinity-node-empty-terms" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
        },
      },
      want: [
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term",
      ],
    },
    {
      name: "affinity bad operator",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-affinity-bad-operator" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: "k", operator: "Foo" }] }],
              },
            },
          },
        },
      },
      want: [
        'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator',
      ],
    },
    {
      name: "pod affinity no topology",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-pod-affinity-no-topology" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { a: "b" } } }],
            },
          },
        },
      },
      want: [
        "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty",
        'spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": name part must be non-empty',
        "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: \"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    },
    {
      name: "pod anti affinity weight",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-pod-anti-affinity-weight" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: "k" } }],
            },
          },
        },
      },
      want: [
        "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100",
      ],
    },
    {
      name: "topology spread bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-topology-spread-bad" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          topologySpreadConstraints: [{ maxSkew: 0, topologyKey: "", whenUnsatisfiable: "Foo" }],
        },
      },
      want: [
        "spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero",
        "spec.topologySpreadConstraints[0].topologyKey: Required value: can not be empty",
        'spec.topologySpreadConstraints[0].whenUnsatisfiable: Unsupported value: "Foo": supported values: "DoNotSchedule", "ScheduleAnyway"',
      ],
    },
    {
      name: "securityContext runAsUser negative",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-security-ontext-run-s-ser-negative" },
        spec: { containers: [{ name: "a", image: "nginx", securityContext: { runAsUser: -1 } }] },
      },
      want: [
        "spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive",
      ],
    },
    {
      name: "pod securityContext fsGroup negative",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-pod-security-ontext-fs-roup-negative" },
        spec: { containers: [{ name: "c", image: "nginx" }], securityContext: { fsGroup: -5 } },
      },
      want: ["spec.securityContext.fsGroup: Invalid value: -5: must be between 0 and 2147483647, inclusive"],
    },
    {
      name: "seccomp localhost without profile",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-seccomp-localhost-without-profile" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          securityContext: { seccompProfile: { type: "Localhost" } },
        },
      },
      want: [
        "spec.securityContext.seccompProfile.localhostProfile: Required value: must be set when seccomp type is Localhost",
      ],
    },
    {
      name: "seccomp bad type",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-seccomp-bad-type" },
        spec: { containers: [{ name: "a", image: "nginx", securityContext: { seccompProfile: { type: "Foo" } } }] },
      },
      want: [
        'spec.containers[0].securityContext.seccompProfile.type: Unsupported value: "Foo": supported values: "Localhost", "RuntimeDefault", "Unconfined"',
      ],
    },
    {
      name: "allowPrivilegeEscalation with privileged",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-allow-rivilege-scalation-with-privileged" },
        spec: {
          containers: [
            { name: "a", image: "nginx", securityContext: { allowPrivilegeEscalation: false, privileged: true } },
          ],
        },
      },
      want: [
        'spec.containers[0].securityContext: Invalid value: {"Capabilities":null,"Privileged":true,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"ReadOnlyRootFilesystem":null,"AllowPrivilegeEscalation":false,"ProcMount":null,"SeccompProfile":null,"AppArmorProfile":null}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
      ],
    },
    {
      name: "sysctl bad name",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-sysctl-bad-name" },
        spec: {
          containers: [{ name: "c", image: "nginx" }],
          securityContext: { sysctls: [{ name: "Bad Name", value: "1" }] },
        },
      },
      want: [
        'spec.securityContext.sysctls[0].name: Invalid value: "Bad Name": must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$',
      ],
    },
    {
      name: "hostNetwork port mismatch",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-host-etwork-port-mismatch" },
        spec: {
          containers: [{ name: "a", image: "nginx", ports: [{ containerPort: 80, hostPort: 81 }] }],
          hostNetwork: true,
        },
      },
      want: [
        "spec.containers[0].ports[0].hostPort: Invalid value: 81: must match `containerPort` when `hostNetwork` is true",
      ],
    },
    {
      name: "imagePullSecrets ok",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-image-ull-ecrets-ok" },
        spec: { containers: [{ name: "c", image: "nginx" }], imagePullSecrets: [{ name: "x" }] },
      },
      want: [],
    },
    {
      name: "readinessGates bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-readiness-ates-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], readinessGates: [{ conditionType: "a b" }] },
      },
      want: [
        "spec.readinessGates[0].conditionType: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    },
    {
      name: "schedulingGates duplicate",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-scheduling-ates-duplicate" },
        spec: { containers: [{ name: "c", image: "nginx" }], schedulingGates: [{ name: "a" }, { name: "a" }] },
      },
      want: ['spec.schedulingGates[1]: Duplicate value: "a"'],
    },
    {
      name: "nodeName with scheduling gates",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-node-ame-with-scheduling-gates" },
        spec: { containers: [{ name: "c", image: "nginx" }], schedulingGates: [{ name: "a" }], nodeName: "n1" },
      },
      want: ["spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared"],
    },
    {
      name: "ephemeral containers on create",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-ephemeral-containers-on-create" },
        spec: { containers: [{ name: "c", image: "nginx" }], ephemeralContainers: [{ name: "e", image: "busybox" }] },
      },
      want: ["spec.ephemeralContainers: Forbidden: cannot be set on create"],
    },
    {
      name: "os bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-os-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], os: { name: "plan9" } },
      },
      want: ['spec.os: Unsupported value: "plan9": supported values: "linux", "windows"'],
    },
    {
      name: "overhead bad",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-overhead-bad" },
        spec: { containers: [{ name: "c", image: "nginx" }], overhead: { cpu: "-1" } },
      },
      want: ['spec.overhead.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    },
    {
      name: "hostAliases bad ip",
      resource: "core/pods",
      obj: {
        metadata: { name: "p-host-liases-bad-ip" },
        spec: { containers: [{ name: "c", image: "nginx" }], hostAliases: [{ ip: "1.2.3", hostnames: ["Bad_Host"] }] },
      },
      want: [
        'spec.hostAliases[0].ip: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        "spec.hostAliases[0].hostnames[0]: Invalid value: \"Bad_Host\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      name: "deploy ok",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "ok" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [],
    },
    {
      name: "deploy no selector",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "no-selector" },
        spec: {
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        "spec.selector: Required value",
        'spec.template.metadata.labels: Invalid value: {"app":"a"}: `selector` does not match template `labels`',
      ],
    },
    {
      name: "deploy empty selector",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "empty-selector" },
        spec: {
          selector: {},
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
    },
    {
      name: "deploy mismatch",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "mismatch" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ['spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`'],
    },
    {
      name: "deploy neg replicas",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "neg-replicas" },
        spec: {
          replicas: -1,
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"],
    },
    {
      name: "deploy restart never",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "restart-never" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: {
            metadata: { labels: { app: "a" } },
            spec: { containers: [{ name: "c", image: "nginx" }], restartPolicy: "Never" },
          },
        },
      },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    },
    {
      name: "deploy deadline",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "deadline" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: {
            metadata: { labels: { app: "a" } },
            spec: { containers: [{ name: "c", image: "nginx" }], activeDeadlineSeconds: 5 },
          },
        },
      },
      want: [
        "spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported",
      ],
    },
    {
      name: "deploy surge zero",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "surge-zero" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"],
    },
    {
      name: "deploy bad percent",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "bad-percent" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "x%", maxUnavailable: "120%" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"x%\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%',
      ],
    },
    {
      name: "deploy recreate with rolling",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "recreate-with-rolling" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    },
    {
      name: "deploy bad selector op",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "bad-selector-op" },
        spec: {
          selector: { matchExpressions: [{ key: "app", operator: "Foo", values: ["a"] }] },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator',
        'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Foo","values":["a"]}]}: invalid label selector',
      ],
    },
    {
      name: "deploy bad selector key",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "bad-selector-key" },
        spec: {
          selector: { matchLabels: { "a/b/c": "x" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        "spec.selector.matchLabels: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        'spec.selector: Invalid value: {"matchLabels":{"a/b/c":"x"}}: invalid label selector',
      ],
    },
    {
      name: "deploy progress deadline",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "progress-deadline" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          minReadySeconds: 10,
          progressDeadlineSeconds: 5,
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.progressDeadlineSeconds: Invalid value: 5: must be greater than minReadySeconds"],
    },
    {
      name: "deploy revision history",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "revision-history" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          revisionHistoryLimit: -1,
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"],
    },
    {
      name: "deploy template bad label",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "template-bad-label" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: {
            metadata: { labels: { app: "a", "b c": "d" } },
            spec: { containers: [{ name: "c", image: "nginx" }] },
          },
        },
      },
      want: [
        "spec.template.labels: Invalid value: \"b c\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    },
    {
      name: "deploy template no containers",
      resource: "apps/deployments",
      obj: {
        metadata: { name: "template-no-containers" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [] } },
        },
      },
      want: ["spec.template.spec.containers: Required value"],
    },
    {
      name: "rs ok",
      resource: "apps/replicasets",
      obj: {
        metadata: { name: "ok" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [],
    },
    {
      name: "rs mismatch",
      resource: "apps/replicasets",
      obj: {
        metadata: { name: "mismatch" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ['spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`'],
    },
    {
      name: "rs empty selector",
      resource: "apps/replicasets",
      obj: {
        metadata: { name: "empty-selector" },
        spec: {
          selector: {},
          template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"],
    },
    {
      name: "ss ok",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "ok" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          serviceName: "svc",
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [],
    },
    {
      name: "ss bad service name",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "bad-service-name" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          serviceName: "Bad_Svc",
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        "spec.serviceName: Invalid value: \"Bad_Svc\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: "ss mismatch",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "mismatch" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ['spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`'],
    },
    {
      name: "ss pmp bad",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "pmp-bad" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          podManagementPolicy: "Foo",
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.podManagementPolicy: Invalid value: \"Foo\": must be 'OrderedReady' or 'Parallel'"],
    },
    {
      name: "ss update strategy bad",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "update-strategy-bad" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          updateStrategy: { type: "Foo" },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        'spec.updateStrategy: Invalid value: {"Type":"Foo","RollingUpdate":null}: must be \'RollingUpdate\' or \'OnDelete\'',
      ],
    },
    {
      name: "ss ondelete with rolling",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "ondelete-with-rolling" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        'spec.updateStrategy.rollingUpdate: Invalid value: {"Partition":1,"MaxUnavailable":null}: only allowed for updateStrategy \'RollingUpdate\'',
      ],
    },
    {
      name: "ss claim template bad",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "claim-template-bad" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: [] } }],
        },
      },
      want: [
        "spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required",
        "spec.volumeClaimTemplates[0].spec.resources[storage]: Required value",
      ],
    },
    {
      name: "ss claim template mounted ok",
      resource: "apps/statefulsets",
      obj: {
        metadata: { name: "claim-template-mounted-ok" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: {
            metadata: { labels: { app: "a" } },
            spec: { containers: [{ name: "c", image: "nginx", volumeMounts: [{ name: "data", mountPath: "/d" }] }] },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data" },
              spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
            },
          ],
        },
      },
      want: [],
    },
    {
      name: "ds ok",
      resource: "apps/daemonsets",
      obj: {
        metadata: { name: "ok" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [],
    },
    {
      name: "ds mismatch",
      resource: "apps/daemonsets",
      obj: {
        metadata: { name: "mismatch" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ['spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`'],
    },
    {
      name: "ds no selector",
      resource: "apps/daemonsets",
      obj: {
        metadata: { name: "no-selector" },
        spec: {
          template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ['spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`'],
    },
    {
      name: "ds strategy zeros",
      resource: "apps/daemonsets",
      obj: {
        metadata: { name: "strategy-zeros" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"],
    },
    {
      name: "ds strategy both",
      resource: "apps/daemonsets",
      obj: {
        metadata: { name: "strategy-both" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero",
      ],
    },
    {
      name: "ds strategy bad type",
      resource: "apps/daemonsets",
      obj: {
        metadata: { name: "strategy-bad-type" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          updateStrategy: { type: "Foo" },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [
        'spec.updateStrategy: Unsupported value: {"Type":"Foo","RollingUpdate":null}: supported values: "RollingUpdate", "OnDelete"',
      ],
    },
    {
      name: "rc ok",
      resource: "core/replicationcontrollers",
      obj: {
        metadata: { name: "ok" },
        spec: {
          selector: { app: "a" },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: [],
    },
    {
      name: "rc mismatch",
      resource: "core/replicationcontrollers",
      obj: {
        metadata: { name: "mismatch" },
        spec: {
          selector: { app: "a" },
          template: { metadata: { labels: { app: "b" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ['spec.template.metadata.labels: Invalid value: {"app":"b"}: `selector` does not match template `labels`'],
    },
    {
      name: "rc no template",
      resource: "core/replicationcontrollers",
      obj: { metadata: { name: "no-template" }, spec: { selector: { app: "a" } } },
      want: ["spec.template: Required value"],
    },
    {
      name: "rc negative",
      resource: "core/replicationcontrollers",
      obj: {
        metadata: { name: "negative" },
        spec: {
          replicas: -2,
          selector: { app: "a" },
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      want: ["spec.replicas: Invalid value: -2: must be greater than or equal to 0"],
    },
    {
      name: "rc restart",
      resource: "core/replicationcontrollers",
      obj: {
        metadata: { name: "restart" },
        spec: {
          selector: { app: "a" },
          template: {
            metadata: { labels: { app: "a" } },
            spec: { containers: [{ name: "c", image: "nginx" }], restartPolicy: "OnFailure" },
          },
        },
      },
      want: ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    },
    {
      name: "podtemplate bad",
      resource: "core/podtemplates",
      obj: { metadata: { name: "pt" }, template: { metadata: { labels: { "a b": "c" } }, spec: { containers: [] } } },
      want: [
        "template.labels: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
        "template.spec.containers: Required value",
      ],
    },
    {
      name: "job ok",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-ok" },
        spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } } },
      },
      want: [],
    },
    {
      name: "job restart always",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-restart-always" },
        spec: { template: { spec: { restartPolicy: "Always", containers: [{ name: "c", image: "busybox" }] } } },
      },
      want: ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    },
    {
      name: "job negative parallelism",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-negative-parallelism" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          parallelism: -1,
          completions: -2,
          backoffLimit: -3,
          activeDeadlineSeconds: -4,
          ttlSecondsAfterFinished: -5,
        },
      },
      want: [
        "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
        "spec.completions: Invalid value: -2: must be greater than or equal to 0",
        "spec.activeDeadlineSeconds: Invalid value: -4: must be greater than or equal to 0",
        "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
        "spec.ttlSecondsAfterFinished: Invalid value: -5: must be greater than or equal to 0",
      ],
    },
    {
      name: "job indexed without completions",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-indexed-without-completions" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          completionMode: "Indexed",
        },
      },
      want: [],
    },
    {
      name: "job bad completion mode",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-bad-completion-mode" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          completionMode: "Foo",
        },
      },
      want: ['spec.completionMode: Unsupported value: "Foo": supported values: "NonIndexed", "Indexed"'],
    },
    {
      name: "job backoff per index non indexed",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-backoff-per-index-non-indexed" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          backoffLimitPerIndex: 1,
          maxFailedIndexes: 1,
        },
      },
      want: [
        "spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode",
        "spec.maxFailedIndexes: Invalid value: 1: requires indexed completion mode",
      ],
    },
    {
      name: "job max failed without backoff per index",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-max-failed-without-backoff-per-index" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          completionMode: "Indexed",
          completions: 3,
          maxFailedIndexes: 1,
        },
      },
      want: ["spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"],
    },
    {
      name: "job pod failure policy bad",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-pod-failure-policy-bad" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          podFailurePolicy: { rules: [{ action: "Foo", onExitCodes: { operator: "In", values: [0, 2, 1, 2] } }] },
        },
      },
      want: [
        'spec.podFailurePolicy.rules[0].action: Unsupported value: "Foo": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
        "spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator",
        "spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 2",
        "spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,2,1,2]: must be ordered",
      ],
    },
    {
      name: "job pod failure policy restart OnFailure",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-pod-failure-policy-restart-n-ailure" },
        spec: {
          template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } },
          podFailurePolicy: { rules: [{ action: "FailJob", onPodConditions: [{ type: "DisruptionTarget" }] }] },
        },
      },
      want: [
        'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
      ],
    },
    {
      name: "job pod failure policy neither",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-pod-failure-policy-neither" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          podFailurePolicy: { rules: [{ action: "Ignore" }] },
        },
      },
      want: [
        "spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
      ],
    },
    {
      name: "job success policy non indexed",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-success-policy-non-indexed" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          successPolicy: { rules: [{ succeededCount: 1 }] },
        },
      },
      want: [
        'spec.successPolicy: Invalid value: {"Rules":[{"SucceededIndexes":null,"SucceededCount":1}]}: requires indexed completion mode',
      ],
    },
    {
      name: "job success policy bad indexes",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-success-policy-bad-indexes" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          completionMode: "Indexed",
          completions: 3,
          successPolicy: { rules: [{ succeededIndexes: "5-1", succeededCount: 9 }] },
        },
      },
      want: [
        'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "5-1": error parsing succeededIndexes: too large index: "5"',
        "spec.successPolicy.rules[0].succeededCount: Invalid value: 9: must be less than or equal to 3 (the number of specified completions)",
        "spec.successPolicy.rules[0].succeededCount: Invalid value: 9: must be less than or equal to 0 (the number of indexes in the specified succeededIndexes field)",
      ],
    },
    {
      name: "job pod replacement bad",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-pod-replacement-bad" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          podReplacementPolicy: "Foo",
        },
      },
      want: ['spec.podReplacementPolicy: Unsupported value: "Foo": supported values: "Failed", "TerminatingOrFailed"'],
    },
    {
      name: "job manual selector mismatch",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-manual-selector-mismatch" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          manualSelector: true,
          selector: { matchLabels: { a: "b" } },
        },
      },
      want: ["spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"],
    },
    {
      name: "job manual selector ok",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-manual-selector-ok" },
        spec: {
          template: {
            metadata: { labels: { a: "b" } },
            spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
          },
          manualSelector: true,
          selector: { matchLabels: { a: "b" } },
        },
      },
      want: [],
    },
    {
      name: "job selector not generated",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-selector-not-generated" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          selector: { matchLabels: { a: "b" } },
        },
      },
      want: [
        'spec.selector: Invalid value: {"matchLabels":{"a":"b","batch.kubernetes.io/controller-uid":"399d8b01-ec1c-42df-bc85-bb76f7aae786"}}: `selector` not auto-generated',
        'spec.template.metadata.labels: Invalid value: {"batch.kubernetes.io/controller-uid":"399d8b01-ec1c-42df-bc85-bb76f7aae786","batch.kubernetes.io/job-name":"j-selector-not-generated","controller-uid":"399d8b01-ec1c-42df-bc85-bb76f7aae786","job-name":"j-selector-not-generated"}: `selector` does not match template `labels`',
      ],
    },
    {
      name: "job managedBy bad",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-managed-y-bad" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          managedBy: "nope",
        },
      },
      want: ['spec.managedBy: Invalid value: "nope": must be a domain-prefixed path (such as "acme.io/foo")'],
    },
    {
      name: "job indexed name too long",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-indexed-name-too-long" },
        spec: {
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] } },
          completionMode: "Indexed",
          completions: 100,
        },
      },
      want: [],
    },
    {
      name: "job template no containers",
      resource: "batch/jobs",
      obj: {
        metadata: { name: "j-template-no-containers" },
        spec: { template: { spec: { restartPolicy: "Never", containers: [] } } },
      },
      want: ["spec.template.spec.containers: Required value"],
    },
    {
      name: "cronjob ok",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-ok" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: [],
    },
    {
      name: "cronjob bad schedule",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-bad-schedule" },
        spec: {
          schedule: "bad",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ['spec.schedule: Invalid value: "bad": expected exactly 5 fields, found 1: [bad]'],
    },
    {
      name: "cronjob schedule fields",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-fields" },
        spec: {
          schedule: "* * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ['spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]'],
    },
    {
      name: "cronjob schedule range",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-range" },
        spec: {
          schedule: "61 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'],
    },
    {
      name: "cronjob schedule step zero",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-step-zero" },
        spec: {
          schedule: "*/0 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ['spec.schedule: Invalid value: "*/0 * * * *": step of range should be a positive number: */0'],
    },
    {
      name: "cronjob schedule letters",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-letters" },
        spec: {
          schedule: "* * * foo *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: [
        'spec.schedule: Invalid value: "* * * foo *": failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax',
      ],
    },
    {
      name: "cronjob schedule descriptor",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-descriptor" },
        spec: {
          schedule: "@weekly",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: [],
    },
    {
      name: "cronjob schedule bad descriptor",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-bad-descriptor" },
        spec: {
          schedule: "@fortnightly",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ['spec.schedule: Invalid value: "@fortnightly": unrecognized descriptor: @fortnightly'],
    },
    {
      name: "cronjob schedule every",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-every" },
        spec: {
          schedule: "@every 5m",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: [],
    },
    {
      name: "cronjob schedule CRON_TZ nospace",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-nospace" },
        spec: {
          schedule: "CRON_TZ=UTC",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: [
        'spec.schedule: Invalid value: "CRON_TZ=UTC": invalid schedule format: runtime error: slice bounds out of range [:-1]',
        'spec.schedule: Invalid value: "CRON_TZ=UTC": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    },
    {
      name: "cronjob schedule range reversed",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-range-reversed" },
        spec: {
          schedule: "5-1 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ['spec.schedule: Invalid value: "5-1 * * * *": beginning of range (5) beyond end of range (1): 5-1'],
    },
    {
      name: "cronjob schedule names",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-schedule-names" },
        spec: {
          schedule: "0 0 * jan-mar mon-fri",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: [],
    },
    {
      name: "cronjob empty schedule",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-empty-schedule" },
        spec: {
          schedule: "",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ["spec.schedule: Required value"],
    },
    {
      name: "cronjob time zone bad",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-time-zone-bad" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
          timeZone: "Mars/Olympus",
        },
      },
      want: ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'],
    },
    {
      name: "cronjob time zone ok",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-time-zone-ok" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
          timeZone: "Europe/Berlin",
        },
      },
      want: [],
    },
    {
      name: "cronjob time zone local",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-time-zone-local" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
          timeZone: "Local",
        },
      },
      want: [
        'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ],
    },
    {
      name: "cronjob time zone lowercase",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-time-zone-lowercase" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
          timeZone: "europe/berlin",
        },
      },
      want: ['spec.timeZone: Invalid value: "europe/berlin": unknown time zone europe/berlin'],
    },
    {
      name: "cronjob time zone empty",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-time-zone-empty" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
          timeZone: "",
        },
      },
      want: ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string'],
    },
    {
      name: "cronjob concurrency bad",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-concurrency-bad" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
          concurrencyPolicy: "Sometimes",
        },
      },
      want: ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'],
    },
    {
      name: "cronjob negative limits",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-negative-limits" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "OnFailure", containers: [{ name: "c", image: "busybox" }] } } },
          },
          startingDeadlineSeconds: -1,
          successfulJobsHistoryLimit: -1,
          failedJobsHistoryLimit: -2,
        },
      },
      want: [
        "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
        "spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
        "spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
      ],
    },
    {
      name: "cronjob job template selector",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-job-template-selector" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: {
              selector: { matchLabels: { a: "b" } },
              template: {
                metadata: { labels: { a: "b" } },
                spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox" }] },
              },
            },
          },
        },
      },
      want: [
        'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
      ],
    },
    {
      name: "cronjob job template restart always",
      resource: "batch/cronjobs",
      obj: {
        metadata: { name: "cj-job-template-restart-always" },
        spec: {
          schedule: "*/5 * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "Always", containers: [{ name: "c", image: "busybox" }] } } },
          },
        },
      },
      want: ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    },
    {
      name: "svc ok",
      resource: "core/services",
      obj: { metadata: { name: "s-ok" }, spec: { ports: [{ port: 80 }], selector: { app: "a" } } },
      want: [],
    },
    {
      name: "svc no ports",
      resource: "core/services",
      obj: { metadata: { name: "s-no-ports" }, spec: { selector: { app: "a" } } },
      want: ["spec.ports: Required value"],
    },
    {
      name: "svc headless no ports ok",
      resource: "core/services",
      obj: { metadata: { name: "s-headless-no-ports-ok" }, spec: { clusterIP: "None", selector: { app: "a" } } },
      want: [],
    },
    {
      name: "svc externalname ok",
      resource: "core/services",
      obj: { metadata: { name: "s-externalname-ok" }, spec: { type: "ExternalName", externalName: "example.com" } },
      want: [],
    },
    {
      name: "svc externalname bad",
      resource: "core/services",
      obj: { metadata: { name: "s-externalname-bad" }, spec: { type: "ExternalName", externalName: "Bad_Name" } },
      want: [
        "spec.externalName: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      name: "svc externalname missing",
      resource: "core/services",
      obj: { metadata: { name: "s-externalname-missing" }, spec: { type: "ExternalName" } },
      want: ["spec.externalName: Required value"],
    },
    {
      name: "svc port out of range",
      resource: "core/services",
      obj: { metadata: { name: "s-port-out-of-range" }, spec: { ports: [{ port: 0 }] } },
      want: [
        "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
      ],
    },
    {
      name: "svc port protocol bad",
      resource: "core/services",
      obj: { metadata: { name: "s-port-protocol-bad" }, spec: { ports: [{ port: 80, protocol: "ICMP" }] } },
      want: ['spec.ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"'],
    },
    {
      name: "svc multi ports without names",
      resource: "core/services",
      obj: { metadata: { name: "s-multi-ports-without-names" }, spec: { ports: [{ port: 80 }, { port: 81 }] } },
      want: ["spec.ports[0].name: Required value", "spec.ports[1].name: Required value"],
    },
    {
      name: "svc duplicate port names",
      resource: "core/services",
      obj: {
        metadata: { name: "s-duplicate-port-names" },
        spec: {
          ports: [
            { port: 80, name: "a" },
            { port: 81, name: "a" },
          ],
        },
      },
      want: ['spec.ports[1].name: Duplicate value: "a"'],
    },
    {
      name: "svc duplicate ports",
      resource: "core/services",
      obj: {
        metadata: { name: "s-duplicate-ports" },
        spec: {
          ports: [
            { port: 80, name: "a" },
            { port: 80, name: "b" },
          ],
        },
      },
      want: [
        'spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}',
      ],
    },
    {
      name: "svc bad target port",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-target-port" }, spec: { ports: [{ port: 80, targetPort: "Bad_Name" }] } },
      want: [
        'spec.ports[0].targetPort: Invalid value: "Bad_Name": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      ],
    },
    {
      name: "svc bad target port number",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-target-port-number" }, spec: { ports: [{ port: 80, targetPort: 70000 }] } },
      want: ["spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"],
    },
    {
      name: "svc bad type",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-type" }, spec: { type: "Foo", ports: [{ port: 80 }] } },
      want: [
        'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
      ],
    },
    {
      name: "svc nodeport on clusterip",
      resource: "core/services",
      obj: { metadata: { name: "s-nodeport-on-clusterip" }, spec: { ports: [{ port: 80, nodePort: 30001 }] } },
      want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    },
    {
      name: "svc bad session affinity",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-session-affinity" }, spec: { sessionAffinity: "Foo", ports: [{ port: 80 }] } },
      want: ['spec.sessionAffinity: Unsupported value: "Foo": supported values: "ClientIP", "None"'],
    },
    {
      name: "svc affinity timeout",
      resource: "core/services",
      obj: {
        metadata: { name: "s-affinity-timeout" },
        spec: {
          sessionAffinity: "ClientIP",
          sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } },
          ports: [{ port: 80 }],
        },
      },
      want: [
        "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 0: must be greater than 0 and less than 86400",
      ],
    },
    {
      name: "svc bad selector",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-selector" }, spec: { ports: [{ port: 80 }], selector: { "a b": "c" } } },
      want: [
        "spec.selector: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    },
    {
      name: "svc bad cluster ip",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-cluster-ip" }, spec: { clusterIP: "1.2.3", ports: [{ port: 80 }] } },
      want: [
        'spec.clusterIPs[0]: Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    },
    {
      name: "svc clusterIPs mismatch",
      resource: "core/services",
      obj: {
        metadata: { name: "s-cluster-s-mismatch" },
        spec: { clusterIP: "10.96.0.50", clusterIPs: ["10.96.0.51"], ports: [{ port: 80 }] },
      },
      want: ['spec.clusterIPs: Invalid value: ["10.96.0.51"]: first value must match `clusterIP`'],
    },
    {
      name: "svc bad ip family",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-ip-family" }, spec: { ipFamilies: ["IPv5"], ports: [{ port: 80 }] } },
      want: ['spec.ipFamilies[0]: Unsupported value: "IPv5": supported values: "IPv4", "IPv6"'],
    },
    {
      name: "svc bad ip family policy",
      resource: "core/services",
      obj: { metadata: { name: "s-bad-ip-family-policy" }, spec: { ipFamilyPolicy: "Triple", ports: [{ port: 80 }] } },
      want: [
        'spec.ipFamilyPolicy: Unsupported value: "Triple": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"',
      ],
    },
    {
      name: "svc external ip loopback",
      resource: "core/services",
      obj: {
        metadata: { name: "s-external-ip-loopback" },
        spec: { externalIPs: ["127.0.0.1"], ports: [{ port: 80 }] },
      },
      want: [
        'spec.externalIPs[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      ],
    },
    {
      name: "svc source ranges not lb",
      resource: "core/services",
      obj: {
        metadata: { name: "s-source-ranges-not-lb" },
        spec: { loadBalancerSourceRanges: ["10.0.0.0/8"], ports: [{ port: 80 }] },
      },
      want: ["spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    },
    {
      name: "svc source ranges bad",
      resource: "core/services",
      obj: {
        metadata: { name: "s-source-ranges-bad" },
        spec: { type: "LoadBalancer", loadBalancerSourceRanges: ["10.0.0.0/99"], ports: [{ port: 80 }] },
      },
      want: [
        'spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/99": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
      ],
    },
    {
      name: "svc lb class on clusterip",
      resource: "core/services",
      obj: {
        metadata: { name: "s-lb-class-on-clusterip" },
        spec: { loadBalancerClass: "x.io/y", ports: [{ port: 80 }] },
      },
      want: ["spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'"],
    },
    {
      name: "svc external traffic policy on clusterip",
      resource: "core/services",
      obj: {
        metadata: { name: "s-external-traffic-policy-on-clusterip" },
        spec: { externalTrafficPolicy: "Local", ports: [{ port: 80 }] },
      },
      want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    },
    {
      name: "svc internal traffic policy bad",
      resource: "core/services",
      obj: {
        metadata: { name: "s-internal-traffic-policy-bad" },
        spec: { internalTrafficPolicy: "Foo", ports: [{ port: 80 }] },
      },
      want: ['spec.internalTrafficPolicy: Unsupported value: "Foo": supported values: "Cluster", "Local"'],
    },
    {
      name: "svc traffic distribution bad",
      resource: "core/services",
      obj: {
        metadata: { name: "s-traffic-distribution-bad" },
        spec: { trafficDistribution: "Random", ports: [{ port: 80 }] },
      },
      want: [
        'spec.trafficDistribution: Unsupported value: "Random": supported values: "PreferClose", "PreferSameZone", "PreferSameNode"',
      ],
    },
    {
      name: "svc healthcheck on clusterip",
      resource: "core/services",
      obj: {
        metadata: { name: "s-healthcheck-on-clusterip" },
        spec: { healthCheckNodePort: 30000, ports: [{ port: 80 }] },
      },
      want: [
        "spec.healthCheckNodePort: Invalid value: 30000: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      ],
    },
    {
      name: "svc headless nodeport",
      resource: "core/services",
      obj: {
        metadata: { name: "s-headless-nodeport" },
        spec: { type: "NodePort", clusterIP: "None", ports: [{ port: 80 }] },
      },
      want: ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"],
    },
    {
      name: "svc app protocol bad",
      resource: "core/services",
      obj: { metadata: { name: "s-app-protocol-bad" }, spec: { ports: [{ port: 80, appProtocol: "a b" }] } },
      want: [
        "spec.ports[0].appProtocol: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    },
    {
      name: "svc nodeport ok",
      resource: "core/services",
      obj: { metadata: { name: "s-nodeport-ok" }, spec: { type: "NodePort", ports: [{ port: 80 }] } },
      want: [],
    },
    {
      name: "svc lb ok",
      resource: "core/services",
      obj: { metadata: { name: "s-lb-ok" }, spec: { type: "LoadBalancer", ports: [{ port: 80 }] } },
      want: [],
    },
    {
      name: "cm ok",
      resource: "core/configmaps",
      obj: { metadata: { name: "cm-ok" }, data: { "a.b": "1" } },
      want: [],
    },
    {
      name: "cm dup binary",
      resource: "core/configmaps",
      obj: { metadata: { name: "cm-dup-binary" }, data: { a: "1" }, binaryData: { a: "MQ==" } },
      want: ['data[a]: Invalid value: "a": duplicate of key present in binaryData'],
    },
    {
      name: "cm bad binary key",
      resource: "core/configmaps",
      obj: { metadata: { name: "cm-bad-binary-key" }, binaryData: { "a b": "MQ==" } },
      want: [
        "binaryData[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ],
    },
    { name: "secret ok", resource: "core/secrets", obj: { metadata: { name: "s-ok" }, data: { a: "eA==" } }, want: [] },
    {
      name: "secret bad key",
      resource: "core/secrets",
      obj: { metadata: { name: "s-bad-key" }, data: { "a b": "eA==" } },
      want: [
        "data[a b]: Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
      ],
    },
    {
      name: "secret tls missing",
      resource: "core/secrets",
      obj: { metadata: { name: "s-tls-missing" }, type: "kubernetes.io/tls", data: { "tls.crt": "eA==" } },
      want: ["data[tls.key]: Required value"],
    },
    {
      name: "secret tls ok",
      resource: "core/secrets",
      obj: {
        metadata: { name: "s-tls-ok" },
        type: "kubernetes.io/tls",
        data: { "tls.crt": "eA==", "tls.key": "eQ==" },
      },
      want: [],
    },
    {
      name: "secret dockerconfigjson missing",
      resource: "core/secrets",
      obj: { metadata: { name: "s-dockerconfigjson-missing" }, type: "kubernetes.io/dockerconfigjson", data: {} },
      want: ["data[.dockerconfigjson]: Required value"],
    },
    {
      name: "secret dockerconfigjson bad json",
      resource: "core/secrets",
      obj: {
        metadata: { name: "s-dockerconfigjson-bad-json" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": "bm90IGpzb24=" },
      },
      want: [
        "data[.dockerconfigjson]: Invalid value: \"<secret contents redacted>\": invalid character 'o' in literal null (expecting 'u')",
      ],
    },
    {
      name: "secret dockerconfigjson array",
      resource: "core/secrets",
      obj: {
        metadata: { name: "s-dockerconfigjson-array" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": "WzFd" },
      },
      want: [
        'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: cannot unmarshal array into Go value of type map[string]interface {}',
      ],
    },
    {
      name: "secret dockerconfigjson ok",
      resource: "core/secrets",
      obj: {
        metadata: { name: "s-dockerconfigjson-ok" },
        type: "kubernetes.io/dockerconfigjson",
        data: { ".dockerconfigjson": "eyJhdXRocyI6e319" },
      },
      want: [],
    },
    {
      name: "secret basic auth empty",
      resource: "core/secrets",
      obj: { metadata: { name: "s-basic-auth-empty" }, type: "kubernetes.io/basic-auth", data: {} },
      want: ["data[username]: Required value", "data[password]: Required value"],
    },
    {
      name: "secret basic auth user only ok",
      resource: "core/secrets",
      obj: {
        metadata: { name: "s-basic-auth-user-only-ok" },
        type: "kubernetes.io/basic-auth",
        stringData: { username: "u" },
      },
      want: [],
    },
    {
      name: "secret ssh auth empty",
      resource: "core/secrets",
      obj: { metadata: { name: "s-ssh-auth-empty" }, type: "kubernetes.io/ssh-auth", data: { "ssh-privatekey": "" } },
      want: ["data[ssh-privatekey]: Required value"],
    },
    {
      name: "secret custom type ok",
      resource: "core/secrets",
      obj: { metadata: { name: "s-custom-type-ok" }, type: "example.com/foo", data: { a: "eA==" } },
      want: [],
    },
    {
      name: "pvc ok",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-ok" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      want: [],
    },
    {
      name: "pvc no access modes",
      resource: "core/persistentvolumeclaims",
      obj: { metadata: { name: "c-no-access-modes" }, spec: { resources: { requests: { storage: "1Gi" } } } },
      want: ["spec.accessModes: Required value: at least 1 access mode is required"],
    },
    {
      name: "pvc no storage",
      resource: "core/persistentvolumeclaims",
      obj: { metadata: { name: "c-no-storage" }, spec: { accessModes: ["ReadWriteOnce"] } },
      want: ["spec.resources[storage]: Required value"],
    },
    {
      name: "pvc zero storage",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-zero-storage" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "0" } } },
      },
      want: ['spec.resources[storage]: Invalid value: "0": must be greater than zero'],
    },
    {
      name: "pvc bad access mode",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-bad-access-mode" },
        spec: { accessModes: ["ReadWriteSometimes"], resources: { requests: { storage: "1Gi" } } },
      },
      want: [
        'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
      ],
    },
    {
      name: "pvc rwop mixed",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-rwop-mixed" },
        spec: { accessModes: ["ReadWriteOncePod", "ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      want: ["spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"],
    },
    {
      name: "pvc bad class",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-bad-class" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          storageClassName: "Bad_Class",
        },
      },
      want: [
        "spec.storageClassName: Invalid value: \"Bad_Class\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      name: "pvc bad volume mode",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-bad-volume-mode" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } }, volumeMode: "Raw" },
      },
      want: ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'],
    },
    {
      name: "pvc bad data source",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-bad-data-source" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          dataSource: { kind: "Snapshot", name: "x" },
        },
      },
      want: [],
    },
    {
      name: "pvc bad selector",
      resource: "core/persistentvolumeclaims",
      obj: {
        metadata: { name: "c-bad-selector" },
        spec: {
          accessModes: ["ReadWriteOnce"],
          resources: { requests: { storage: "1Gi" } },
          selector: { matchLabels: { "a b": "c" } },
        },
      },
      want: [
        "spec.selector.matchLabels: Invalid value: \"a b\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      ],
    },
    {
      name: "namespace bad finalizer",
      resource: "core/namespaces",
      obj: { metadata: { name: "sv5-nsf" }, spec: { finalizers: ["foo"] } },
      want: [
        'spec.finalizers: Invalid value: "foo": name is neither a standard finalizer name nor is it fully qualified',
      ],
    },
    {
      name: "pdb ok",
      resource: "policy/poddisruptionbudgets",
      obj: { metadata: { name: "pdb-ok" }, spec: { minAvailable: 1, selector: { matchLabels: { a: "b" } } } },
      want: [],
    },
    {
      name: "pdb both",
      resource: "policy/poddisruptionbudgets",
      obj: {
        metadata: { name: "pdb-both" },
        spec: { minAvailable: 1, maxUnavailable: 1, selector: { matchLabels: { a: "b" } } },
      },
      want: [
        'spec: Invalid value: {"MinAvailable":1,"Selector":{"matchLabels":{"a":"b"}},"MaxUnavailable":1,"UnhealthyPodEvictionPolicy":null}: minAvailable and maxUnavailable cannot be both set',
      ],
    },
    {
      name: "pdb negative",
      resource: "policy/poddisruptionbudgets",
      obj: { metadata: { name: "pdb-negative" }, spec: { minAvailable: -1 } },
      want: ["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"],
    },
    {
      name: "pdb bad percent",
      resource: "policy/poddisruptionbudgets",
      obj: { metadata: { name: "pdb-bad-percent" }, spec: { maxUnavailable: "150%" } },
      want: ['spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%'],
    },
    {
      name: "pdb bad policy",
      resource: "policy/poddisruptionbudgets",
      obj: { metadata: { name: "pdb-bad-policy" }, spec: { minAvailable: 1, unhealthyPodEvictionPolicy: "Foo" } },
      want: [
        'spec.unhealthyPodEvictionPolicy: Unsupported value: "Foo": supported values: "AlwaysAllow", "IfHealthyBudget"',
      ],
    },
    {
      name: "pdb bad label and spec",
      resource: "policy/poddisruptionbudgets",
      obj: { metadata: { name: "pdb-x", labels: { "a b": "c" } }, spec: { minAvailable: -1 } },
      want: ["spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"],
    },
    {
      name: "role ok",
      resource: "rbac.authorization.k8s.io/roles",
      obj: { metadata: { name: "r-ok" }, rules: [{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] },
      want: [],
    },
    {
      name: "role no verbs",
      resource: "rbac.authorization.k8s.io/roles",
      obj: { metadata: { name: "r-no-verbs" }, rules: [{ apiGroups: [""], resources: ["pods"] }] },
      want: ["rules[0].verbs: Required value: verbs must contain at least one value"],
    },
    {
      name: "role no groups",
      resource: "rbac.authorization.k8s.io/roles",
      obj: { metadata: { name: "r-no-groups" }, rules: [{ verbs: ["get"], resources: ["pods"] }] },
      want: ["rules[0].apiGroups: Required value: resource rules must supply at least one api group"],
    },
    {
      name: "role non resource urls",
      resource: "rbac.authorization.k8s.io/roles",
      obj: { metadata: { name: "r-non-resource-urls" }, rules: [{ verbs: ["get"], nonResourceURLs: ["/x"] }] },
      want: ['rules[0].nonResourceURLs: Invalid value: ["/x"]: namespaced rules cannot apply to non-resource URLs'],
    },
    {
      name: "rolebinding ok",
      resource: "rbac.authorization.k8s.io/rolebindings",
      obj: {
        metadata: { name: "rb-ok" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" },
        subjects: [{ kind: "User", name: "u", apiGroup: "rbac.authorization.k8s.io" }],
      },
      want: [],
    },
    {
      name: "rolebinding bad ref",
      resource: "rbac.authorization.k8s.io/rolebindings",
      obj: {
        metadata: { name: "rb-bad-ref" },
        roleRef: { apiGroup: "x", kind: "Foo", name: "" },
        subjects: [{ kind: "Robot", name: "" }],
      },
      want: [
        'roleRef.apiGroup: Unsupported value: "x": supported values: "rbac.authorization.k8s.io"',
        'roleRef.kind: Unsupported value: "Foo": supported values: "Role", "ClusterRole"',
        "roleRef.name: Required value",
        "subjects[0].name: Required value",
        'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      ],
    },
    {
      name: "rolebinding sa subject",
      resource: "rbac.authorization.k8s.io/rolebindings",
      obj: {
        metadata: { name: "rb-sa-subject" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" },
        subjects: [{ kind: "ServiceAccount", name: "Bad_SA", apiGroup: "x" }],
      },
      want: [
        "subjects[0].name: Invalid value: \"Bad_SA\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'subjects[0].apiGroup: Unsupported value: "x": supported values: ""',
      ],
    },
    {
      name: "clusterrolebinding sa without namespace",
      resource: "rbac.authorization.k8s.io/clusterrolebindings",
      obj: {
        metadata: { name: "sv5-crb-sa-without-namespace" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" },
        subjects: [{ kind: "ServiceAccount", name: "sa" }],
      },
      want: [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        "subjects[0].namespace: Required value",
      ],
    },
    {
      name: "lease ok",
      resource: "coordination.k8s.io/leases",
      obj: { metadata: { name: "l-ok" }, spec: { holderIdentity: "x", leaseDurationSeconds: 10 } },
      want: [],
    },
    {
      name: "lease bad",
      resource: "coordination.k8s.io/leases",
      obj: {
        metadata: { name: "l-bad" },
        spec: { leaseDurationSeconds: 0, leaseTransitions: -1, preferredHolder: "x" },
      },
      want: [
        "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0",
        "spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0",
      ],
    },
    {
      name: "lease bad strategy",
      resource: "coordination.k8s.io/leases",
      obj: { metadata: { name: "l-bad-strategy" }, spec: { strategy: "Foo" } },
      want: [],
    },
    {
      name: "ingress ok",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-ok" },
        spec: {
          rules: [
            {
              host: "a.example.com",
              http: {
                paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "svc", port: { number: 80 } } } }],
              },
            },
          ],
        },
      },
      want: [],
    },
    {
      name: "ingress empty",
      resource: "networking.k8s.io/ingresses",
      obj: { metadata: { name: "i-empty" }, spec: {} },
      want: ["spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"],
    },
    {
      name: "ingress ip host",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-ip-host" },
        spec: {
          rules: [
            {
              host: "1.2.3.4",
              http: {
                paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "svc", port: { number: 80 } } } }],
              },
            },
          ],
        },
      },
      want: ['spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address'],
    },
    {
      name: "ingress bad path",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-bad-path" },
        spec: {
          rules: [
            {
              http: {
                paths: [
                  { path: "rel", pathType: "Exact", backend: { service: { name: "svc", port: { number: 80 } } } },
                ],
              },
            },
          ],
        },
      },
      want: ['spec.rules[0].http.paths[0].path: Invalid value: "rel": must be an absolute path'],
    },
    {
      name: "ingress no pathType",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-no-path-ype" },
        spec: {
          rules: [{ http: { paths: [{ path: "/", backend: { service: { name: "svc", port: { number: 80 } } } }] } }],
        },
      },
      want: ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"],
    },
    {
      name: "ingress bad pathType",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-bad-path-ype" },
        spec: {
          rules: [
            {
              http: {
                paths: [{ path: "/", pathType: "Foo", backend: { service: { name: "svc", port: { number: 80 } } } }],
              },
            },
          ],
        },
      },
      want: [
        'spec.rules[0].http.paths[0].pathType: Unsupported value: "Foo": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      ],
    },
    {
      name: "ingress no backend",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-no-backend" },
        spec: { rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: {} }] } }] },
      },
      want: ['spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required'],
    },
    {
      name: "ingress no port",
      resource: "networking.k8s.io/ingresses",
      obj: { metadata: { name: "i-no-port" }, spec: { defaultBackend: { service: { name: "svc", port: {} } } } },
      want: ["spec.defaultBackend: Required value: port name or number is required"],
    },
    {
      name: "ingress bad service name",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-bad-service-name" },
        spec: { defaultBackend: { service: { name: "Bad_Svc", port: { number: 80 } } } },
      },
      want: [
        "spec.defaultBackend.service.name: Invalid value: \"Bad_Svc\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    },
    {
      name: "ingress wildcard bad",
      resource: "networking.k8s.io/ingresses",
      obj: {
        metadata: { name: "i-wildcard-bad" },
        spec: { rules: [{ host: "*.*.example.com" }], tls: [{ hosts: ["Bad_Host"], secretName: "Bad_Secret" }] },
      },
      want: [
        "spec.rules[0].host: Invalid value: \"*.*.example.com\": a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        "spec.tls[0].hosts[0]: Invalid value: \"Bad_Host\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        "spec.tls[0].secretName: Invalid value: \"Bad_Secret\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ],
    },
    {
      name: "networkpolicy ok",
      resource: "networking.k8s.io/networkpolicies",
      obj: {
        metadata: { name: "np-ok" },
        spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }], ports: [{ port: 80 }] }] },
      },
      want: [],
    },
    {
      name: "networkpolicy bad port",
      resource: "networking.k8s.io/networkpolicies",
      obj: {
        metadata: { name: "np-bad-port" },
        spec: { podSelector: {}, ingress: [{ ports: [{ port: 0, protocol: "ICMP" }] }] },
      },
      want: [
        'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
        "spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
      ],
    },
    {
      name: "networkpolicy endport",
      resource: "networking.k8s.io/networkpolicies",
      obj: {
        metadata: { name: "np-endport" },
        spec: { podSelector: {}, egress: [{ ports: [{ port: 100, endPort: 50 }] }] },
      },
      want: ["spec.egress[0].ports[0].endPort: Invalid value: 100: must be greater than or equal to `port`"],
    },
    {
      name: "networkpolicy empty peer",
      resource: "networking.k8s.io/networkpolicies",
      obj: { metadata: { name: "np-empty-peer" }, spec: { podSelector: {}, ingress: [{ from: [{}] }] } },
      want: ["spec.ingress[0].from[0]: Required value: must specify a peer"],
    },
    {
      name: "networkpolicy ipblock bad",
      resource: "networking.k8s.io/networkpolicies",
      obj: {
        metadata: { name: "np-ipblock-bad" },
        spec: {
          podSelector: {},
          ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["11.0.0.0/16", "10.0.0.0/4"] } }] }],
        },
      },
      want: [
        'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
        'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "10.0.0.0/4": must be a strict subset of `cidr`',
      ],
    },
    {
      name: "networkpolicy policy types",
      resource: "networking.k8s.io/networkpolicies",
      obj: { metadata: { name: "np-policy-types" }, spec: { podSelector: {}, policyTypes: ["Sideways"] } },
      want: ['spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"'],
    },
    {
      name: "priorityclass too high",
      resource: "scheduling.k8s.io/priorityclasses",
      obj: { metadata: { name: "sv5-pc-too-high" }, value: 2000000000 },
      want: ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"],
    },
    {
      name: "priorityclass bad preemption",
      resource: "scheduling.k8s.io/priorityclasses",
      obj: { metadata: { name: "sv5-pc-bad-preemption" }, value: 1, preemptionPolicy: "Sometimes" },
      want: ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"'],
    },
    {
      name: "endpoints ok",
      resource: "core/endpoints",
      obj: { metadata: { name: "ep-ok" }, subsets: [{ addresses: [{ ip: "10.1.2.3" }], ports: [{ port: 80 }] }] },
      want: [],
    },
    {
      name: "endpoints no addresses",
      resource: "core/endpoints",
      obj: { metadata: { name: "ep-no-addresses" }, subsets: [{ ports: [{ port: 80 }] }] },
      want: ["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"],
    },
    {
      name: "endpoints bad ip",
      resource: "core/endpoints",
      obj: {
        metadata: { name: "ep-bad-ip" },
        subsets: [
          { addresses: [{ ip: "127.0.0.1" }, { ip: "x" }], ports: [{ port: 0, protocol: "ICMP" }, { port: 80 }] },
        ],
      },
      want: [
        'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'subsets[0].addresses[1].ip: Invalid value: "x": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        'subsets[0].addresses[1].ip: Invalid value: "x": must be a valid IP address',
        "subsets[0].ports[0].name: Required value",
        "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        'subsets[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
        "subsets[0].ports[1].name: Required value",
      ],
    },
    {
      name: "endpointslice ok",
      resource: "discovery.k8s.io/endpointslices",
      obj: {
        metadata: { name: "es-ok" },
        addressType: "IPv4",
        endpoints: [{ addresses: ["10.1.2.3"] }],
        ports: [{ name: "http", port: 80 }],
      },
      want: [],
    },
    {
      name: "endpointslice bad type",
      resource: "discovery.k8s.io/endpointslices",
      obj: { metadata: { name: "es-bad-type" }, addressType: "IPv7", endpoints: [] },
      want: ['addressType: Unsupported value: "IPv7": supported values: "FQDN", "IPv4", "IPv6"'],
    },
    {
      name: "endpointslice bad address",
      resource: "discovery.k8s.io/endpointslices",
      obj: {
        metadata: { name: "es-bad-address" },
        addressType: "IPv4",
        endpoints: [{ addresses: ["fe80::1", "0.0.0.0"] }, { addresses: [] }],
      },
      want: [
        'endpoints[0].addresses: Invalid value: "fe80::1": must be an IPv4 address',
        'endpoints[0].addresses[0]: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
        'endpoints[0].addresses[1]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
        "endpoints[1].addresses: Required value: must contain at least 1 address",
      ],
    },
    {
      name: "endpointslice dup ports",
      resource: "discovery.k8s.io/endpointslices",
      obj: {
        metadata: { name: "es-dup-ports" },
        addressType: "IPv4",
        endpoints: [],
        ports: [
          { name: "a", port: 80 },
          { name: "a", port: 81 },
        ],
      },
      want: ['ports[1].name: Duplicate value: "a"'],
    },
    {
      name: "endpointslice fqdn bad",
      resource: "discovery.k8s.io/endpointslices",
      obj: { metadata: { name: "es-fqdn-bad" }, addressType: "FQDN", endpoints: [{ addresses: ["localhost"] }] },
      want: [
        'endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
      ],
    },
    {
      name: "pv no source",
      resource: "core/persistentvolumes",
      obj: {
        metadata: { name: "sv5-pv-no-source" },
        spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"] },
      },
      want: ["spec: Required value: must specify a volume type"],
    },
    {
      name: "pv no capacity",
      resource: "core/persistentvolumes",
      obj: {
        metadata: { name: "sv5-pv-no-capacity" },
        spec: { accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } },
      },
      want: ["spec.capacity: Required value", 'spec.capacity: Unsupported value: null: supported values: "storage"'],
    },
    {
      name: "pv extra capacity",
      resource: "core/persistentvolumes",
      obj: {
        metadata: { name: "sv5-pv-extra-capacity" },
        spec: { capacity: { storage: "1Gi", cpu: "1" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/tmp/x" } },
      },
      want: ['spec.capacity: Unsupported value: {"cpu":"1","storage":"1Gi"}: supported values: "storage"'],
    },
    {
      name: "pv bad reclaim",
      resource: "core/persistentvolumes",
      obj: {
        metadata: { name: "sv5-pv-bad-reclaim" },
        spec: {
          capacity: { storage: "1Gi" },
          accessModes: ["ReadWriteOnce"],
          hostPath: { path: "/tmp/x" },
          persistentVolumeReclaimPolicy: "Keep",
        },
      },
      want: [
        'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
      ],
    },
    {
      name: "pv local without affinity",
      resource: "core/persistentvolumes",
      obj: {
        metadata: { name: "sv5-pv-local-without-affinity" },
        spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], local: { path: "/x" } },
      },
      want: ["spec.nodeAffinity: Required value: Local volume requires node affinity"],
    },
    {
      name: "storageclass no provisioner",
      resource: "storage.k8s.io/storageclasses",
      obj: { metadata: { name: "sv5-sc-no-provisioner" } },
      want: ["provisioner: Required value"],
    },
    {
      name: "storageclass bad reclaim",
      resource: "storage.k8s.io/storageclasses",
      obj: { metadata: { name: "sv5-sc-bad-reclaim" }, provisioner: "example.com/x", reclaimPolicy: "Recycle" },
      want: ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'],
    },
    {
      name: "storageclass bad binding mode",
      resource: "storage.k8s.io/storageclasses",
      obj: { metadata: { name: "sv5-sc-bad-binding-mode" }, provisioner: "example.com/x", volumeBindingMode: "Later" },
      want: ['volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'],
    },
    {
      name: "quota negative",
      resource: "core/resourcequotas",
      obj: { metadata: { name: "rq" }, spec: { hard: { cpu: "-1" } } },
      want: ['spec.hard[cpu]: Invalid value: "-1": must be greater than or equal to 0'],
    },
    {
      name: "quota fractional pods",
      resource: "core/resourcequotas",
      obj: { metadata: { name: "rq" }, spec: { hard: { pods: "1.5" } } },
      want: ['spec.hard[pods]: Invalid value: "1500m": must be an integer'],
    },
    {
      name: "quota conflicting scopes",
      resource: "core/resourcequotas",
      obj: { metadata: { name: "rq" }, spec: { hard: { pods: "1" }, scopes: ["BestEffort", "NotBestEffort"] } },
      want: ['spec.scopes: Invalid value: ["BestEffort","NotBestEffort"]: conflicting scopes'],
    },
    {
      name: "quota scope not for resource",
      resource: "core/resourcequotas",
      obj: { metadata: { name: "rq" }, spec: { hard: { secrets: "1" }, scopes: ["BestEffort"] } },
      want: ['spec.scopes: Invalid value: ["BestEffort"]: unsupported scope applied to resource'],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const type = typeOf(r.resource);
      assert.deepEqual(causes(specProblems(type, prepared(type, r.obj))), r.want);
    });
});

describe("spec validation (updates)", () => {
  const rows: { name: string; resource: string; old: Json; patch: Json; want: string[] }[] = [
    {
      name: "pod update port",
      resource: "core/pods",
      old: {
        metadata: { name: "u1" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }] }],
        },
      },
      patch: { spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 81 }] }] } },
      want: [
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n@@ -12,7 +12,7 @@\n     {\n      "Name": "",\n      "HostPort": 0,\n-     "ContainerPort": 80,\n+     "ContainerPort": 81,\n      "Protocol": "TCP",\n      "HostIP": ""\n     }\n',
      ],
    },
    {
      name: "pod update image ok",
      resource: "core/pods",
      old: {
        metadata: { name: "u2" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [{ name: "c", image: "nginx" }],
        },
      },
      patch: { spec: { containers: [{ name: "c", image: "nginx:2" }] } },
      want: [
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n@@ -27,7 +27,7 @@\n    "Lifecycle": null,\n    "TerminationMessagePath": "/dev/termination-log",\n    "TerminationMessagePolicy": "File",\n-   "ImagePullPolicy": "Always",\n+   "ImagePullPolicy": "IfNotPresent",\n    "SecurityContext": null,\n    "Stdin": false,\n    "StdinOnce": false,\n',
      ],
    },
    {
      name: "pod update remove container",
      resource: "core/pods",
      old: {
        metadata: { name: "u3" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [
            { name: "a", image: "nginx" },
            { name: "b", image: "nginx" },
          ],
        },
      },
      patch: { spec: { containers: [{ name: "a", image: "nginx" }] } },
      want: ["spec.containers: Forbidden: pod updates may not add or remove containers"],
    },
    {
      name: "pod update restart policy",
      resource: "core/pods",
      old: {
        metadata: { name: "u4" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [{ name: "c", image: "nginx" }],
        },
      },
      patch: { spec: { restartPolicy: "Never" } },
      want: [
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n@@ -35,7 +35,7 @@\n   }\n  ],\n  "EphemeralContainers": null,\n- "RestartPolicy": "Always",\n+ "RestartPolicy": "Never",\n  "TerminationGracePeriodSeconds": 30,\n  "ActiveDeadlineSeconds": null,\n  "DNSPolicy": "ClusterFirst",\n',
      ],
    },
    {
      name: "pod update deadline up",
      resource: "core/pods",
      old: {
        metadata: { name: "u5" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [{ name: "c", image: "nginx" }],
          activeDeadlineSeconds: 10,
        },
      },
      patch: { spec: { activeDeadlineSeconds: 20 } },
      want: ["spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal to previous value"],
    },
    {
      name: "pod update toleration change",
      resource: "core/pods",
      old: {
        metadata: { name: "u6" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [{ name: "c", image: "nginx" }],
          tolerations: [{ key: "a", operator: "Exists" }],
        },
      },
      patch: { spec: { tolerations: [{ key: "b", operator: "Exists" }] } },
      want: ["spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds"],
    },
    {
      name: "pod update node selector and env",
      resource: "core/pods",
      old: {
        metadata: { name: "u7" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [{ name: "c", image: "nginx" }],
        },
      },
      patch: {
        spec: {
          nodeSelector: { disk: "ssd" },
          containers: [{ name: "c", image: "nginx", env: [{ name: "A", value: "1" }] }],
        },
      },
      want: [
        'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n@@ -10,7 +10,13 @@\n    "WorkingDir": "",\n    "Ports": null,\n    "EnvFrom": null,\n-   "Env": null,\n+   "Env": [\n+    {\n+     "Name": "A",\n+     "Value": "1",\n+     "ValueFrom": null\n+    }\n+   ],\n    "Resources": {\n     "Limits": null,\n     "Requests": null,\n@@ -39,7 +45,9 @@\n  "TerminationGracePeriodSeconds": 30,\n  "ActiveDeadlineSeconds": null,\n  "DNSPolicy": "ClusterFirst",\n- "NodeSelector": null,\n+ "NodeSelector": {\n+  "disk": "ssd"\n+ },\n  "ServiceAccountName": "default",\n  "AutomountServiceAccountToken": false,\n  "NodeName": "",\n',
      ],
    },
    {
      name: "pod update labels ok",
      resource: "core/pods",
      old: {
        metadata: { name: "u8" },
        spec: {
          automountServiceAccountToken: false,
          schedulerName: "no-such-scheduler",
          containers: [{ name: "c", image: "nginx" }],
        },
      },
      patch: { metadata: { labels: { a: "b" } } },
      want: [],
    },
    {
      name: "deployment selector change",
      resource: "apps/deployments",
      old: {
        metadata: { name: "d1" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: {
            metadata: { labels: { app: "a", t: "x" } },
            spec: { containers: [{ name: "c", image: "nginx" }] },
          },
        },
      },
      patch: { spec: { selector: { matchLabels: { app: "a", t: "x" } } } },
      want: ['spec.selector: Invalid value: {"matchLabels":{"app":"a","t":"x"}}: field is immutable'],
    },
    {
      name: "replicaset selector change",
      resource: "apps/replicasets",
      old: {
        metadata: { name: "r1" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          template: {
            metadata: { labels: { app: "a", t: "x" } },
            spec: { containers: [{ name: "c", image: "nginx" }] },
          },
        },
      },
      patch: { spec: { selector: { matchLabels: { t: "x" } } } },
      want: ['spec.selector: Invalid value: {"matchLabels":{"app":"a","t":"x"}}: field is immutable'],
    },
    {
      name: "statefulset service name change",
      resource: "apps/statefulsets",
      old: {
        metadata: { name: "s1" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          serviceName: "a",
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      patch: { spec: { serviceName: "b" } },
      want: [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ],
    },
    {
      name: "statefulset replicas ok",
      resource: "apps/statefulsets",
      old: {
        metadata: { name: "s2" },
        spec: {
          selector: { matchLabels: { app: "a" } },
          serviceName: "a",
          template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      patch: { spec: { replicas: 3 } },
      want: [],
    },
    {
      name: "job template change",
      resource: "batch/jobs",
      old: {
        metadata: { name: "j1" },
        spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "nginx" }] } } },
      },
      patch: { spec: { template: { spec: { containers: [{ name: "c", image: "busybox" }] } } } },
      want: [
        'spec.template: Invalid value: {"labels":{"batch.kubernetes.io/controller-uid":"399d8b01-ec1c-42df-bc85-bb76f7aae786","batch.kubernetes.io/job-name":"j1","controller-uid":"399d8b01-ec1c-42df-bc85-bb76f7aae786","job-name":"j1"},"Spec":{"Volumes":null,"InitContainers":null,"Containers":[{"Name":"c","Image":"busybox","Command":null,"Args":null,"WorkingDir":"","Ports":null,"EnvFrom":null,"Env":null,"Resources":{"Limits":null,"Requests":null,"Claims":null},"ResizePolicy":null,"RestartPolicy":null,"RestartPolicyRules":null,"VolumeMounts":null,"VolumeDevices":null,"LivenessProbe":null,"ReadinessProbe":null,"StartupProbe":null,"Lifecycle":null,"TerminationMessagePath":"/dev/termination-log","TerminationMessagePolicy":"File","ImagePullPolicy":"Always","SecurityContext":null,"Stdin":false,"StdinOnce":false,"TTY":false}],"EphemeralContainers":null,"RestartPolicy":"Never","TerminationGracePeriodSeconds":30,"ActiveDeadlineSeconds":null,"DNSPolicy":"ClusterFirst","NodeSelector":null,"ServiceAccountName":"","AutomountServiceAccountToken":null,"NodeName":"","SecurityContext":{"HostNetwork":false,"HostPID":false,"HostIPC":false,"ShareProcessNamespace":null,"HostUsers":null,"SELinuxOptions":null,"WindowsOptions":null,"RunAsUser":null,"RunAsGroup":null,"RunAsNonRoot":null,"SupplementalGroups":null,"SupplementalGroupsPolicy":null,"FSGroup":null,"FSGroupChangePolicy":null,"Sysctls":null,"SeccompProfile":null,"AppArmorProfile":null,"SELinuxChangePolicy":null},"ImagePullSecrets":null,"Hostname":"","Subdomain":"","SetHostnameAsFQDN":null,"Affinity":null,"SchedulerName":"default-scheduler","Tolerations":null,"HostAliases":null,"PriorityClassName":"","Priority":null,"PreemptionPolicy":null,"DNSConfig":null,"ReadinessGates":null,"RuntimeClassName":null,"Overhead":null,"EnableServiceLinks":null,"TopologySpreadConstraints":null,"OS":null,"SchedulingGates":null,"ResourceClaims":null,"Resources":null,"HostnameOverride":null,"WorkloadRef":null}}: field is immutable',
      ],
    },
    {
      name: "job completions change",
      resource: "batch/jobs",
      old: {
        metadata: { name: "j2" },
        spec: {
          completions: 2,
          template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "nginx" }] } },
        },
      },
      patch: { spec: { completions: 3 } },
      want: ["spec.completions: Invalid value: 3: field is immutable"],
    },
    {
      name: "cronjob schedule change bad",
      resource: "batch/cronjobs",
      old: {
        metadata: { name: "cj1" },
        spec: {
          schedule: "* * * * *",
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "nginx" }] } } },
          },
        },
      },
      patch: { spec: { schedule: "* *" } },
      want: ['spec.schedule: Invalid value: "* *": expected exactly 5 fields, found 2: [* *]'],
    },
    {
      name: "service clusterIP change",
      resource: "core/services",
      old: { metadata: { name: "svc1" }, spec: { clusterIP: "10.96.102.1", ports: [{ port: 80 }] } },
      patch: { spec: { clusterIP: "10.96.102.2", clusterIPs: ["10.96.102.2"] } },
      want: ['spec.clusterIPs[0]: Invalid value: ["10.96.102.2"]: may not change once set'],
    },
    {
      name: "service clusterIP alone ok",
      resource: "core/services",
      old: { metadata: { name: "svc2" }, spec: { clusterIP: "10.96.102.3", ports: [{ port: 80 }] } },
      patch: { spec: { clusterIPs: null, ports: [{ port: 81 }] } },
      want: [],
    },
    {
      name: "configmap immutable",
      resource: "core/configmaps",
      old: { metadata: { name: "cm1" }, immutable: true, data: { a: "1" } },
      patch: { data: { a: "2" }, immutable: false },
      want: [
        "immutable: Forbidden: field is immutable when `immutable` is set",
        "data: Forbidden: field is immutable when `immutable` is set",
      ],
    },
    {
      name: "secret type change",
      resource: "core/secrets",
      old: { metadata: { name: "sec1" }, data: { "tls.crt": "eA==", "tls.key": "eQ==" } },
      patch: { type: "kubernetes.io/tls" },
      want: ['type: Invalid value: "kubernetes.io/tls": field is immutable'],
    },
    {
      name: "pvc spec change",
      resource: "core/persistentvolumeclaims",
      old: {
        metadata: { name: "pvc1" },
        spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
      },
      patch: { spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "2Gi" } } } },
      want: [
        'spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n@@ -1,12 +1,12 @@\n {\n  "AccessModes": [\n-  "ReadWriteOnce"\n+  "ReadWriteMany"\n  ],\n  "Selector": null,\n  "Resources": {\n   "Limits": null,\n   "Requests": {\n-   "storage": "1Gi"\n+   "storage": "2Gi"\n   }\n  },\n  "VolumeName": "",\n',
      ],
    },
    {
      name: "rolebinding roleRef change",
      resource: "rbac.authorization.k8s.io/rolebindings",
      old: { metadata: { name: "rb1" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "a" } },
      patch: { roleRef: { name: "b" } },
      want: [
        'roleRef: Invalid value: {"APIGroup":"rbac.authorization.k8s.io","Kind":"Role","Name":"b"}: cannot change roleRef',
      ],
    },
    {
      name: "ingressclass controller change",
      resource: "networking.k8s.io/ingressclasses",
      old: { metadata: { name: "unitupd23171-ic1" }, spec: { controller: "example.com/a" } },
      patch: { spec: { controller: "example.com/b" } },
      want: ['spec.controller: Invalid value: "example.com/b": field is immutable'],
    },
    {
      name: "endpointslice address type change",
      resource: "discovery.k8s.io/endpointslices",
      old: { metadata: { name: "es1" }, addressType: "IPv4", endpoints: [] },
      patch: { addressType: "IPv6" },
      want: ['addressType: Invalid value: "IPv6": field is immutable'],
    },
  ];
  for (const r of rows)
    it(r.name, () => {
      const type = typeOf(r.resource);
      const old = prepared(type, r.old);
      const patched = applyPatch(old, "merge", r.patch);
      const next = applyDefaults(type.group, type.resource, patched, { operation: "update", old });
      assert.deepEqual(causes(specUpdateProblems(type, old, prepareForUpdate(type, old, next))), r.want);
    });
});

describe("spec validation (decoding and /status)", () => {
  const FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const pod = (limits: Json) => ({ spec: { containers: [{ name: "c", image: "x", resources: { limits } }] } });
  const decoding: { name: string; resource: string; obj: Json; want: string | undefined }[] = [
    { name: "quantity that parses", resource: "core/pods", obj: pod({ cpu: "500m", memory: 1e9 }), want: undefined },
    {
      name: "quantity with a bad suffix",
      resource: "core/pods",
      obj: pod({ memory: "1kk" }),
      want: `Pod in version "v1" cannot be handled as a Pod: unable to parse quantity's suffix`,
    },
    {
      name: "quantity with two dots",
      resource: "core/pods",
      obj: pod({ memory: "1.2.3" }),
      want: `Pod in version "v1" cannot be handled as a Pod: ${FORMAT}`,
    },
    {
      name: "quantity in a claim",
      resource: "core/persistentvolumeclaims",
      obj: { spec: { resources: { requests: { storage: "1GB" } } } },
      want: `PersistentVolumeClaim in version "v1" cannot be handled as a PersistentVolumeClaim: ${FORMAT}`,
    },
    {
      name: "quantity in a job template",
      resource: "batch/jobs",
      obj: { spec: { template: pod({ cpu: "" }) } },
      want: `Job in version "v1" cannot be handled as a Job: ${FORMAT}`,
    },
  ];
  for (const r of decoding)
    it(r.name, () => {
      const type = typeOf(r.resource);
      const problem = decodeProblem(type, { metadata: {}, ...r.obj } as KubeObject);
      assert.equal(problem?.code, r.want === undefined ? undefined : 400);
      assert.equal(problem?.message, r.want);
    });

  const status: { name: string; resource: string; old: Json; next: Json; want: string[] }[] = [
    {
      name: "deployment counts",
      resource: "apps/deployments",
      old: {},
      next: { replicas: -1, readyReplicas: 2, availableReplicas: 3 },
      want: [
        "status.replicas: Invalid value: -1: must be greater than or equal to 0",
        "status.updatedReplicas: Invalid value: 0: cannot be greater than status.replicas",
        "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
        "status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas",
        "status.availableReplicas: Invalid value: 3: cannot be greater than readyReplicas",
      ],
    },
    {
      name: "collisionCount going back",
      resource: "apps/statefulsets",
      old: { collisionCount: 2 },
      next: { collisionCount: 1 },
      want: ["status.collisionCount: Invalid value: 1: cannot be decremented"],
    },
    {
      name: "consistent counts",
      resource: "apps/replicasets",
      old: {},
      next: { replicas: 3, readyReplicas: 2, availableReplicas: 1 },
      want: [],
    },
  ];
  for (const r of status)
    it(r.name, () => {
      const type = typeOf(r.resource);
      const wrap = (s: Json) => ({ metadata: {}, status: s }) as KubeObject;
      assert.deepEqual(causes(statusUpdateProblems(type, "status", wrap(r.old), wrap(r.next))), r.want);
    });
});
