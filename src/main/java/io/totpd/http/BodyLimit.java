package io.totpd.http;

import io.totpd.TotpdConfig;
import io.totpd.problem.Problem;
import io.totpd.problem.ProblemType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Refuses a declared body above the limit before it is read, with a problem body: 16 KiB for every
 * call but {@code POST /import}, whose body is streamed up to {@code totpd.import.max-body-size}.
 * Every other body is read whole on the event loop (over HTTP/1.1: {@link #readWhole}) or by
 * {@link BodyBuffer} (over HTTP/2), and a chunked one over the limit is refused the same way; the
 * import's is cut by {@link #capped} where it passes its limit.
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
                refuse(context, importing ? importProblem : problem);
            } else if (importing || context.request().isEnded() || context.request().version() == HttpVersion.HTTP_2) {
                // HTTP/2 (cleartext, as java.net.http.HttpClient asks for by default) keeps the
                // streamed read: RESTEasy Reactive pauses every request it takes, and Vert.x refuses
                // to pause an HTTP/2 stream that has ended, with a 500.
                context.next();
            } else {
                readWhole(context);
            }
        }, 100);
    }

    /**
     * Reads a body of at most {@link #MAX_BYTES} here, on the event loop, and hands it on whole
     * ({@link RoutingContext#setBody}, which RESTEasy Reactive reads as an array); a longer one, which
     * only a chunked request can send, is refused as a declared one is. Left to RESTEasy Reactive, a
     * blocking method reads its body on its worker thread through a stream that waits for the event
     * loop: a monitor both threads take for every chunk and for the end, in which the event loop
     * spent about 40 % of its samples under {@code bench/run} on Java 25 (bench/RESULTS.md, issue 17).
     */
    private void readWhole(RoutingContext context) {
        HttpServerRequest request = context.request();
        Buffer body = Buffer.buffer();
        request.handler(chunk -> {
            if (context.response().ended()) {
                return;
            }
            if (body.length() + chunk.length() > MAX_BYTES) {
                refuse(context, problem);
            } else {
                body.appendBuffer(chunk);
            }
        });
        request.endHandler(end -> {
            if (!context.response().ended()) {
                context.setBody(body);
                context.next();
            }
        });
        if (request.version() == HttpVersion.HTTP_1_1 && "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT))) {
            context.response().writeContinue();
        }
        request.resume();
    }

    private static void refuse(RoutingContext context, String problem) {
        context.response().setStatusCode(413)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close")
                .end(problem);
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
