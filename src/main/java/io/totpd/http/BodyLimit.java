package io.totpd.http;

import io.totpd.problem.Problem;
import io.totpd.problem.ProblemType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Refuses a declared body above the limit before it is read, with a problem body. A chunked body,
 * which declares no length, is read whole and refused the same way by {@link BodyBuffer}.
 */
@Singleton
public class BodyLimit {

    /** Every request body of this API is well under a kilobyte. */
    static final long MAX_BYTES = 16 * 1024;

    private final String problem;

    BodyLimit(ObjectMapper json) throws JsonProcessingException {
        this.problem = json.writeValueAsString(
                Problem.of(ProblemType.PAYLOAD_TOO_LARGE, "the body is larger than " + MAX_BYTES + " bytes"));
    }

    void register(@Observes Filters filters) {
        filters.register(context -> {
            String length = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null && isAbove(length)) {
                context.response().setStatusCode(413)
                        .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                        .putHeader(HttpHeaders.CONNECTION, "close")
                        .end(problem);
                return;
            }
            context.next();
        }, 100);
    }

    private static boolean isAbove(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > MAX_BYTES;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
