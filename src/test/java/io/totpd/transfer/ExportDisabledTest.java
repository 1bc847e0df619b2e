package io.totpd.transfer;

import static io.totpd.support.Imports.migrator;
import static io.totpd.support.Problems.assertProblem;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Export is off unless switched on: a caller with scope export is still refused. */
@QuarkusTest
@TestProfile(ExportDisabledTest.Disabled.class)
class ExportDisabledTest {

    public static class Disabled implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("totpd.export.enabled", "false");
        }
    }

    @Test
    void exportIsRefusedWhileDisabledEvenWithTheScope() {
        Map<String, Object> rsa = Map.of("kty", "RSA", "e", "AQAB", "n", "x".repeat(342));
        assertProblem(migrator().body(Map.of("recipient", rsa)).post("/export").then(), 403, "export-disabled");
    }
}
