package io.totpd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * openapi.yaml passes Redocly CLI's recommended rules (contract/lint/redocly.yaml), with the version
 * pinned in contract/lint/package-lock.json. Offline but for {@code npm ci}: telemetry and the update
 * check are off.
 */
class ContractLintIT {

    private static final Path LINT = Path.of("contract", "lint");

    @Test
    void theContractIsLintClean() throws Exception {
        if (!Files.isDirectory(LINT.resolve("node_modules"))) {
            run(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefix", LINT.toString()));
        }
        String output = run(List.of("node", LINT.resolve("node_modules/@redocly/cli/bin/cli.js").toString(), "lint",
                "--config", LINT.resolve("redocly.yaml").toString(), "--format", "stylish", "openapi.yaml"));
        // Exit 0 allows warnings; the stylish format lists every problem as "line:column  severity  rule".
        assertTrue(output.lines().noneMatch(line -> line.matches("\\s*\\d+:\\d+\\s+(error|warning)\\s.*")), output);
    }

    private static String run(List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(Map.of("REDOCLY_TELEMETRY", "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"));
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(300, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
        assertEquals(0, process.exitValue(), String.join(" ", command) + "\n" + output);
        return output;
    }
}
