package io.totpd.support;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import io.restassured.response.ValidatableResponse;

/** The RFC 9457 problems the API answers with when it refuses a request. */
public final class Problems {

    private Problems() {
    }

    /**
     * Asserts that {@code response} is the problem {@code urn:totpd:problem:<type>} with the given
     * status, both as HTTP status and as the status member, with a title and a detail, and that the
     * detail gives away nothing of the implementation (no exception, Jackson or class names).
     * Returns the response for further checks.
     */
    public static ValidatableResponse assertProblem(ValidatableResponse response, int status, String type) {
        return response.statusCode(status)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:totpd:problem:" + type))
                .body("status", equalTo(status))
                .body("title", notNullValue())
                .body("detail", allOf(notNullValue(), not(containsString("Exception")), not(containsString("jackson")),
                        not(containsString("io.totpd"))));
    }
}
