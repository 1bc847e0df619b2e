package io.totpd.http;

/**
 * Whole-number query parameters, read by hand: JAX-RS would answer a malformed number with 404, and
 * a caller deserves a 400 that names the parameter.
 */
public final class QueryParameters {

    private QueryParameters() {
    }

    /** {@code value} as a number from {@code min} to {@code max}, {@code absent} when not given, else a 400. */
    public static long wholeNumber(String name, String value, long min, long max, long absent) {
        if (value == null) {
            return absent;
        }
        if (value.matches("\\d{1,18}")) {
            long number = Long.parseLong(value);
            if (number >= min && number <= max) {
                return number;
            }
        }
        throw ProblemType.INVALID_REQUEST.exception(name + ": must be a whole number from " + min + " to " + max);
    }
}
