package io.kaji.bench.apiserver;

import java.nio.charset.StandardCharsets;

/**
 * Pre-serialized, realistic object bodies: a pod as a Deployment's ReplicaSet creates it (labels, owner reference,
 * one container with ports, env, resources, probes, mounts, a restricted security context, the service-account
 * token volume, tolerations; ~2 KiB), and a node as an agent registers it. Only the name and one annotation (the
 * send time in {@link System#nanoTime()}, which watchers read to measure delivery lag) vary, so a body is three
 * constant byte arrays around two small strings.
 */
final class PodBodies {

    /** The annotation carrying the send time; watchers look for {@link #SENT_MARKER} in event lines. */
    static final String SENT_ANNOTATION = "bench.kaji.io/sent-nanos";
    static final byte[] SENT_MARKER = ("\"" + SENT_ANNOTATION + "\":\"").getBytes(StandardCharsets.US_ASCII);

    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"@NAME@","generateName":"web-7d4b9c8f6d-",\
            "labels":{"app.kubernetes.io/name":"web","app.kubernetes.io/part-of":"shop","pod-template-hash":"7d4b9c8f6d",\
            "tier":"frontend"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-11-20T10:00:00Z",\
            "@SENT_ANNOTATION@":"@SENT@"},\
            "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d4b9c8f6d",\
            "uid":"6b1f1c9e-2c7a-4d0e-9a51-3f0b8e2d7c11","controller":true,"blockOwnerDeletion":true}]},\
            "spec":{"containers":[{"name":"web","image":"registry.example.com/shop/web:1.27.3",\
            "ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,\
            "protocol":"TCP"}],"env":[{"name":"LOG_LEVEL","value":"info"},{"name":"CACHE_SIZE","value":"256"},\
            {"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}},\
            {"name":"POD_IP","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"status.podIP"}}}],\
            "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},\
            "readinessProbe":{"httpGet":{"path":"/ready","port":"http","scheme":"HTTP"},"initialDelaySeconds":2,\
            "periodSeconds":5,"timeoutSeconds":1,"successThreshold":1,"failureThreshold":3},\
            "livenessProbe":{"httpGet":{"path":"/healthz","port":"http","scheme":"HTTP"},"initialDelaySeconds":10,\
            "periodSeconds":10,"timeoutSeconds":1,"successThreshold":1,"failureThreshold":3},\
            "volumeMounts":[{"name":"config","mountPath":"/etc/web","readOnly":true},{"name":"kube-api-access-7x2kq",\
            "mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}],\
            "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File",\
            "imagePullPolicy":"IfNotPresent","securityContext":{"allowPrivilegeEscalation":false,\
            "capabilities":{"drop":["ALL"]},"runAsNonRoot":true,"runAsUser":10001,\
            "seccompProfile":{"type":"RuntimeDefault"}}}],\
            "volumes":[{"name":"config","configMap":{"name":"web-config","defaultMode":420}},\
            {"name":"kube-api-access-7x2kq","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,\
            "path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},\
            {"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1",\
            "fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],\
            "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst",\
            "serviceAccountName":"default","securityContext":{"fsGroup":10001},"schedulerName":"default-scheduler",\
            "tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute",\
            "tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists",\
            "effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,\
            "preemptionPolicy":"PreemptLowerPriority"}}""".replace("@SENT_ANNOTATION@", SENT_ANNOTATION);

    /** What a running pod's status adds once the agent has reported (the stored pods of the heap figure). */
    private static final String RUNNING_STATUS = """
            "status":{"phase":"Running","conditions":[{"type":"PodReadyToStartContainers","status":"True",\
            "lastProbeTime":null,"lastTransitionTime":"2026-11-20T10:00:03Z"},{"type":"Initialized","status":"True",\
            "lastProbeTime":null,"lastTransitionTime":"2026-11-20T10:00:01Z"},{"type":"Ready","status":"True",\
            "lastProbeTime":null,"lastTransitionTime":"2026-11-20T10:00:09Z"},{"type":"ContainersReady",\
            "status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-20T10:00:09Z"},{"type":"PodScheduled",\
            "status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-20T10:00:00Z"}],\
            "hostIP":"10.0.@A@.@B@","hostIPs":[{"ip":"10.0.@A@.@B@"}],"podIP":"10.42.@A@.@B@",\
            "podIPs":[{"ip":"10.42.@A@.@B@"}],"startTime":"2026-11-20T10:00:01Z",\
            "containerStatuses":[{"name":"web","state":{"running":{"startedAt":"2026-11-20T10:00:04Z"}},\
            "lastState":{},"ready":true,"restartCount":0,"image":"registry.example.com/shop/web:1.27.3",\
            "imageID":"registry.example.com/shop/web@sha256:4f5a1c0b8e2d7c3a9b6e1f0d2c8a7b5e3d1f9c0a8b7e6d5c4b3a2f1e0d9c8b7a",\
            "containerID":"containerd://@UID@@UID@","started":true}],"qosClass":"Burstable"}""";

    private static final String NODE = """
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"@NAME@","uid":"@UID@",\
            "creationTimestamp":"2026-11-20T09:00:00Z","labels":{"beta.kubernetes.io/arch":"amd64",\
            "beta.kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","kubernetes.io/hostname":"@NAME@",\
            "kubernetes.io/os":"linux","node.kubernetes.io/instance-type":"m5.xlarge",\
            "topology.kubernetes.io/region":"eu-west-1","topology.kubernetes.io/zone":"eu-west-1@ZONE@"},\
            "annotations":{"node.alpha.kubernetes.io/ttl":"0","volumes.kubernetes.io/controller-managed-attach-detach":"true"}},\
            "spec":{"podCIDR":"10.42.@A@.0/24","podCIDRs":["10.42.@A@.0/24"]},\
            "status":{"capacity":{"cpu":"4","ephemeral-storage":"101430960Ki","hugepages-2Mi":"0","memory":"16106236Ki",\
            "pods":"110"},"allocatable":{"cpu":"4","ephemeral-storage":"93478772582","hugepages-2Mi":"0",\
            "memory":"16003836Ki","pods":"110"},"conditions":[\
            {"type":"MemoryPressure","status":"False","lastHeartbeatTime":"2026-11-20T10:00:00Z",\
            "lastTransitionTime":"2026-11-20T09:00:00Z","reason":"KubeletHasSufficientMemory",\
            "message":"kubelet has sufficient memory available"},\
            {"type":"DiskPressure","status":"False","lastHeartbeatTime":"2026-11-20T10:00:00Z",\
            "lastTransitionTime":"2026-11-20T09:00:00Z","reason":"KubeletHasNoDiskPressure",\
            "message":"kubelet has no disk pressure"},\
            {"type":"PIDPressure","status":"False","lastHeartbeatTime":"2026-11-20T10:00:00Z",\
            "lastTransitionTime":"2026-11-20T09:00:00Z","reason":"KubeletHasSufficientPID",\
            "message":"kubelet has sufficient PID available"},\
            {"type":"Ready","status":"True","lastHeartbeatTime":"2026-11-20T10:00:00Z",\
            "lastTransitionTime":"2026-11-20T09:00:10Z","reason":"KubeletReady","message":"kubelet is posting ready status"}],\
            "addresses":[{"type":"InternalIP","address":"10.0.@A@.@B@"},{"type":"Hostname","address":"@NAME@"}],\
            "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"@UID@",\
            "systemUUID":"@UID@","bootID":"@UID@","kernelVersion":"6.1.0-27-amd64","osImage":"Debian GNU/Linux 12 (bookworm)",\
            "containerRuntimeVersion":"containerd://1.6.20","kubeletVersion":"v1.32.0","kubeProxyVersion":"v1.32.0",\
            "operatingSystem":"linux","architecture":"amd64"},"images":[\
            {"names":["registry.example.com/shop/web@sha256:4f5a1c0b8e2d7c3a9b6e1f0d2c8a7b5e3d1f9c0a8b7e6d5c4b3a2f1e0d9c8b7a",\
            "registry.example.com/shop/web:1.27.3"],"sizeBytes":48213344},\
            {"names":["registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",\
            "registry.k8s.io/pause:3.9"],"sizeBytes":321520}]}}""";

    private final byte[] head;
    private final byte[] middle;
    private final byte[] tail;

    PodBodies() {
        String[] a = POD.split("@NAME@");
        String[] b = a[1].split("@SENT@");
        head = a[0].getBytes(StandardCharsets.UTF_8);
        middle = b[0].getBytes(StandardCharsets.UTF_8);
        tail = b[1].getBytes(StandardCharsets.UTF_8);
    }

    /** The request body for pod {@code name} stamped with {@code sentNanos}. */
    byte[] create(String name, long sentNanos) {
        byte[] n = name.getBytes(StandardCharsets.US_ASCII);
        byte[] s = Long.toString(sentNanos).getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + n.length + middle.length + s.length + tail.length];
        int p = 0;
        System.arraycopy(head, 0, out, p, head.length);
        p += head.length;
        System.arraycopy(n, 0, out, p, n.length);
        p += n.length;
        System.arraycopy(middle, 0, out, p, middle.length);
        p += middle.length;
        System.arraycopy(s, 0, out, p, s.length);
        p += s.length;
        System.arraycopy(tail, 0, out, p, tail.length);
        return out;
    }

    /** A request body's size in bytes (for the report). */
    int typicalSize() {
        return create("web-7d4b9c8f6d-00000", System.nanoTime()).length;
    }

    /**
     * A pod as the API server would have stored it after creation, binding and the agent's status report (no
     * resourceVersion: the store's revision is it), for writing straight into the store.
     */
    static String storedPod(String namespace, String name, String uid, String node, int index) {
        String body = POD.replace("@NAME@", name).replace("@SENT@", "0")
                .replace("\"metadata\":{", "\"metadata\":{\"namespace\":\"" + namespace + "\",\"uid\":\"" + uid
                        + "\",\"creationTimestamp\":\"2026-11-20T10:00:00Z\",")
                .replace("\"restartPolicy\"", "\"nodeName\":\"" + node + "\",\"restartPolicy\"");
        String status = RUNNING_STATUS.replace("@A@", Integer.toString((index / 250) % 250))
                .replace("@B@", Integer.toString(index % 250 + 1)).replace("@UID@", uid.replace("-", ""));
        return body.substring(0, body.length() - 1) + "," + status + "}";
    }

    /** A registered, Ready node as stored. */
    static String storedNode(String name, String uid, int index) {
        return NODE.replace("@NAME@", name).replace("@UID@", uid).replace("@ZONE@", "abc".substring(index % 3,
                index % 3 + 1)).replace("@A@", Integer.toString(index / 250 % 250))
                .replace("@B@", Integer.toString(index % 250 + 1));
    }
}
