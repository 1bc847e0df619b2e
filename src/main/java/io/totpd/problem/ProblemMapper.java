package io.totpd.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.totpd.crypto.SecretUnavailableException;
import io.totpd.db.DatabaseFailure;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
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
        Response.ResponseBuilder response = Response.status(e.type.status()).type(Problem.MEDIA_TYPE)
                .entity(Problem.of(e.type, e.getMessage()));
        if (e.retryAfter != null) {
            response.header("Retry-After", e.retryAfter.toSeconds());
        }
        if (e.type == ProblemType.UNAUTHORIZED) {
            response.header("WWW-Authenticate", "Bearer");
        }
        if (e.type == ProblemType.PAYLOAD_TOO_LARGE) {
            // The rest of an oversized body is not worth reading.
            response.header("Connection", "close");
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
        // Jackson has no exception type of its own for a repeated member, only this message.
        if (e instanceof StreamReadException read
                && String.valueOf(read.getOriginalMessage()).startsWith("Duplicate field")) {
            return respond(ProblemType.INVALID_REQUEST, repeatedMember(read));
        }
        if (e instanceof MismatchedInputException) {
            return respond(ProblemType.INVALID_REQUEST, "the body must be one JSON object and nothing else");
        }
        return respond(ProblemType.INVALID_REQUEST, "the body is not valid JSON");
    }

    /** Otherwise quarkus-rest-jackson answers a request type Jackson cannot build with an empty 500. */
    @ServerExceptionMapper
    public Response undeserializable(InvalidDefinitionException e) {
        return unexpected(e);
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return switch (status) {
            // quarkus-rest-jackson wraps most of Jackson's read failures, which name the field, in a bare 400.
            case 400 -> e.getCause() instanceof JsonProcessingException json
                    ? unreadable(json)
                    : respond(ProblemType.INVALID_REQUEST, "the request could not be read");
            case 404 -> respond(ProblemType.NOT_FOUND, "no such resource");
            case 405 -> respond(ProblemType.METHOD_NOT_ALLOWED, "this resource does not support the method");
            case 406 -> respond(ProblemType.NOT_ACCEPTABLE, "this resource cannot answer in the accepted media types");
            case 413 -> respond(ProblemType.PAYLOAD_TOO_LARGE, "the body is too large");
            case 415 -> respond(ProblemType.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json");
            default -> internalError(e);
        };
    }

    /** A caller that hangs up mid-body is no failure of ours; nobody is left to read the answer. */
    @ServerExceptionMapper
    public Response unreadableBody(java.io.IOException e) {
        LOG.debugf("Request body unreadable: %s", e.getMessage());
        return respond(ProblemType.INVALID_REQUEST, "the request body could not be read");
    }

    @ServerExceptionMapper
    public Response undecryptable(SecretUnavailableException e) {
        // A row whose ciphertext does not authenticate was tampered with or its key removed: never a pass.
        LOG.errorf("A stored secret could not be decrypted: %s", e.getMessage());
        return respond(ProblemType.INTERNAL_ERROR, "the factor's secret could not be decrypted");
    }

    /**
     * Anything else is our fault, unless it is a database failure (from the ORM, JDBC or a failed
     * commit), which says by its SQLSTATE what it means for the caller. None leaves anything written:
     * the server rolled the statement back (it gives up on locks and statements before the client's
     * socket timeout does), and 409 and 503 both say when to retry.
     */
    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        DatabaseFailure failure = DatabaseFailure.of(e).orElse(null);
        if (failure == null) {
            return internalError(e);
        }
        if (failure == DatabaseFailure.UNAVAILABLE || failure == DatabaseFailure.BUSY) {
            LOG.warnf("Database %s: %s", failure == DatabaseFailure.BUSY ? "busy" : "unavailable", e.getMessage());
        }
        return problem(switch (failure) {
            case UNAVAILABLE -> ProblemType.SERVICE_UNAVAILABLE.exception("the database is unavailable; retry shortly",
                    Duration.ofSeconds(5));
            case BUSY -> ProblemType.SERVICE_BUSY.exception("the service is busy; retry shortly", Duration.ofSeconds(1));
            case LOCK_TIMEOUT, LOST_RACE, DUPLICATE -> ProblemType.CONFLICT.exception(
                    "another request was changing this user at the same time; retry", Duration.ofSeconds(1));
        });
    }

    /** Logged in full under a reference, answered without internals. */
    private static Response internalError(Throwable e) {
        String reference = UUID.randomUUID().toString();
        LOG.errorf(e, "Unexpected failure, reference %s", reference);
        return respond(ProblemType.INTERNAL_ERROR, "unexpected failure, logged with reference " + reference);
    }

    static Response respond(ProblemType type, String detail) {
        return Response.status(type.status()).type(Problem.MEDIA_TYPE).entity(Problem.of(type, detail)).build();
    }

    /** Names the repeated member when it is one a caller could mean; never echoes arbitrary text. */
    private static String repeatedMember(StreamReadException e) {
        String name = e.getProcessor() == null || e.getProcessor().getParsingContext() == null
                ? null : e.getProcessor().getParsingContext().getCurrentName();
        return name != null && name.matches("[A-Za-z]{1,64}")
                ? name + ": appears more than once"
                : "a member appears more than once";
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
}
