package io.totpd.transfer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Reads {@code application/x-ndjson} import files: one JSON object per line, either
 * {@code {"userId", "name"?, "otpauthUri"}} or {@code {"userId", "name"?, "secret", "algorithm"?,
 * "digits"?, "period"?}}, each with an optional {@code "lastUsedStep"} or {@code "lastUsedAt"} (RFC
 * 3339). Lines are read one at a time and never longer than {@link #MAX_LINE_BYTES}; blank lines are
 * skipped. A line that is not such an object is an {@link ImportError}; the file goes on.
 */
final class NdjsonReader implements ImportSource {

    /** An import line is a few hundred bytes; a longer one is not one, and is not held. */
    static final int MAX_LINE_BYTES = 8192;

    /** One line as sent; members a line may not have are refused by the strict reader. */
    record Line(String userId, String name, String otpauthUri, String secret, String algorithm, Integer digits,
            Integer period, Long lastUsedStep, String lastUsedAt) {
    }

    private static final java.util.regex.Pattern USER_ID = java.util.regex.Pattern.compile(io.totpd.api.Api.USER_ID);

    private final InputStream in;
    private final ObjectReader reader;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(512);
    private long lineNumber;

    /** @param reader a strict reader of {@link Line} (unknown members, duplicates and coercions refused) */
    NdjsonReader(InputStream body, ObjectReader reader) {
        this.in = new BufferedInputStream(body, 64 * 1024);
        this.reader = reader;
    }

    @Override
    public ImportItem next() {
        try {
            while (true) {
                buffer.reset();
                boolean tooLong = false;
                int b;
                while ((b = in.read()) != -1 && b != '\n') {
                    if (buffer.size() < MAX_LINE_BYTES) {
                        buffer.write(b);
                    } else {
                        tooLong = true;
                    }
                }
                if (b == -1 && buffer.size() == 0 && !tooLong) {
                    return null;
                }
                lineNumber++;
                if (tooLong) {
                    return new ImportError(lineNumber, null, "invalid-line", "the line is longer than " + MAX_LINE_BYTES + " bytes");
                }
                String text = buffer.toString(StandardCharsets.UTF_8).strip();
                if (!text.isEmpty()) {
                    return parse(text);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ImportItem parse(String text) {
        Line line;
        try {
            line = reader.readValue(text);
        } catch (UnrecognizedPropertyException e) {
            return error(null, "invalid-line", "unknown member '" + memberName(e.getPropertyName()) + "'");
        } catch (JsonMappingException e) {
            String member = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            return error(null, "invalid-line", member == null ? "the line is not one JSON object"
                    : memberName(member) + ": wrong type");
        } catch (JsonProcessingException e) {
            return error(null, "invalid-line", "the line is not valid JSON");
        }
        if (line == null) {
            return error(null, "invalid-line", "the line is not one JSON object");
        }
        String userId = line.userId();
        Instant lastUsedAt = null;
        if (line.lastUsedAt() != null) {
            try {
                lastUsedAt = OffsetDateTime.parse(line.lastUsedAt()).toInstant();
            } catch (DateTimeParseException e) {
                return error(userId, "invalid-last-used", "lastUsedAt must be an RFC 3339 date-time with an offset");
            }
        }
        if (line.otpauthUri() != null) {
            if (line.secret() != null || line.algorithm() != null || line.digits() != null || line.period() != null) {
                return error(userId, "invalid-line", "give otpauthUri alone, without secret, algorithm, digits or period");
            }
            KeyUri.Parsed uri;
            try {
                uri = KeyUri.parse(line.otpauthUri());
            } catch (IllegalArgumentException e) {
                return error(userId, "invalid-otpauth-uri", "otpauthUri: " + e.getMessage());
            }
            return incoming(line, uri.account(), uri.secret(), uri.algorithm(), uri.digits(), uri.periodSeconds(), lastUsedAt);
        }
        return incoming(line, null, line.secret(), line.algorithm(), line.digits(), line.period(), lastUsedAt);
    }

    private ImportItem incoming(Line line, String accountName, String base32, String algorithm, Integer digits,
            Integer period, Instant lastUsedAt) {
        byte[] secret = null;
        if (base32 != null) {
            try {
                secret = Base32.decode(base32);
            } catch (IllegalArgumentException e) {
                return error(line.userId(), "invalid-secret", "the secret is not Base32 (RFC 4648)");
            }
        }
        return new Incoming(lineNumber, line.userId(), line.name(), accountName, secret, algorithm, digits, period,
                line.lastUsedStep(), lastUsedAt, null);
    }

    /** The user id is echoed only if it is a valid one: the report never repeats arbitrary input. */
    private ImportError error(String userId, String type, String detail) {
        boolean valid = userId != null && USER_ID.matcher(userId).matches();
        return new ImportError(lineNumber, valid ? userId : null, type, detail);
    }

    private static String memberName(String name) {
        return name != null && name.matches("[A-Za-z]{1,32}") ? name : "?";
    }

    @Override
    public void close() {
        // The body belongs to the HTTP layer, which closes it.
    }
}
