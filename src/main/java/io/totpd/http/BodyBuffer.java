package io.totpd.http;

import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Reads every request body whole, up to {@link BodyLimit#MAX_BYTES}, before any of it is parsed. A
 * body that declares its length is refused by {@link BodyLimit} before it is read, and over HTTP/1.1
 * BodyLimit reads the others whole itself; an HTTP/2 stream without a length reaches this point
 * unread, and the JSON reader, which stops at the first thing it dislikes, would answer a 20 KiB body
 * 400 or 413 depending on where its first fault lies. Read whole, it is always 413.
 * Bodies far above the limit are cut by Vert.x itself ({@code quarkus.http.limits.max-body-size}),
 * whose 413 has no body.
 */
@Provider
public class BodyBuffer implements ReaderInterceptor {

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        if (context.getType() == java.io.InputStream.class) {
            // POST /import streams its body, and caps it itself (BodyLimit#capped).
            return context.proceed();
        }
        byte[] body = context.getInputStream().readNBytes((int) BodyLimit.MAX_BYTES + 1);
        if (body.length > BodyLimit.MAX_BYTES) {
            throw BodyLimit.tooLarge(BodyLimit.MAX_BYTES);
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }
}
