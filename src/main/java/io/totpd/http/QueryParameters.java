package io.totpd.http;

import io.totpd.problem.ProblemType;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;

/**
 * Whole-number query parameters, read by hand: JAX-RS would answer a malformed number with 404, take
 * an empty value as absent and the first of repeated values as the value, and a caller deserves a
 * 400 that names the parameter for each of them.
 */
public final class QueryParameters {

    private static final long MAX_18_DIGITS = 999_999_999_999_999_999L;

    private QueryParameters() {
    }

    /**
     * The query parameter {@code name} of the request as one of {@code values}, or {@code absent} when
     * the query does not name it; anything else (empty, repeated, another value) is a 400.
     */
    public static String oneOf(UriInfo request, String name, List<String> values, String absent) {
        List<String> given = request.getQueryParameters(true).get(name);
        if (given == null || given.isEmpty()) {
            return absent;
        }
        if (given.size() > 1 || !values.contains(given.get(0))) {
            throw ProblemType.INVALID_REQUEST.exception(name + ": must be one of " + String.join(", ", values) + ", given once");
        }
        return given.get(0);
    }

    /**
     * The query parameter {@code name} of the request as a number from {@code min} to {@code max}, or
     * {@code absent} when the query does not name it; anything else (empty, repeated, not ASCII
     * digits, out of range) is a 400.
     */
    public static long wholeNumber(UriInfo request, String name, long min, long max, long absent) {
        List<String> values = request.getQueryParameters(true).get(name);
        if (values == null || values.isEmpty()) {
            return absent;
        }
        if (values.size() > 1) {
            throw ProblemType.INVALID_REQUEST.exception(name + ": must be given at most once");
        }
        String value = values.get(0);
        if (value != null && value.matches("[0-9]{1,18}")) {
            long number = Long.parseLong(value);
            if (number >= min && number <= max) {
                return number;
            }
        }
        // At most 18 digits, so that the number always fits a long: say so rather than name a larger maximum.
        throw ProblemType.INVALID_REQUEST.exception(name + ": must be a whole number from " + min + " to "
                + (max > MAX_18_DIGITS ? MAX_18_DIGITS + " (at most 18 digits)" : max));
    }
}
