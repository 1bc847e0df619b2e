package io.totpd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.support.PackagedApp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/monitoring checked against the service it watches: the packaged service, made to emit every
 * metric family and label value the dashboard and the rules read, is scraped, and any name or label
 * value they use that it does not export fails the test; promtool checks the rules and runs their
 * unit tests; the PrometheusRule is the rules file, the Operator's resources validate against their
 * schemas, and the dashboard is Grafana JSON whose every query Prometheus's own parser accepts.
 * Needs promtool (Debian's prometheus package), kubectl and node, as .ci/run installs them.
 */
class MonitoringIT {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MONITORING = Path.of("deploy", "monitoring");
    private static final Path RULES = MONITORING.resolve("totpd.rules.yaml");
    private static final Path RULE_TESTS = MONITORING.resolve("totpd.rules.test.yaml");
    private static final Path PROMETHEUS_RULE = MONITORING.resolve("prometheusrule.yaml");
    private static final Path DASHBOARD = MONITORING.resolve("totpd.dashboard.json");
    private static final Path VALIDATOR = Path.of("deploy", "validate");

    /** What the rules read from elsewhere than the service, and from where. */
    private static final Map<String, String> NOT_FROM_THE_SERVICE = Map.of(
            "up", "Prometheus itself, one per scraped target",
            "kube_pod_status_ready", "kube-state-metrics: the kubelet's readiness probe of each pod");
    /** Labels Prometheus adds to what it scrapes; the exposition has none of them. */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod");

    /** What the issue asks the dashboard to show, and a query that shows it. */
    private static final Map<String, Pattern> DASHBOARD_SHOWS = new LinkedHashMap<>();

    static {
        DASHBOARD_SHOWS.put("sign-ins by outcome", Pattern.compile("by \\(operation, outcome\\) \\(rate\\(totpd_code_checks_total"));
        DASHBOARD_SHOWS.put("latency p50", Pattern.compile("histogram_quantile\\(0\\.5, .*http_server_requests_seconds_bucket"));
        DASHBOARD_SHOWS.put("latency p99", Pattern.compile("histogram_quantile\\(0\\.99, .*http_server_requests_seconds_bucket"));
        DASHBOARD_SHOWS.put("locks", Pattern.compile("totpd_code_checks_total\\{[^}]*outcome=\"factor-locked\""));
        DASHBOARD_SHOWS.put("replays", Pattern.compile("totpd_code_checks_total\\{[^}]*outcome=\"code-already-used\""));
        DASHBOARD_SHOWS.put("disabled factors", Pattern.compile("totpd_code_checks_total\\{[^}]*outcome=\"factor-disabled\""));
        DASHBOARD_SHOWS.put("drift by offset", Pattern.compile("by \\(offset\\) \\(rate\\(totpd_verify_matched_offset_total"));
        DASHBOARD_SHOWS.put("backup codes used", Pattern.compile("totpd_code_checks_total\\{[^}]*operation=\"recover\", outcome=\"accepted\""));
        DASHBOARD_SHOWS.put("pool usage", Pattern.compile("agroal_active_count"));
        DASHBOARD_SHOWS.put("secrets on old keys", Pattern.compile("totpd_secrets_on_old_keys"));
        DASHBOARD_SHOWS.put("webhook backlog", Pattern.compile("totpd_webhooks_pending"));
        DASHBOARD_SHOWS.put("webhook backlog age", Pattern.compile("totpd_webhooks_oldest_pending_seconds"));
    }

    private static EmbeddedPostgres postgres;
    private static HttpServer receiver;
    private static PackagedApp app;
    /** /q/metrics after everything below, the database gone last. */
    private static List<Sample> scraped;
    private static int readyWithoutDatabase;
    private static int metricsWithoutDatabase;

    @BeforeAll
    static void exerciseAndScrape() throws Exception {
        postgres = EmbeddedDatabase.startEphemeral();
        // A webhook endpoint that takes every event: the totpd_webhooks_* series exist only with one.
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        receiver.createContext("/events", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        Map<String, String> env = new HashMap<>(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", PackagedApp.randomKey("k1"));
        // Locked at the second wrong code for a second, disabled at the third: both within a test.
        env.put("TOTPD_LOCKOUT_LOCK_AFTER_FAILURES", "2");
        env.put("TOTPD_LOCKOUT_FIRST_LOCK", "1s");
        env.put("TOTPD_LOCKOUT_DISABLE_AFTER_FAILURES", "3");
        env.put("TOTPD_WEBHOOKS_WATCH_URL", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/events");
        env.put("TOTPD_WEBHOOKS_WATCH_TENANT", "it");
        env.put("TOTPD_WEBHOOKS_WATCH_SECRET", "whsec_" + Base64.getEncoder().encodeToString(
                "monitoring-test-webhook-secret-32".getBytes(StandardCharsets.US_ASCII)));
        env.put("TOTPD_WEBHOOKS_ALLOW_HTTP", "true");
        app = PackagedApp.launch(env).awaitReady();

        // Every outcome the dashboard and the rules name: accepted, replayed, wrong, backup code used,
        // locked, disabled (and activate's accepted on the way).
        PackagedApp.ActiveUser user = app.newActiveUser();
        app.post("/verify", user.verifyBody(1), 200);
        app.post("/verify", user.verifyBody(1), 422);
        app.post("/verify", user.verifyBody(10), 422);
        app.post("/recover", "{\"userId\":\"" + user.userId() + "\",\"backupCode\":\"" + user.backupCodes().get(0) + "\"}", 200);

        PackagedApp.ActiveUser locked = app.newActiveUser();
        app.post("/verify", locked.verifyBody(10), 422);
        app.post("/verify", locked.verifyBody(10), 422);
        assertProblem(app.post("/verify", locked.verifyBody(10), 429), "factor-locked");

        PackagedApp.ActiveUser disabled = app.newActiveUser();
        app.post("/verify", disabled.verifyBody(10), 422);
        app.post("/verify", disabled.verifyBody(10), 422);
        Thread.sleep(1500);
        app.post("/verify", disabled.verifyBody(10), 422);
        assertProblem(app.post("/verify", disabled.verifyBody(10), 403), "factor-disabled");

        // The database gone: a 5xx for the error rate's status=~"5..", and what readiness and the
        // metrics endpoint then answer (the reason the readiness alert does not rest on `up`).
        postgres.close();
        postgres = null;
        assertProblem(app.post("/verify", user.verifyBody(2), 503), "service-unavailable");
        readyWithoutDatabase = app.get("/q/health/ready");
        metricsWithoutDatabase = app.get("/q/metrics");
        scraped = Sample.parseAll(app.getText("/q/metrics"));
    }

    @AfterAll
    static void stop() throws Exception {
        PackagedApp.stopAll(postgres, app);
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void theDashboardAndTheRulesUseOnlyMetricsAndLabelValuesTheServiceExports() throws IOException {
        Set<String> exported = new TreeSet<>();
        scraped.forEach(sample -> exported.add(sample.name()));
        Set<String> recorded = recordedNames();
        Set<String> used = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        Map<String, String> queries = new LinkedHashMap<>(ruleQueries());
        queries.putAll(dashboardQueries());
        queries.forEach((where, query) -> {
            for (String name : PromQl.metricNames(query)) {
                used.add(name);
                if (!exported.contains(name) && !recorded.contains(name) && !NOT_FROM_THE_SERVICE.containsKey(name)) {
                    missing.add(name + " (" + where + ")");
                }
            }
            for (PromQl.Selector selector : PromQl.selectors(query)) {
                if (!exported.contains(selector.name())) {
                    continue;
                }
                Map<String, Pattern> wanted = new HashMap<>(selector.matchers());
                wanted.keySet().removeAll(TARGET_LABELS);
                boolean found = scraped.stream().anyMatch(sample -> sample.name().equals(selector.name())
                        && wanted.entrySet().stream().allMatch(e -> e.getValue().matcher(sample.labels().getOrDefault(e.getKey(), "")).matches()));
                if (!found) {
                    missing.add(selector.text() + " (" + where + ")");
                }
            }
        });
        // A parser that found nothing would pass everything.
        assertTrue(used.containsAll(Set.of("totpd_code_checks_total", "http_server_requests_seconds_bucket",
                "http_server_requests_seconds_count", "agroal_active_count", "totpd_webhooks_oldest_pending_seconds",
                "job_operation_outcome:totpd_code_checks:rate5m", "up")), used.toString());
        assertTrue(used.containsAll(NOT_FROM_THE_SERVICE.keySet()), "allowed but no longer used: " + NOT_FROM_THE_SERVICE.keySet());
        assertEquals(List.of(), missing, "used by deploy/monitoring, but /q/metrics has no such series");
    }

    @Test
    void theMetricsAnswerWhileTheServiceIsNotReady() {
        assertEquals(503, readyWithoutDatabase, "not ready without its database");
        assertEquals(200, metricsWithoutDatabase, "so `up` stays 1 then, and readiness needs kube_pod_status_ready");
    }

    @Test
    void promtoolChecksTheRulesAndTheExamplePrometheusConfig() throws Exception {
        String rules = promtool("check", "rules", RULES.toString());
        assertTrue(rules.contains("SUCCESS"), rules);
        String config = promtool("check", "config", MONITORING.resolve("prometheus.yml").toString());
        assertTrue(config.contains("SUCCESS: 1 rule files found"), config);
    }

    @Test
    void promtoolTestsEveryAlertFiringAndSilent() throws Exception {
        String output = promtool("test", "rules", RULE_TESTS.toString());
        assertTrue(output.contains("SUCCESS"), output);

        Set<String> fires = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (JsonNode test : YAML.readTree(RULE_TESTS.toFile()).get("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? silent : fires).add(check.get("alertname").asText());
            }
        }
        Set<String> alerts = new TreeSet<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).get("groups")) {
            group.get("rules").forEach(rule -> {
                if (rule.has("alert")) {
                    alerts.add(rule.get("alert").asText());
                }
            });
        }
        assertEquals(12, alerts.size(), alerts.toString());
        assertEquals(alerts, fires, "alerts with a test in which they fire");
        assertEquals(alerts, silent, "alerts with a test in which they stay silent");
    }

    @Test
    void thePrometheusRuleIsTheRulesFile() throws Exception {
        String generated = run(List.of("sh", MONITORING.resolve("prometheusrule.sh").toString()));
        assertEquals(generated, Files.readString(PROMETHEUS_RULE),
                "run deploy/monitoring/prometheusrule.sh > deploy/monitoring/prometheusrule.yaml");
        assertEquals(YAML.readTree(RULES.toFile()).get("groups"), YAML.readTree(PROMETHEUS_RULE.toFile()).at("/spec/groups"));
    }

    @Test
    void theOperatorsResourcesValidateAndScrapeTheService() throws Exception {
        Path rendered = Path.of("target", "monitoring.yaml");
        Files.writeString(rendered, run(List.of("kubectl", "kustomize", MONITORING.toString())));
        if (!Files.isDirectory(VALIDATOR.resolve("node_modules/@kubernetes-models/prometheus-operator"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix", VALIDATOR.toString()));
        }
        String output = run(List.of("node", VALIDATOR.resolve("validate.mjs").toString(), rendered.toString()));
        assertEquals(3, output.lines().filter(line -> line.startsWith("valid ")).count(), output);

        Map<String, JsonNode> resources = new HashMap<>();
        try (var documents = YAML.readerFor(JsonNode.class).readValues(rendered.toFile())) {
            while (documents.hasNext()) {
                JsonNode resource = (JsonNode) documents.next();
                resources.put(resource.get("kind").asText(), resource);
            }
        }
        assertEquals(Set.of("ConfigMap", "PrometheusRule", "ServiceMonitor"), resources.keySet());
        assertEquals(Files.readString(DASHBOARD), resources.get("ConfigMap").at("/data/totpd.dashboard.json").asText());
        assertEquals("1", resources.get("ConfigMap").at("/metadata/labels/grafana_dashboard").asText());

        // The ServiceMonitor finds the Service deploy/kubernetes makes, on its port, at the pods' path.
        JsonNode service = YAML.readTree(Path.of("deploy", "kubernetes", "service.yaml").toFile());
        JsonNode kustomization = YAML.readTree(Path.of("deploy", "kubernetes", "kustomization.yaml").toFile());
        JsonNode endpoint = resources.get("ServiceMonitor").at("/spec/endpoints/0");
        resources.get("ServiceMonitor").at("/spec/selector/matchLabels").fields().forEachRemaining(label -> {
            String key = label.getKey().replace("~", "~0").replace("/", "~1");
            assertEquals(label.getValue().asText(), kustomization.at("/commonLabels/" + key).asText(
                    service.at("/metadata/labels/" + key).asText()), "the Service's label " + label.getKey());
        });
        assertEquals(service.at("/spec/ports/0/name").asText(), endpoint.get("port").asText());
        JsonNode deployment = YAML.readTree(Path.of("deploy", "kubernetes", "deployment.yaml").toFile());
        assertEquals(deployment.at("/spec/template/metadata/annotations/prometheus.io~1path").asText(), endpoint.get("path").asText());
        assertEquals(200, app.get(endpoint.get("path").asText()));
    }

    @Test
    void theDashboardIsGrafanaJsonWithADataSourceVariable() throws Exception {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        assertTrue(dashboard.get("schemaVersion").asInt() >= 36, "schemaVersion");
        assertEquals("totpd", dashboard.get("uid").asText());
        JsonNode datasource = null;
        for (JsonNode variable : dashboard.at("/templating/list")) {
            if (variable.get("type").asText().equals("datasource")) {
                datasource = variable;
            }
        }
        assertTrue(datasource != null && datasource.get("query").asText().equals("prometheus"), "a Prometheus data source variable");
        String uid = "${" + datasource.get("name").asText() + "}";

        Set<Integer> ids = new TreeSet<>();
        List<JsonNode> placed = new ArrayList<>();
        int queries = 0;
        for (JsonNode panel : dashboard.get("panels")) {
            String title = panel.get("title").asText();
            assertTrue(ids.add(panel.get("id").asInt()), "panel id " + panel.get("id") + " twice");
            JsonNode grid = panel.get("gridPos");
            assertTrue(grid.get("x").asInt() >= 0 && grid.get("x").asInt() + grid.get("w").asInt() <= 24, title + " fits 24 columns");
            for (JsonNode other : placed) {
                assertFalse(overlap(grid, other.get("gridPos")), title + " overlaps " + other.get("title").asText());
            }
            placed.add(panel);
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            assertEquals(uid, panel.at("/datasource/uid").asText(), title);
            assertFalse(panel.get("targets").isEmpty(), title + " has no query");
            Set<String> refIds = new TreeSet<>();
            for (JsonNode target : panel.get("targets")) {
                assertTrue(refIds.add(target.get("refId").asText()), title + ": refId twice");
                assertEquals(uid, target.at("/datasource/uid").asText(), title);
                assertFalse(target.get("expr").asText().isBlank(), title);
                queries++;
            }
        }
        assertEquals(dashboardQueries().size() - 1, queries, "every query is a panel's");

        List<String> absent = new ArrayList<>();
        String all = String.join("\n", dashboardQueries().values());
        DASHBOARD_SHOWS.forEach((what, query) -> {
            if (!query.matcher(all).find()) {
                absent.add(what);
            }
        });
        assertEquals(List.of(), absent, "the dashboard does not show");

        // Prometheus's own parser reads every query, as recording rules of a scratch rules file.
        ObjectNode file = JSON.createObjectNode();
        ArrayNode rules = file.putArray("groups").addObject().put("name", "dashboard").putArray("rules");
        dashboardQueries().forEach((where, query) -> {
            if (!where.startsWith("variable")) {
                rules.addObject().put("record", "dashboard:query:" + rules.size())
                        .put("expr", query.replace("$__rate_interval", "5m").replace("$job", "totpd"));
            }
        });
        Path scratch = Path.of("target", "dashboard-queries.rules.yaml");
        YAML.writeValue(scratch.toFile(), file);
        String output = promtool("check", "rules", scratch.toString());
        assertTrue(output.contains("SUCCESS: " + queries + " rules found"), output);
    }

    private static boolean overlap(JsonNode a, JsonNode b) {
        return a.get("x").asInt() < b.get("x").asInt() + b.get("w").asInt() && b.get("x").asInt() < a.get("x").asInt() + a.get("w").asInt()
                && a.get("y").asInt() < b.get("y").asInt() + b.get("h").asInt() && b.get("y").asInt() < a.get("y").asInt() + a.get("h").asInt();
    }

    /** Every rule's expression, by where it is. */
    private static Map<String, String> ruleQueries() throws IOException {
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                String name = rule.has("alert") ? rule.get("alert").asText() : rule.get("record").asText();
                queries.put("rule " + name, rule.get("expr").asText());
            }
        }
        return queries;
    }

    private static Set<String> recordedNames() throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode group : YAML.readTree(RULES.toFile()).get("groups")) {
            group.get("rules").forEach(rule -> {
                if (rule.has("record")) {
                    names.add(rule.get("record").asText());
                }
            });
        }
        return names;
    }

    /**
     * Every query of the dashboard, by where it is: the panels' PromQL, and the query variable's
     * Grafana {@code label_values(metric, label)}, which is kept as the selector it reads.
     */
    private static Map<String, String> dashboardQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode variable : dashboard.at("/templating/list")) {
            if (variable.get("type").asText().equals("query")) {
                Matcher labelValues = Pattern.compile("label_values\\(\\s*([^,]+),").matcher(variable.at("/query/query").asText());
                assertTrue(labelValues.find(), variable.toString());
                queries.put("variable " + variable.get("name").asText(), labelValues.group(1).trim());
            }
        }
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.put("panel \"" + panel.get("title").asText() + "\" " + target.get("refId").asText(), target.get("expr").asText());
            }
        }
        return queries;
    }

    private static void assertProblem(JsonNode problem, String type) {
        assertEquals("urn:totpd:problem:" + type, problem.get("type").asText(), problem.toString());
    }

    /** Runs promtool, which must be there: a missing promtool fails the build rather than skip its checks. */
    private static String promtool(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(arguments));
        try {
            return run(command);
        } catch (IOException notInstalled) {
            return fail("promtool is missing: install Debian's prometheus package (.ci/run does when it is missing)", notInstalled);
        }
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
        return output;
    }

    /** One line of the Prometheus text exposition: a series' name and labels. */
    record Sample(String name, Map<String, String> labels) {

        private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+\\S+");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:\\\\.|[^\"\\\\])*)\"");

        static List<Sample> parseAll(String exposition) {
            List<Sample> samples = new ArrayList<>();
            for (String line : exposition.lines().toList()) {
                Matcher sample = LINE.matcher(line);
                if (line.startsWith("#") || !sample.find()) {
                    continue;
                }
                Map<String, String> labels = new HashMap<>();
                if (sample.group(2) != null) {
                    Matcher label = LABEL.matcher(sample.group(2));
                    while (label.find()) {
                        labels.put(label.group(1), label.group(2));
                    }
                }
                samples.add(new Sample(sample.group(1), labels));
            }
            return samples;
        }
    }

    /**
     * PromQL read loosely, enough to find what a query reads: not a parser (promtool parses), but
     * the metric names and the label matchers of its selectors.
     */
    static final class PromQl {

        private static final Pattern STRING = Pattern.compile("\"(?:\\\\.|[^\"\\\\])*\"");
        private static final Pattern LABEL_LIST = Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
        /** An identifier not preceded by a digit or dot (a number, a duration) and not a function's name. */
        private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(?!\\s*\\()");
        private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
                "ignoring", "group_left", "group_right", "inf", "nan", "Inf", "NaN");
        private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*\\{([^}]*)}");
        private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:\\\\.|[^\"\\\\])*)\"");

        /** A selector's metric name and its positive matchers ({@code =}, {@code =~}) as anchored patterns. */
        record Selector(String text, String name, Map<String, Pattern> matchers) {
        }

        static Set<String> metricNames(String query) {
            String bare = STRING.matcher(query).replaceAll("\"\"");
            bare = bare.replaceAll("\\{[^}]*}", " ").replaceAll("\\[[^]]*]", " ");
            bare = LABEL_LIST.matcher(bare).replaceAll(" ");
            Set<String> names = new TreeSet<>();
            Matcher identifier = IDENTIFIER.matcher(bare);
            while (identifier.find()) {
                if (!KEYWORDS.contains(identifier.group(1))) {
                    names.add(identifier.group(1));
                }
            }
            return names;
        }

        static List<Selector> selectors(String query) {
            List<Selector> selectors = new ArrayList<>();
            Matcher selector = SELECTOR.matcher(query);
            while (selector.find()) {
                Map<String, Pattern> matchers = new HashMap<>();
                Matcher matcher = MATCHER.matcher(selector.group(2));
                while (matcher.find()) {
                    String value = matcher.group(3).replace("\\\\", "\\");
                    if (value.contains("$")) {
                        continue; // a Grafana variable
                    }
                    switch (matcher.group(2)) {
                        case "=" -> matchers.put(matcher.group(1), Pattern.compile(Pattern.quote(value)));
                        case "=~" -> matchers.put(matcher.group(1), Pattern.compile(value));
                        default -> {
                            // != and !~ say what a series is not; any exported series may satisfy them.
                        }
                    }
                }
                selectors.add(new Selector(selector.group(), selector.group(1), matchers));
            }
            return selectors;
        }
    }
}
