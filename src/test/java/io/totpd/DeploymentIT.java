package io.totpd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.support.Manifests;
import io.totpd.support.PackagedApp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/ checked offline: the kustomize base renders, every resource validates against the
 * Kubernetes schemas, and its probes, port and settings are the ones the packaged service really has.
 * The Dockerfile and docker-compose file are checked for the same, since no container engine runs here.
 */
class DeploymentIT {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Path KUBERNETES = Path.of("deploy", "kubernetes");
    private static final Path RENDERED = Path.of("target", "kubernetes.yaml");
    /** Read by the image's start script, the JVM or the C library, not by the service. */
    private static final Set<String> IMAGE_SETTINGS = Set.of("JAVA_OPTS_APPEND", "GC_CONTAINER_OPTIONS", "MALLOC_ARENA_MAX");
    /** The Quarkus settings the README documents; anything else in deploy/ is a typo. */
    private static final Set<String> QUARKUS_SETTINGS = Set.of("QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME",
            "QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT", "QUARKUS_DATASOURCE_JDBC_MAX_SIZE",
            "QUARKUS_HTTP_PORT");
    /** PostgreSQL's default max_connections, and what is kept for migrations, administration and monitoring. */
    private static final int DATABASE_CONNECTIONS = 100;
    private static final int RESERVED_CONNECTIONS = 10;

    private static Map<String, JsonNode> resources;

    @BeforeAll
    static void render() throws Exception {
        Process kustomize = new ProcessBuilder("kubectl", "kustomize", KUBERNETES.toString())
                .redirectOutput(RENDERED.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        assertTrue(kustomize.waitFor(120, TimeUnit.SECONDS), "kubectl kustomize did not finish");
        assertEquals(0, kustomize.exitValue(), "kubectl kustomize " + KUBERNETES + " failed");
        resources = new HashMap<>();
        try (var documents = YAML.readerFor(JsonNode.class).readValues(RENDERED.toFile())) {
            while (documents.hasNext()) {
                JsonNode resource = (JsonNode) documents.next();
                resources.put(resource.get("kind").asText(), resource);
            }
        }
    }

    @Test
    void everyResourceValidatesAgainstTheKubernetesSchemas() throws Exception {
        Path validator = Path.of("deploy", "validate");
        if (!Files.isDirectory(validator.resolve("node_modules"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix", validator.toString()));
        }
        String output = run(List.of("node", validator.resolve("validate.mjs").toString(), RENDERED.toString(),
                KUBERNETES.resolve("secret.template.yaml").toString()));
        assertEquals(Set.of("ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler",
                "NetworkPolicy"), resources.keySet());
        assertEquals(7, output.lines().filter(line -> line.startsWith("valid ")).count(), output);
    }

    @Test
    void theDeploymentIsHardenedAndRollsWithoutLosingCapacity() {
        JsonNode spec = resources.get("Deployment").get("spec");
        assertEquals(3, spec.get("replicas").asInt());
        assertEquals(0, spec.at("/strategy/rollingUpdate/maxUnavailable").asInt());
        JsonNode container = spec.at("/template/spec/containers/0");
        assertTrue(spec.at("/template/spec/securityContext/runAsNonRoot").asBoolean());
        assertTrue(container.at("/securityContext/readOnlyRootFilesystem").asBoolean());
        assertEquals(false, container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true));
        assertTrue(container.at("/resources/limits/memory").isTextual() && container.at("/resources/requests/cpu").isTextual());
        assertEquals("/tmp", container.at("/volumeMounts/0/mountPath").asText());
        assertEquals(1, resources.get("PodDisruptionBudget").at("/spec/maxUnavailable").asInt());
        assertEquals(3, resources.get("HorizontalPodAutoscaler").at("/spec/minReplicas").asInt());
        assertEquals("Deployment", resources.get("HorizontalPodAutoscaler").at("/spec/scaleTargetRef/kind").asText());
    }

    @Test
    void everyReplicaTheAutoscalerMayStartGetsItsConnections() {
        int pool = Integer.parseInt(resources.get("ConfigMap").at("/data/QUARKUS_DATASOURCE_JDBC_MAX_SIZE").asText());
        int replicas = resources.get("HorizontalPodAutoscaler").at("/spec/maxReplicas").asInt();
        assertTrue(replicas * pool + RESERVED_CONNECTIONS <= DATABASE_CONNECTIONS,
                replicas + " replicas x " + pool + " connections leave too little of " + DATABASE_CONNECTIONS);
    }

    @Test
    void portsAreTheServicesPort() throws IOException {
        JsonNode container = resources.get("Deployment").at("/spec/template/spec/containers/0");
        // The service listens on Quarkus's default port; nothing in the configuration moves it.
        assertTrue(Files.readAllLines(Path.of("src", "main", "resources", "application.properties")).stream()
                .noneMatch(line -> line.startsWith("quarkus.http.port")));
        assertEquals(8080, container.at("/ports/0/containerPort").asInt());
        assertEquals(container.at("/ports/0/name").asText(), resources.get("Service").at("/spec/ports/0/targetPort").asText());
        assertEquals(8080, resources.get("NetworkPolicy").at("/spec/ingress/0/ports/0/port").asInt());
        assertEquals("Ingress", resources.get("NetworkPolicy").at("/spec/policyTypes/0").asText());
    }

    @Test
    void theDockerfileAndComposeFileFitThePackage() throws IOException {
        List<String> dockerfile = Files.readAllLines(Path.of("src", "main", "docker", "Dockerfile.jvm"));
        assertTrue(dockerfile.contains("EXPOSE 8080"));
        assertTrue(dockerfile.contains("USER 185"));
        assertEquals(185, resources.get("Deployment").at("/spec/template/spec/securityContext/runAsUser").asInt());
        Matcher copy = Pattern.compile("^COPY --chown=185 (\\S+) ").matcher("");
        int copies = 0;
        for (String line : dockerfile) {
            if (copy.reset(line).find()) {
                copies++;
                String source = copy.group(1).replace("*.jar", "quarkus-run.jar");
                assertTrue(Files.exists(Path.of(source)), "the Dockerfile copies " + source + ", which the package lacks");
            }
        }
        // The package's four layers, twice (the training stage's and the image's), and the training run.
        assertEquals(9, copies);
        assertTrue(Files.exists(Path.of("target", "aot-training", "classes", "io", "totpd", "aot", "Training.class")));
        String text = String.join("\n", dockerfile);
        // The image makes the AOT cache the manifests' JVM options name, for the jar it runs, trained
        // with the manifests' collector and heap; so does the build, for the tests and the benchmark.
        String collector = resources.get("ConfigMap").at("/data/GC_CONTAINER_OPTIONS").asText();
        String options = resources.get("ConfigMap").at("/data/JAVA_OPTS_APPEND").asText();
        assertTrue(options.contains("-XX:AOTCache=/deployments/app.aot"), options);
        Matcher heap = Pattern.compile("-Xmx\\S+").matcher(options);
        assertTrue(heap.find(), options);
        String trained = "io.totpd.aot.Training /deployments " + collector + " " + heap.group();
        assertTrue(text.contains(trained), "the image trains as it runs: " + trained);
        assertTrue(dockerfile.contains("COPY --from=training --chown=185 /deployments/app.aot /deployments/app.aot"));
        String pom = Files.readString(Path.of("pom.xml"));
        assertTrue(pom.contains("<argument>" + collector + "</argument>") && pom.contains("<argument>" + heap.group() + "</argument>"),
                "the build trains as the image runs");
        assertTrue(dockerfile.contains("ENV JAVA_APP_JAR=\"/deployments/quarkus-run.jar\""));

        JsonNode compose = YAML.readTree(Path.of("deploy", "docker-compose.yml").toFile());
        JsonNode service = compose.at("/services/totpd");
        assertEquals("src/main/docker/Dockerfile.jvm", service.at("/build/dockerfile").asText());
        assertTrue(Files.exists(Path.of("deploy").resolve(service.at("/build/context").asText())
                .resolve(service.at("/build/dockerfile").asText())));
        assertEquals("8080:8080", service.at("/ports/0").asText());
        List<String> unknown = new ArrayList<>();
        service.get("environment").fieldNames().forEachRemaining(name -> {
            if (!isSetting(name)) {
                unknown.add(name);
            }
        });
        assertEquals(List.of(), unknown, "docker-compose.yml sets what the service does not read");
    }

    @Test
    void theManifestsSettingsAndProbesAreTheServicesOwn() throws Exception {
        Map<String, String> settings = new HashMap<>();
        resources.get("ConfigMap").get("data").fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
        YAML.readTree(KUBERNETES.resolve("secret.template.yaml").toFile()).get("stringData").fields()
                .forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
        List<String> unknown = settings.keySet().stream().filter(name -> !isSetting(name)).toList();
        assertEquals(List.of(), unknown, "deploy/kubernetes sets what the service does not read");

        // Start the package with the manifests' settings and JVM options (the Secret filled, the
        // database local) and ask it what Kubernetes will ask. -XX:AOTMode=on: the AOT cache the
        // options name must load, or the JVM refuses to start. -XX:MaxRAM: the JVM sizes itself for
        // the pod's limit, as in the container; the cache's heap objects must fit the first heap
        // it picks for that, which without -Xms they did not in some builds.
        EmbeddedPostgres postgres = EmbeddedDatabase.startEphemeral();
        Map<String, String> env = new HashMap<>(settings);
        env.put("JAVA_OPTS_APPEND", settings.get("JAVA_OPTS_APPEND") + " -XX:AOTMode=on -XX:MaxRAM="
                + Manifests.memoryLimitMebibytes() + "m");
        env.putAll(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", PackagedApp.randomKey("k1"));
        env.put("TOTPD_CALLERS_PORTAL_TENANT", "acme");
        env.put("TOTPD_CALLERS_PORTAL_KEY_SHA256", HexFormat.of().formatHex(PackagedApp.sha256("manifest-key")));
        PackagedApp app = PackagedApp.launch(env, false).awaitReady();
        try {
            JsonNode container = resources.get("Deployment").at("/spec/template/spec/containers/0");
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                String path = container.at("/" + probe + "/httpGet/path").asText();
                assertEquals(200, app.get(path), probe + " " + path);
            }
            String uri = sendAs(app, "manifest-key");
            assertTrue(uri.contains("issuer=" + settings.get("TOTPD_ISSUER")), uri);
        } finally {
            app.stop();
            postgres.close();
        }
    }

    private static String sendAs(PackagedApp app, String key) throws Exception {
        var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(app.uri("/enroll"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"userId\":\"manifest\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, response.statusCode(), response.body());
        return new ObjectMapper().readTree(response.body()).get("otpauthUri").asText();
    }

    /** Whether an environment variable is a setting of the service (or of its image). */
    private static boolean isSetting(String name) {
        return IMAGE_SETTINGS.contains(name) || QUARKUS_SETTINGS.contains(name) || totpdSettings().contains(name)
                || name.matches("TOTPD_CALLERS_[A-Z0-9]+_(TENANT|SCOPES|KEY_SHA256)");
    }

    /** TOTPD_* names of every setting TotpdConfig declares, read from the interface itself. */
    private static Set<String> totpdSettings() {
        Set<String> names = new TreeSet<>();
        collect(TotpdConfig.class, "TOTPD", names);
        return names;
    }

    private static void collect(Class<?> group, String prefix, Set<String> names) {
        for (Method method : group.getDeclaredMethods()) {
            String name = prefix + "_" + method.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
            Class<?> type = method.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() == TotpdConfig.class) {
                collect(type, name, names);
            } else if (!(method.getGenericReturnType() instanceof ParameterizedType generic && generic.getRawType() == Map.class)) {
                names.add(name);
            }
        }
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
        return output;
    }
}
