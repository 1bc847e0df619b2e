package io.totpd.portal.pages;

import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.totpd.client.ApiException;
import io.totpd.client.api.AuthenticatorsApi;
import io.totpd.client.api.EnrollmentApi;
import io.totpd.client.model.ActivateRequest;
import io.totpd.client.model.Activation;
import io.totpd.client.model.AddAuthenticatorRequest;
import io.totpd.client.model.CodeRequest;
import io.totpd.client.model.EnrollRequest;
import io.totpd.client.model.Enrollment;
import io.totpd.client.model.NewAuthenticator;
import io.totpd.portal.session.SessionIdentityProvider;
import io.totpd.portal.twofactor.Problems;
import io.totpd.portal.twofactor.Problems.Problem;
import io.totpd.portal.twofactor.TotpdApis;
import io.totpd.portal.users.User;
import io.totpd.portal.users.Users;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestPath;

/**
 * Turning 2FA on and managing phones. Setting up a phone is two requests: the first asks totpd for a
 * secret and shows its QR code (through the signed {@code qrCodeUrl}, which the browser loads from
 * totpd without any key) and its manual entry key; the second sends the first code the app shows.
 * The portal never stores the secret: when a code is wrong, the page is shown again from the QR link
 * and key the form sent back.
 */
@Authenticated
@Path("/")
public class TwoFactorPages {

    /**
     * A phone being set up.
     *
     * @param action         where the code is posted
     * @param qrImage        the {@code <img>} address: totpd's public URL and the signed QR link
     * @param qrCodeUrl      the signed QR link alone, sent back with the code
     * @param manualEntryKey the secret in Base32, in groups of four
     */
    record setup(String heading, String action, String qrImage, String qrCodeUrl, String manualEntryKey,
                 String error) implements TemplateInstance {
    }

    record backupCodes(List<String> codes) implements TemplateInstance {
    }

    record failed(String message) implements TemplateInstance {
    }

    private static final Pattern MANUAL_ENTRY_KEY = Pattern.compile("[A-Z2-7]{4}( [A-Z2-7]{1,4}){0,31}");

    private final SecurityIdentity identity;
    private final Users users;
    private final EnrollmentApi enrollment;
    private final AuthenticatorsApi authenticators;
    private final TotpdApis totpd;

    TwoFactorPages(SecurityIdentity identity, Users users, EnrollmentApi enrollment, AuthenticatorsApi authenticators,
                   TotpdApis totpd) {
        this.identity = identity;
        this.users = users;
        this.enrollment = enrollment;
        this.authenticators = authenticators;
        this.totpd = totpd;
    }

    /** Turns 2FA on, step 1: a new secret for the first phone. */
    @POST
    @Path("two-factor")
    public Response start() {
        User user = user();
        try {
            Enrollment started = enrollment.enroll(new EnrollRequest().userId(user.totpdUserId()).accountName(user.email()));
            return Forms.page(200, firstPhone(started.getQrCodeUrl(), started.getManualEntryKey(), null));
        } catch (ApiException e) {
            return failure(Problems.of(e));
        }
    }

    /** Turns 2FA on, step 2: the first code; shows the backup codes, this once. */
    @POST
    @Path("two-factor/activate")
    public Response activate(@RestForm String code, @RestForm String qrCodeUrl, @RestForm String manualEntryKey) {
        User user = user();
        Activation activation;
        try {
            activation = enrollment.activate(new CodeRequest().userId(user.totpdUserId()).code(Forms.orEmpty(code)));
        } catch (ApiException e) {
            Problem problem = Problems.of(e);
            return again(problem, qrCodeUrl, manualEntryKey, (link, key) -> firstPhone(link, key, problem.message()));
        }
        users.setTwoFactor(user.id(), true);
        return Forms.page(200, new backupCodes(List.copyOf(activation.getBackupCodes())));
    }

    /** Adds a phone beside the others, step 1. */
    @POST
    @Path("phones")
    public Response addPhone(@RestForm String name) {
        User user = user();
        String phoneName = Forms.orEmpty(name);
        if (!Forms.isPhoneName(phoneName)) {
            return failure(new Problem("invalid-name", 400, OptionalLong.empty()),
                    "Give the phone a name of 1 to 64 characters, such as \"Work phone\".");
        }
        try {
            NewAuthenticator added = authenticators.addAuthenticator(user.totpdUserId(),
                    new AddAuthenticatorRequest().name(phoneName).accountName(user.email()));
            return Forms.page(200, otherPhone(added.getAuthenticatorId(), added.getName(), added.getQrCodeUrl(),
                    added.getManualEntryKey(), null));
        } catch (ApiException e) {
            return failure(Problems.of(e));
        }
    }

    /** Adds a phone, step 2: its first code. */
    @POST
    @Path("phones/{id}/activate")
    public Response activatePhone(@RestPath UUID id, @RestForm String name, @RestForm String code,
                                  @RestForm String qrCodeUrl, @RestForm String manualEntryKey) {
        User user = user();
        try {
            authenticators.activateAuthenticator(user.totpdUserId(), id, new ActivateRequest().code(Forms.orEmpty(code)));
        } catch (ApiException e) {
            Problem problem = Problems.of(e);
            String phoneName = Forms.isPhoneName(name) ? name : "your phone";
            return again(problem, qrCodeUrl, manualEntryKey,
                    (link, key) -> otherPhone(id, phoneName, link, key, problem.message()));
        }
        return Forms.redirect("/account?done=phone-added");
    }

    /** Removes a phone: its codes stop working at once. */
    @POST
    @Path("phones/{id}/remove")
    public Response removePhone(@RestPath UUID id) {
        try {
            authenticators.removeAuthenticator(user().totpdUserId(), id);
        } catch (ApiException e) {
            return failure(Problems.of(e));
        }
        return Forms.redirect("/account?done=phone-removed");
    }

    private setup firstPhone(String qrCodeUrl, String manualEntryKey, String error) {
        return new setup("Turn on two-factor sign-in", "/two-factor/activate", totpd.qrImageUrl(qrCodeUrl), qrCodeUrl,
                manualEntryKey, error);
    }

    private setup otherPhone(UUID id, String name, String qrCodeUrl, String manualEntryKey, String error) {
        return new setup("Add " + name, "/phones/" + id + "/activate", totpd.qrImageUrl(qrCodeUrl), qrCodeUrl,
                manualEntryKey, error);
    }

    // A wrong first code: the same QR code and key again, if the form sent back what totpd gave; an
    // expired one, or a form that was tampered with: start again.
    private Response again(Problem problem, String qrCodeUrl, String manualEntryKey,
                           BiFunction<String, String, setup> page) {
        boolean sameSetup = problem.type().equals("invalid-code") || problem.type().equals("code-already-used")
                || problem.type().equals("invalid-request");
        if (sameSetup && qrCodeUrl != null && manualEntryKey != null && MANUAL_ENTRY_KEY.matcher(manualEntryKey).matches()) {
            try {
                return Forms.page(problem.status(), page.apply(qrCodeUrl, manualEntryKey));
            } catch (IllegalArgumentException notALink) {
                // fall through: start again
            }
        }
        return failure(problem);
    }

    private Response failure(Problem problem) {
        return failure(problem, problem.message());
    }

    private Response failure(Problem problem, String message) {
        return Forms.page(problem.status(), new failed(message));
    }

    private User user() {
        return identity.getAttribute(SessionIdentityProvider.USER);
    }
}
