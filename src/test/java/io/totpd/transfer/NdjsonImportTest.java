package io.totpd.transfer;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Imports.ndjson;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.eventTypes;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.totpd.otp.Base32;
import io.totpd.support.Imports;
import io.totpd.support.LogCapture;
import io.totpd.support.Oathtool;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** POST /import of NDJSON lines: secrets and otpauth URIs, replay state, reruns, bad lines. */
@QuarkusTest
class NdjsonImportTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    TestClock clock;

    static byte[] secret(int bytes) {
        byte[] secret = new byte[bytes];
        RANDOM.nextBytes(secret);
        return secret;
    }

    static String line(String userId, byte[] secret, String extra) {
        return "{\"userId\":\"" + userId + "\",\"secret\":\"" + Base32.encode(secret) + "\"" + extra + "}\n";
    }

    private long step() {
        return clock.instant().getEpochSecond() / 30;
    }

    private static JsonPath imported(String body, String query) {
        return ndjson(body, query).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void secretsAndOtpauthUrisImportActiveAndVerifyWithCodesOfAnIndependentGenerator() {
        String plain = newUserId();
        String uri = newUserId();
        String strong = newUserId();
        byte[] plainSecret = secret(20);
        byte[] uriSecret = secret(32);
        byte[] strongSecret = secret(64);
        // Any case, spaces and padding: as people copy keys out of other systems.
        String spaced = Base32.grouped(Base32.encode(plainSecret)).toLowerCase() + "====";
        String body = "{\"userId\":\"" + plain + "\",\"secret\":\"" + spaced + "\"}\n"
                + "{\"userId\":\"" + uri + "\",\"name\":\"Old app\",\"otpauthUri\":\"otpauth://totp/Old%20Co:"
                + uri + "?secret=" + Base32.encode(uriSecret) + "&issuer=Old%20Co&algorithm=SHA256&digits=8&period=60\"}\n"
                + line(strong, strongSecret, ",\"name\":\"Token\",\"algorithm\":\"SHA512\",\"digits\":6,\"period\":30");

        assertEquals(counts(3, 3, 0, 0, 0, 0, 0), counts(imported(body, "")));

        // The step of the import counts as used: codes work from the next step of each period on.
        clock.advance(Duration.ofSeconds(60));
        verify(plain, Oathtool.code(plainSecret, clock.instant())).then().statusCode(200).body("name", equalTo("Authenticator"));
        verify(uri, Oathtool.code(uriSecret, "SHA256", 8, 60, clock.instant())).then().statusCode(200)
                .body("name", equalTo("Old app"));
        verify(strong, Oathtool.code(strongSecret, "SHA512", 6, 30, clock.instant())).then().statusCode(200);
        api().get("/users/" + uri + "/authenticators").then().statusCode(200)
                .body("authenticators[0].state", equalTo("active")).body("authenticators[0].weakSecret", equalTo(false));
        assertEquals("imported", eventTypes(plain).get(1));
    }

    @Test
    void aCodeOfTheLastUsedStepIsRefusedAndTheNextOneAccepted() {
        String byStep = newUserId();
        String byTime = newUserId();
        byte[] stepSecret = secret(20);
        byte[] timeSecret = secret(20);
        clock.advanceToNextStep(30);
        long step = step();
        imported(line(byStep, stepSecret, ",\"lastUsedStep\":" + step)
                + line(byTime, timeSecret, ",\"lastUsedAt\":\"" + clock.instant().plusSeconds(5) + "\""), "");

        assertProblem(verify(byStep, Oathtool.code(stepSecret, clock.instant())).then(), 422, "code-already-used");
        assertProblem(verify(byTime, Oathtool.code(timeSecret, clock.instant())).then(), 422, "code-already-used");
        // The next step's code is within the window already: a fast phone signs in at once.
        verify(byStep, Oathtool.code(stepSecret, clock.instant().plusSeconds(30))).then().statusCode(200);
        verify(byTime, Oathtool.code(timeSecret, clock.instant().plusSeconds(30))).then().statusCode(200);
    }

    @Test
    void withoutALastUseTheCodeOfTheStepOfTheImportIsRefused() {
        String userId = newUserId();
        byte[] secret = secret(20);
        clock.advanceToNextStep(30);
        String older = Oathtool.code(secret, clock.instant().minusSeconds(30));
        String current = Oathtool.code(secret, clock.instant());
        imported(line(userId, secret, ""), "");

        assertProblem(verify(userId, older).then(), 422, "code-already-used");
        assertProblem(verify(userId, current).then(), 422, "code-already-used");
        clock.advance(Duration.ofSeconds(30));
        verify(userId, Oathtool.code(secret, clock.instant())).then().statusCode(200);
    }

    @Test
    void aDryRunWritesNothingAndReportsWhatTheImportDoes() {
        String fresh = newUserId();
        String existing = newUserId();
        byte[] existingSecret = secret(20);
        imported(line(existing, existingSecret, ""), "");
        String body = line(fresh, secret(10), "") + line(existing, existingSecret, "") + line(existing, secret(20), ",\"name\":\"Other\"")
                + line(existing, secret(20), "") + "not json\n";

        Map<String, Object> dry = imported(body, "?dryRun=true").getMap("");
        assertProblem(api().get("/users/" + fresh).then(), 404, "factor-not-found");
        assertEquals(1, api().get("/users/" + existing + "/authenticators").then().extract().jsonPath().getList("authenticators").size());
        assertEquals(List.of("imported"), eventTypes(existing));

        Map<String, Object> real = imported(body, "").getMap("");
        assertEquals(real, dry);
        assertEquals(counts(5, 2, 1, 0, 1, 1, 1), counts(real));
        assertEquals(List.of("imported", "imported"), eventTypes(existing));
    }

    @Test
    void importingTheSameFileAgainChangesNothing() {
        String a = newUserId();
        String b = newUserId();
        String body = line(a, secret(20), ",\"lastUsedStep\":" + (step() - 10)) + "{\"userId\":\"" + b
                + "\",\"otpauthUri\":\"otpauth://totp/" + b + "?secret=" + Base32.encode(secret(16)) + "\"}\n";
        assertEquals(counts(2, 2, 0, 0, 0, 0, 0), counts(imported(body, "")));
        String statusBefore = api().get("/users/" + a).asString();

        assertEquals(counts(2, 0, 2, 0, 0, 0, 0), counts(imported(body, "")));
        assertEquals(statusBefore, api().get("/users/" + a).asString());
        assertEquals(List.of("imported"), eventTypes(b));
    }

    @Test
    void aFileWithBadLinesImportsTheGoodOnesAndNamesEachBadOne() {
        String good = newUserId();
        String weak = newUserId();
        String other = newUserId();
        String body = line(good, secret(20), "")
                + "this is not json\n"
                + "{\"userId\":\"" + other + "\",\"secret\":\"" + Base32.encode(secret(20)) + "\",\"colour\":\"red\"}\n"
                + line(other, secret(8), "")
                + line(weak, secret(10), "")
                + line(other, secret(20), ",\"digits\":7")
                + line(other, secret(20), ",\"period\":10")
                + line(other, secret(20), ",\"algorithm\":\"MD5\"")
                + line("no/slash", secret(20), "")
                + "{\"userId\":\"" + other + "\",\"otpauthUri\":\"otpauth://hotp/x?secret=" + Base32.encode(secret(20)) + "&counter=4\"}\n"
                + line(other, secret(20), ",\"lastUsedStep\":" + (step() + 100))
                + "\n"
                + "{\"userId\":\"" + other + "\",\"secret\":\"not base32!\"}\n"
                + "{\"secret\":\"" + Base32.encode(secret(20)) + "\"}\n"
                + line(other, secret(20), ",\"digits\":\"6\"")
                + line(other, secret(20), ",\"name\":\"Second\"");

        JsonPath report;
        try (LogCapture log = LogCapture.start()) {
            report = imported(body, "");
            String logged = String.join("\n", log.lines());
            assertTrue(logged.contains("15 processed, 3 created"), logged);
            assertFalse(logged.contains("otpauth://"), logged);
            for (String line : body.split("\n")) {
                int secretAt = line.indexOf("\"secret\":\"");
                if (secretAt >= 0) {
                    String secret = line.substring(secretAt + 10, line.indexOf('"', secretAt + 10));
                    assertFalse(logged.contains(secret) || report.prettify().contains(secret), "a secret was logged or reported");
                }
            }
        }
        assertEquals(counts(15, 3, 0, 0, 0, 12, 1), counts(report));
        Map<Integer, String> errors = report.getList("errors", Map.class).stream()
                .collect(Collectors.toMap(e -> (Integer) e.get("line"), e -> (String) e.get("type")));
        assertEquals(Map.ofEntries(Map.entry(2, "invalid-line"), Map.entry(3, "invalid-line"), Map.entry(4, "secret-too-short"),
                Map.entry(6, "unsupported-digits"), Map.entry(7, "unsupported-period"), Map.entry(8, "unsupported-algorithm"),
                Map.entry(9, "invalid-user-id"), Map.entry(10, "invalid-otpauth-uri"), Map.entry(11, "invalid-last-used"),
                Map.entry(13, "invalid-secret"), Map.entry(14, "missing-user-id"), Map.entry(15, "invalid-line")), errors);
        assertFalse(report.prettify().contains("otpauth://"), "the report never repeats a key URI");
        api().get("/users/" + weak + "/authenticators").then().statusCode(200).body("authenticators[0].weakSecret", equalTo(true));
        api().get("/users/" + other + "/authenticators").then().statusCode(200).body("authenticators.name", equalTo(List.of("Second")));
        api().get("/users/" + good).then().statusCode(200);
    }

    @Test
    void theReportListsTheFirstThousandErrorsAndCountsTheRest() {
        JsonPath report = imported("not json\n".repeat(1005), "");
        assertEquals(1005, report.getInt("failed"));
        assertEquals(1000, report.getList("errors").size());
        assertEquals(1000, report.getInt("errors[999].line"));
        assertEquals(5, report.getInt("errorsOmitted"));
    }

    @Test
    void anotherSecretUnderATakenNameIsAConflictUnlessReplaceIsAsked() {
        String userId = newUserId();
        byte[] first = secret(20);
        byte[] second = secret(20);
        imported(line(userId, first, ",\"lastUsedStep\":" + (step() - 5)), "");

        JsonPath skipped = imported(line(userId, second, "") + "not json\n", "");
        assertEquals(counts(2, 0, 0, 0, 1, 1, 0), counts(skipped));
        assertEquals(List.of("conflict", "invalid-line"), skipped.getList("errors.type"), "in file order");
        verify(userId, Oathtool.code(first, clock.instant())).then().statusCode(200);

        clock.advance(Duration.ofSeconds(30));
        assertEquals(counts(1, 0, 0, 1, 0, 0, 0), counts(imported(line(userId, second, ""), "?onConflict=replace")));
        clock.advance(Duration.ofSeconds(30));
        verify(userId, Oathtool.code(first, clock.instant())).then().statusCode(422);
        verify(userId, Oathtool.code(second, clock.instant())).then().statusCode(200);
    }

    @Test
    void aFileLargerThanABatchImportsWhole() {
        String prefix = newUserId();
        String body = IntStream.range(0, 1203).mapToObj(i -> line(prefix + "-" + i, secret(20), "")).collect(Collectors.joining());
        assertEquals(counts(1203, 1203, 0, 0, 0, 0, 0), counts(imported(body, "")));
        assertEquals(counts(1203, 0, 1203, 0, 0, 0, 0), counts(imported(body, "?dryRun=true")));
        api().get("/users/" + prefix + "-1202").then().statusCode(200);
    }

    @Test
    void onlyTheImportScopeImportsAndOnlyTheTwoFormats() {
        String body = line(newUserId(), secret(20), "");
        for (String key : List.of(io.totpd.support.ApiKeys.PORTAL, io.totpd.support.ApiKeys.LOGIN)) {
            assertProblem(io.totpd.support.Contract.as(key).contentType(io.totpd.support.Imports.NDJSON).body(body.getBytes())
                    .post("/import").then(), 403, "forbidden");
        }
        assertProblem(Imports.raw().contentType("application/json").body("{}").post("/import").then(), 415,
                "unsupported-media-type").body("detail", equalTo("send the body as application/x-ndjson or application/pskc+xml"));
        for (String query : List.of("?dryRun=yes", "?onConflict=overwrite", "?dryRun=true&dryRun=false")) {
            assertProblem(Imports.raw().contentType(Imports.NDJSON).body(body.getBytes()).post("/import" + query).then(), 400,
                    "invalid-request");
        }
    }

    /** The report's counts, without its errors. */
    private static Map<String, Object> counts(JsonPath report) {
        return counts(report.<String, Object>getMap(""));
    }

    private static Map<String, Object> counts(Map<String, Object> report) {
        Map<String, Object> counts = new java.util.HashMap<>(report);
        counts.remove("errors");
        return counts;
    }

    private static Map<String, Object> counts(int processed, int created, int unchanged, int replaced, int conflicts,
            int failed, int weakSecrets) {
        return Map.of("processed", processed, "created", created, "unchanged", unchanged, "replaced", replaced,
                "conflicts", conflicts, "failed", failed, "weakSecrets", weakSecrets, "errorsOmitted", 0);
    }
}
