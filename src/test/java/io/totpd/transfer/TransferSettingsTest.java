package io.totpd.transfer;

import static io.totpd.support.Imports.migrator;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.totpd.support.Contract;
import io.totpd.support.Imports;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The two settings of moving users: export is off unless switched on (even for a caller with the
 * scope), and the import's body has a limit of its own, declared or chunked.
 */
@QuarkusTest
@TestProfile(TransferSettingsTest.Settings.class)
class TransferSettingsTest {

    static final int IMPORT_LIMIT = 64 * 1024;

    public static class Settings implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("totpd.export.enabled", "false", "totpd.import.max-body-size", Integer.toString(IMPORT_LIMIT));
        }
    }

    @Test
    void exportIsRefusedWhileDisabledEvenWithTheScope() {
        Map<String, Object> rsa = Map.of("kty", "RSA", "e", "AQAB", "n", "x".repeat(342));
        assertProblem(migrator().body(Map.of("recipient", rsa)).post("/export").then(), 403, "export-disabled");
    }

    @Test
    void anImportBodyOverItsLimitIsRefusedDeclaredOrChunked() {
        String line = "{\"userId\":\"" + newUserId() + "\",\"secret\":\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\"}\n";
        byte[] over = String.join("", Collections.nCopies(IMPORT_LIMIT / line.length() + 1, line)).getBytes(StandardCharsets.UTF_8);
        assertProblem(Imports.raw().contentType(Imports.NDJSON).body(over).post("/import").then(), 413, "payload-too-large");

        // Chunked: the lines before the limit are imported, the answer is still 413.
        InputStream chunked = new SequenceInputStream(Collections.enumeration(IntStream.range(0, IMPORT_LIMIT / 60 + 10)
                .mapToObj(i -> (InputStream) new ByteArrayInputStream(("{\"userId\":\"" + newUserId()
                        + "\",\"secret\":\"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\"}\n").getBytes(StandardCharsets.UTF_8))).toList()));
        assertProblem(Imports.raw().contentType(Imports.NDJSON).body(chunked).post("/import").then(), 413, "payload-too-large");

        // Every other operation keeps its 16 KiB.
        assertProblem(Contract.raw().contentType("application/json").body("{\"userId\":\"" + "a".repeat(17 * 1024) + "\"}")
                .post("/enroll").then(), 413, "payload-too-large");
        // The body declared too large was refused before a byte of it was read.
        Imports.ndjson(line, "").then().statusCode(200).body("created", equalTo(1));
    }
}
