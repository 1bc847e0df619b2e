package io.totpd.enrollment;

import io.totpd.problem.ProblemType;
import io.totpd.http.QueryParameters;
import io.totpd.qr.QrCodes;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.RestResponse;

/** The PNG answer of every QR route: the size the query asks for ({@code ?size=}, pixels), or the default. */
final class QrPng {

    private QrPng() {
    }

    /**
     * Exactly the size asked, or a 400 that names the smallest size at which phones still read it.
     *
     * @throws io.totpd.problem.ProblemException 400 for a size out of range or too small for this URI
     */
    static RestResponse<byte[]> of(String keyUri, UriInfo request) {
        int size = (int) QueryParameters.wholeNumber(request, "size", QrCodes.MIN_SIZE, QrCodes.MAX_SIZE, QrCodes.DEFAULT_SIZE);
        int smallest = QrCodes.smallestSize(keyUri);
        if (size < smallest) {
            throw ProblemType.INVALID_REQUEST.exception("size: this QR code needs at least " + smallest + " pixels ("
                    + QrCodes.PIXELS_PER_MODULE + " per module, quiet zone included)");
        }
        return RestResponse.ResponseBuilder.ok(QrCodes.png(keyUri, size), "image/png").build();
    }
}
