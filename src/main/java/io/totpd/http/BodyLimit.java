package io.totpd.http;

import io.totpd.TotpdConfig;
import io.totpd.problem.Problem;
import io.totpd.problem.ProblemType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses a declared body above the limit before it is read, with a problem body: 16 KiB for every
 * call but {@code POST /import}, whose body is streamed up to {@code totpd.import.max-body-size}. A
 * chunked body, which declares no length, is read whole and refused the same way by
 * {@link BodyBuffer}, or, for the import, cut by {@link #capped} where it passes its limit.
 */
@Singleton
public class BodyLimit {

    /** Every request body of this API but the import's is well under a kilobyte. */
    static final long MAX_BYTES = 16 * 1024;

    /** The import's limit may be at most this; Vert.x's own ({@code quarkus.http.limits.max-body-size}) is above it. */
    static final long MAX_IMPORT_BYTES = 1L << 30;

    /** The one path whose body is streamed rather than read whole. */
    static final String IMPORT_PATH = "/import";

    private final String problem;
    private final long importMaxBytes;
    private final String importProblem;

    BodyLimit(ObjectMapper json, TotpdConfig config) throws JsonProcessingException {
        this.problem = json.writeValueAsString(Problem.of(ProblemType.PAYLOAD_TOO_LARGE, tooLargeDetail(MAX_BYTES)));
        this.importMaxBytes = config.imports().maxBodySize().asLongValue();
        if (importMaxBytes < MAX_BYTES || importMaxBytes > MAX_IMPORT_BYTES) {
            throw new IllegalArgumentException("totpd.import.max-body-size must be 16K to 1G");
        }
        this.importProblem = json.writeValueAsString(Problem.of(ProblemType.PAYLOAD_TOO_LARGE, tooLargeDetail(importMaxBytes)));
    }

    void register(@Observes Filters filters) {
        filters.register(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            boolean importing = IMPORT_PATH.equals(context.request().path());
            if (length != null && isAbove(length, importing ? importMaxBytes : MAX_BYTES)) {
                context.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(importing ? importProblem : problem);
                return;
            }
            context.next();
        }, 100);
    }

    /**
     * The import's body, cut at its limit: reading past {@code totpd.import.max-body-size} throws 413
     * {@code payload-too-large}. {@link Capped#exceeded} tells afterwards whether that is why a parser
     * that wraps every read failure in its own exception gave up.
     */
    public Capped capped(InputStream body) {
        return new Capped(body, importMaxBytes);
    }

    /** A stream that refuses to read past a limit, in bytes. */
    public static final class Capped extends FilterInputStream {
        private final long limit;
        private long read;
        private boolean exceeded;

        Capped(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? -1 : 1);
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, (int) Math.min(length, limit - read + 1));
            count(n);
            return n;
        }

        private void count(int n) {
            if (n > 0) {
                read += n;
                if (read > limit) {
                    exceeded = true;
                    throw tooLarge(limit);
                }
            }
        }

        public boolean exceeded() {
            return exceeded;
        }
    }

    static io.totpd.problem.ProblemException tooLarge(long limit) {
        return ProblemType.PAYLOAD_TOO_LARGE.exception(tooLargeDetail(limit));
    }

    static String tooLargeDetail(long limit) {
        return "the body is larger than " + limit + " bytes";
    }

    private static boolean isAbove(String contentLength, long limit) {
        try {
            return Long.parseLong(contentLength.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
