package io.gatehouse.deploy;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manifests the build generates (target/kubernetes/kubernetes.yml): Prometheus finds the pods' metrics on the
 * management port, the HPA and the config mount are there.
 */
class KubernetesManifestIT {

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents() throws Exception {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions()))
                .loadAll(Files.readString(Path.of("target/kubernetes/kubernetes.yml")))) {
            if (doc != null) {
                docs.add((Map<String, Object>) doc);
            }
        }
        return docs;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in the manifests"));
    }

    @SuppressWarnings("unchecked")
    private static Object at(Object node, String... path) {
        for (String key : path) {
            node = ((Map<String, Object>) node).get(key);
        }
        return node;
    }

    @Test
    void podsCarryThePrometheusScrapeAnnotationsOfTheManagementPort() throws Exception {
        List<Map<String, Object>> docs = documents();
        Map<String, Object> deployment = kind(docs, "Deployment");
        Object annotations = at(deployment, "spec", "template", "metadata", "annotations");
        assertEquals("true", String.valueOf(at(annotations, "prometheus.io/scrape")));
        assertEquals("/q/metrics", at(annotations, "prometheus.io/path"));
        assertEquals("9000", String.valueOf(at(annotations, "prometheus.io/port")));
        kind(docs, "HorizontalPodAutoscaler");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> containers = (List<Map<String, Object>>) at(deployment, "spec", "template", "spec", "containers");
        assertTrue(String.valueOf(containers.get(0).get("volumeMounts")).contains("mountPath=/etc/gatehouse")
                && String.valueOf(containers.get(0).get("volumeMounts")).contains("name=gatehouse-config"),
                "the ConfigMap is mounted at /etc/gatehouse: " + containers.get(0).get("volumeMounts"));
        // server.tls: the TLS port, and the TLS Secret (optional: a pod without TLS starts without it)
        assertTrue(String.valueOf(containers.get(0).get("ports")).contains("containerPort=8443"), String.valueOf(containers.get(0).get("ports")));
        assertTrue(String.valueOf(containers.get(0).get("volumeMounts")).contains("mountPath=/etc/gatehouse-tls"),
                String.valueOf(containers.get(0).get("volumeMounts")));
        String volumes = String.valueOf(at(deployment, "spec", "template", "spec", "volumes"));
        assertTrue(volumes.contains("secretName=gatehouse-tls") && volumes.contains("optional=true"), volumes);
        assertTrue(String.valueOf(at(kind(docs, "Service"), "spec", "ports")).contains("targetPort=8443"),
                String.valueOf(at(kind(docs, "Service"), "spec", "ports")));
    }
}
