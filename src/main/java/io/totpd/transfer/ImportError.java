package io.totpd.transfer;

/**
 * Why one line or key of an import was not imported: an entry of the report's {@code errors}. Never a
 * secret or an otpauth URI: {@code detail} names what is wrong, not the value.
 *
 * @param line where it starts in the file, from 1
 * @param userId the user it names, where it names a valid one; else null
 * @param type a stable lower-case word callers may branch on, e.g. {@code invalid-secret}
 */
public record ImportError(long line, String userId, String type, String detail) implements ImportItem {
}
