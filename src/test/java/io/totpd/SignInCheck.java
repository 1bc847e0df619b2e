package io.totpd;

import io.totpd.client.ApiClient;
import io.totpd.client.ApiException;
import io.totpd.client.api.VerificationApi;
import io.totpd.client.model.CodeRequest;
import java.time.Duration;

/** The second step of a sign-in, after the password check: the README's example, tested by ClientIT. */
public class SignInCheck {
    private final VerificationApi totpd;

    /** Checks with the totpd at {@code baseUri}, e.g. {@code https://totpd.internal}, as a caller with scope {@code verify}. */
    public SignInCheck(String baseUri, String apiKey) {
        ApiClient client = new ApiClient().setRequestInterceptor(request -> request.header("Authorization", "Bearer " + apiKey));
        client.updateBaseUri(baseUri);
        client.setReadTimeout(Duration.ofSeconds(5));
        totpd = new VerificationApi(client);
    }

    /** Null when the code passes; otherwise what to tell the user. Anything but a 2xx fails closed. */
    public String secondFactor(String userId, String code) {
        try {
            totpd.verify(new CodeRequest().userId(userId).code(code));
            return null;
        } catch (ApiException e) {
            if (e.isType("code-already-used")) {
                return "That code was used already: wait for the next one.";
            }
            if (e.isType("factor-locked")) {
                return "Too many wrong codes: try again in " + e.retryAfter().orElse(Duration.ofSeconds(30)).toSeconds() + " s.";
            }
            return e.isType("invalid-code") ? "That code is not right." : "Your code cannot be checked now: try again later.";
        }
    }
}
