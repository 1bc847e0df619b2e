package io.totpd.portal.pages;

import io.quarkus.vertx.http.runtime.filters.Filters;
import io.totpd.portal.twofactor.TotpdApis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Headers on every response, pages, redirects and the style sheet alike. The pages run no script at
 * all, so the Content-Security-Policy allows none; images come from the portal and from totpd's
 * public URL (the QR codes), and forms post only to the portal.
 */
@ApplicationScoped
public class SecurityHeaders {

    private final String policy;

    SecurityHeaders(TotpdApis totpd) {
        this.policy = "default-src 'none'; img-src 'self' " + totpd.publicOrigin() + "; style-src 'self';"
                + " form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    }

    void register(@Observes Filters filters) {
        filters.register(context -> {
            context.response().headers()
                    .set("Content-Security-Policy", policy)
                    // Pages show secrets once (a QR code, backup codes): no cache keeps them.
                    .set("Cache-Control", "no-store")
                    .set("X-Content-Type-Options", "nosniff")
                    // The page's address is nobody else's business, totpd's included.
                    .set("Referrer-Policy", "no-referrer");
            context.next();
        }, 10);
    }
}
