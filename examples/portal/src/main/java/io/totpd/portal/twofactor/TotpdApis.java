package io.totpd.portal.twofactor;

import io.totpd.client.ApiClient;
import io.totpd.client.api.AuthenticatorsApi;
import io.totpd.client.api.EnrollmentApi;
import io.totpd.client.api.UsersApi;
import io.totpd.client.api.VerificationApi;
import io.totpd.portal.PortalConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * The generated totpd client, configured once: totpd's URL, the portal's API key on every request
 * (it never leaves this server), and a timeout. The pages inject the API classes they call.
 */
@ApplicationScoped
public class TotpdApis {

    // What totpd's qrCodeUrl looks like: the only thing appended to the public URL for an <img>.
    private static final Pattern QR_CODE_URL = Pattern.compile("/qr/[A-Za-z0-9_-]{1,512}");

    private final ApiClient client;
    private final String publicUrl;

    TotpdApis(PortalConfig config) {
        PortalConfig.Totpd totpd = config.totpd();
        String apiKey = totpd.apiKey();
        this.client = new ApiClient();
        client.updateBaseUri(withoutTrailingSlash(totpd.url()));
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + apiKey));
        client.setConnectTimeout(totpd.timeout());
        client.setReadTimeout(totpd.timeout());
        this.publicUrl = withoutTrailingSlash(totpd.publicUrl().orElse(totpd.url()));
    }

    @Produces
    EnrollmentApi enrollment() {
        return new EnrollmentApi(client);
    }

    @Produces
    VerificationApi verification() {
        return new VerificationApi(client);
    }

    @Produces
    AuthenticatorsApi authenticators() {
        return new AuthenticatorsApi(client);
    }

    @Produces
    UsersApi users() {
        return new UsersApi(client);
    }

    /**
     * Where a browser fetches the QR code of an enrollment: totpd's public URL and the enrollment's
     * signed {@code qrCodeUrl}, which needs no API key (it works until the enrollment expires or is
     * activated).
     *
     * @throws IllegalArgumentException when {@code qrCodeUrl} is not a path of the form {@code /qr/<token>}
     */
    public String qrImageUrl(String qrCodeUrl) {
        if (qrCodeUrl == null || !QR_CODE_URL.matcher(qrCodeUrl).matches()) {
            throw new IllegalArgumentException("not a signed QR link of totpd");
        }
        return publicUrl + qrCodeUrl;
    }

    /** totpd's public origin, which the pages' Content-Security-Policy allows images from. */
    public String publicOrigin() {
        URI uri = URI.create(publicUrl);
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }

    private static String withoutTrailingSlash(URI uri) {
        String text = uri.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }
}
