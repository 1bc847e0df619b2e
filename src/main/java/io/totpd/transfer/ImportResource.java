package io.totpd.transfer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.totpd.caller.Requires;
import io.totpd.caller.Scope;
import io.totpd.quota.Charge;
import io.totpd.http.BodyLimit;
import io.totpd.http.QueryParameters;
import io.totpd.problem.ProblemType;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/** {@code POST /import}: NDJSON lines or a PSKC key container (RFC 6030), streamed, never held whole. */
@Requires(Scope.IMPORT)
@Charge(other = 1)
@Path("/import")
public class ImportResource {

    static final String NDJSON = "application/x-ndjson";
    static final String PSKC = "application/pskc+xml";

    private final ImportService imports;
    private final BodyLimit bodyLimit;
    private final ObjectReader lines;

    ImportResource(ImportService imports, BodyLimit bodyLimit, ObjectMapper json) {
        this.imports = imports;
        this.bodyLimit = bodyLimit;
        this.lines = json.readerFor(NdjsonReader.Line.class);
    }

    /**
     * Takes any type and says which two it reads itself: with {@code @Consumes} narrowed to them,
     * routing would answer 415 before the API key is checked, telling a caller without a key what
     * the operation takes.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public ImportReport importAuthenticators(InputStream body, @Context HttpHeaders headers, @Context UriInfo request) {
        boolean dryRun = "true".equals(QueryParameters.oneOf(request, "dryRun", List.of("true", "false"), "false"));
        ImportService.OnConflict onConflict = ImportService.OnConflict.valueOf(
                QueryParameters.oneOf(request, "onConflict", List.of("skip", "replace"), "skip").toUpperCase(Locale.ROOT));
        BodyLimit.Capped capped = bodyLimit.capped(body);
        String passphraseHeader = headers.getHeaderString("Pskc-Passphrase");
        byte[] preSharedKey = preSharedKey(headers.getHeaderString("Pskc-Key"));
        char[] passphrase = passphraseHeader == null ? null : passphraseHeader.toCharArray();
        try (ImportSource source = source(capped, headers.getMediaType(), preSharedKey, passphrase)) {
            return imports.run(source, onConflict, dryRun);
        } catch (UncheckedIOException e) {
            throw ProblemType.INVALID_REQUEST.exception("the request body could not be read");
        } catch (RuntimeException e) {
            // A parser that wraps every read failure (StAX) hides the limit's 413 behind its own error.
            if (capped.exceeded()) {
                throw ProblemType.PAYLOAD_TOO_LARGE.exception("the body is larger than the import limit "
                        + "(totpd.import.max-body-size)" + (dryRun ? "" : "; the batches before that point are imported"));
            }
            throw e;
        } finally {
            if (preSharedKey != null) {
                java.util.Arrays.fill(preSharedKey, (byte) 0);
            }
            if (passphrase != null) {
                java.util.Arrays.fill(passphrase, '\0');
            }
        }
    }

    private ImportSource source(InputStream body, MediaType type, byte[] preSharedKey, char[] passphrase) {
        if (type != null && type.isCompatible(MediaType.valueOf(NDJSON))) {
            return new NdjsonReader(body, lines);
        }
        if (type != null && type.isCompatible(MediaType.valueOf(PSKC))) {
            try {
                return new PskcReader(body, preSharedKey, passphrase);
            } catch (ImportFileException e) {
                throw ProblemType.INVALID_REQUEST.exception(e.getMessage());
            }
        }
        throw ProblemType.UNSUPPORTED_MEDIA_TYPE.exception("send the body as " + NDJSON + " or " + PSKC);
    }

    /** The pre-shared key of RFC 6030 section 6.1, Base64 in the request header {@code Pskc-Key}; null when absent. */
    private static byte[] preSharedKey(String header) {
        if (header == null) {
            return null;
        }
        try {
            return java.util.Base64.getDecoder().decode(header.strip());
        } catch (IllegalArgumentException e) {
            throw ProblemType.INVALID_REQUEST.exception("Pskc-Key: must be the key in Base64");
        }
    }
}
