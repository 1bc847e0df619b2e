package io.totpd.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.totpd.crypto.SecretUnavailableException;
import io.vertx.core.http.HttpServerRequest;
import jakarta.persistence.PersistenceException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * The one place where failures become application/problem+json. Details name the offending field,
 * never a class, a stack trace, SQL or a submitted value (which could be a code).
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder response = Response.status(e.type.status).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(e.type, e.getMessage()));
        if (e.retryAfter != null) {
            response.header("Retry-After", e.retryAfter.toSeconds());
        }
        if (e.type == ProblemType.UNAUTHORIZED) {
            response.header("WWW-Authenticate", "Bearer");
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response invalid(ConstraintViolationException e) {
        String detail = e.getConstraintViolations().stream()
                .map(v -> fieldOf(v) + ": " + v.getMessage())
                .sorted()
                .collect(Collectors.joining("; "));
        return respond(ProblemType.INVALID_REQUEST, detail);
    }

    /** Named explicitly because quarkus-rest-jackson maps MismatchedInputException itself, as plain JSON. */
    @ServerExceptionMapper({JsonProcessingException.class, MismatchedInputException.class})
    public Response unreadable(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return respond(ProblemType.INVALID_REQUEST, "unknown field '" + unknown.getPropertyName() + "'");
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .collect(Collectors.joining("."));
            return respond(ProblemType.INVALID_REQUEST, field + ": wrong type");
        }
        return respond(ProblemType.INVALID_REQUEST, "the body is not valid JSON");
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        if (status == 400 && overLimit(request)) {
            return bodyTooLarge();
        }
        return switch (status) {
            case 400 -> respond(ProblemType.INVALID_REQUEST, "the request could not be read");
            case 404 -> respond(ProblemType.NOT_FOUND, "no such resource");
            case 405 -> respond(ProblemType.METHOD_NOT_ALLOWED, "this resource does not support the method");
            case 406 -> respond(ProblemType.NOT_ACCEPTABLE, "this resource cannot answer in the accepted media types");
            case 413 -> respond(ProblemType.PAYLOAD_TOO_LARGE, "the body is too large");
            case 415 -> respond(ProblemType.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
            default -> unexpected(e);
        };
    }

    /** A caller that hangs up mid-body is no failure of ours; nobody is left to read the answer. */
    @ServerExceptionMapper
    public Response unreadableBody(java.io.IOException e, HttpServerRequest request) {
        if (overLimit(request)) {
            return bodyTooLarge();
        }
        LOG.debugf("Request body unreadable: %s", e.getMessage());
        return respond(ProblemType.INVALID_REQUEST, "the request body could not be read");
    }

    @ServerExceptionMapper
    public Response undecryptable(SecretUnavailableException e) {
        // A row whose ciphertext does not authenticate was tampered with or its key removed: never a pass.
        LOG.errorf("A stored secret could not be decrypted: %s", e.getMessage());
        return respond(ProblemType.INTERNAL_ERROR, "the factor's secret could not be decrypted");
    }

    @ServerExceptionMapper
    public Response persistence(PersistenceException e) {
        if (e instanceof org.hibernate.exception.ConstraintViolationException) {
            return respond(ProblemType.CONFLICT, "another request changed this user at the same time; retry");
        }
        return unreachable(e) ? databaseUnavailable(e) : unexpected(e);
    }

    @ServerExceptionMapper
    public Response sql(SQLException e) {
        return unreachable(e) ? databaseUnavailable(e) : unexpected(e);
    }

    /** Anything else is our fault: logged in full under a reference, answered without internals. */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected failure, reference %s", reference);
        return respond(ProblemType.INTERNAL_ERROR, "unexpected failure, logged with reference " + reference);
    }

    /**
     * A chunked body declares no length, so BodyLimit cannot refuse it up front; Vert.x stops reading
     * it at {@code quarkus.http.limits.max-body-size}, and what reaches us is a failed read.
     */
    private static boolean overLimit(HttpServerRequest request) {
        return request != null && request.bytesRead() > BodyLimit.MAX_BYTES;
    }

    private static Response bodyTooLarge() {
        return Response.status(413).type(Problem.MEDIA_TYPE).header("Connection", "close")
                .entity(Problem.of(ProblemType.PAYLOAD_TOO_LARGE, "the body is larger than " + BodyLimit.MAX_BYTES + " bytes"))
                .build();
    }

    private Response databaseUnavailable(Exception e) {
        LOG.warnf("Database unavailable: %s", e.getMessage());
        return Response.status(503).header("Retry-After", "5").type(Problem.MEDIA_TYPE)
                .entity(Problem.of(ProblemType.SERVICE_UNAVAILABLE, "the database is unavailable; retry shortly"))
                .build();
    }

    static Response respond(ProblemType type, String detail) {
        return Response.status(type.status).type(Problem.MEDIA_TYPE).entity(Problem.of(type, detail)).build();
    }

    private static String fieldOf(ConstraintViolation<?> violation) {
        String field = null;
        for (Path.Node node : violation.getPropertyPath()) {
            if (node.getKind() != jakarta.validation.ElementKind.METHOD) {
                field = node.getName();
            }
        }
        return field == null ? "body" : field;
    }

    /**
     * Whether the database was out of reach rather than the statement wrong: no pooled connection in
     * time, a connection that failed or broke (SQLSTATE class 08), or a server shutting down (57P).
     */
    private static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }
}
