package io.totpd.support;

import static io.restassured.RestAssured.given;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** POST /import and POST /export as the migrator caller (scopes import and export, tenant acme). */
public final class Imports {

    public static final String NDJSON = "application/x-ndjson";
    public static final String PSKC = "application/pskc+xml";

    private Imports() {
    }

    /** Imports NDJSON lines; {@code query} is appended to the path as it is (e.g. {@code "?dryRun=true"}). */
    public static Response ndjson(String lines, String query) {
        return migrator().contentType(NDJSON).body(lines.getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/import" + query);
    }

    /** A request of the migrator caller that may break the contract; the response must still match it. */
    public static RequestSpecification raw() {
        return Contract.anonymous().auth().oauth2(ApiKeys.MIGRATOR);
    }

    /** A request of the migrator caller; its exchange must match the contract. */
    public static RequestSpecification migrator() {
        return Contract.as(ApiKeys.MIGRATOR);
    }
}
