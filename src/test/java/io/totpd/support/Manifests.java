package io.totpd.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** What deploy/kubernetes gives the container: its settings and its memory limit. */
public final class Manifests {

    private static final Path KUBERNETES = Path.of("deploy", "kubernetes");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private Manifests() {
    }

    /** The ConfigMap's data: every entry is an environment variable of the container. */
    public static Map<String, String> configMap() {
        Map<String, String> data = new HashMap<>();
        read("configmap.yaml").get("data").fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }

    /** The container's memory limit, in MiB. */
    public static int memoryLimitMebibytes() {
        String limit = read("deployment.yaml").at("/spec/template/spec/containers/0/resources/limits/memory").asText();
        if (!limit.endsWith("Mi")) {
            throw new IllegalStateException("the memory limit is not in Mi: " + limit);
        }
        return Integer.parseInt(limit.substring(0, limit.length() - 2));
    }

    /** The JVM and C library settings of the ConfigMap, which PackagedApp hands the JVM as the image does. */
    public static Map<String, String> jvmSettings() {
        Map<String, String> jvm = new HashMap<>();
        configMap().forEach((name, value) -> {
            if (name.equals("GC_CONTAINER_OPTIONS") || name.equals("JAVA_OPTS_APPEND") || name.equals("MALLOC_ARENA_MAX")) {
                jvm.put(name, value);
            }
        });
        return jvm;
    }

    private static JsonNode read(String file) {
        try {
            return YAML.readTree(KUBERNETES.resolve(file).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
