package io.totpd.transfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.totpd.TotpdConfig;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditEvents;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.core.Authenticator;
import io.totpd.core.Policy;
import io.totpd.core.SealedSecrets;
import io.totpd.core.UserAccounts;
import io.totpd.core.UserAccounts.SignIn;
import io.totpd.db.Transactions;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import io.totpd.otp.Totp;
import io.totpd.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * {@code POST /export}: every active authenticator of the tenant (or of the users named), one line
 * each, sealed to the caller's recipient key. The plaintext of a line is exactly one line of
 * {@code POST /import}, so the export of one instance, decrypted, is the import of another, replay
 * state included.
 *
 * <p>Users are read a page at a time in user-id order, from one snapshot of the tenant (a cursor,
 * {@link UserAccounts#tenant}), so a tenant of any size streams with bounded memory. Each page's {@code exported} events commit before its lines are
 * written: no secret leaves without its record.
 */
@ApplicationScoped
public class ExportService {

    /** Rows per page (a user's authenticators are never split): some 500 lines of JWE, 350 KB, per round trip. */
    static final int PAGE_ROWS = 500;

    private static final Logger LOG = Logger.getLogger(ExportService.class);

    /** One line of {@code POST /import}, as {@link NdjsonReader} reads it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Line(String userId, String name, String otpauthUri, Long lastUsedStep) {
    }

    private final UserAccounts users;
    private final SealedSecrets secrets;
    private final Policy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final Transactions transactions;
    private final ObjectMapper json;
    private final boolean enabled;

    ExportService(UserAccounts users, SealedSecrets secrets, Policy policy, CurrentCaller caller, AuditTrail audit,
            Transactions transactions, ObjectMapper json, TotpdConfig config) {
        this.users = users;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.transactions = transactions;
        this.json = json;
        this.enabled = config.export().enabled();
    }

    /**
     * Checks everything that can be checked before the first byte, then returns the stream.
     *
     * @throws io.totpd.problem.ProblemException 403 {@code export-disabled} unless
     *     {@code totpd.export.enabled}; 400 for a recipient key that cannot be used
     */
    public StreamingOutput export(Map<String, Object> jwk, List<String> userIds) {
        if (!enabled) {
            throw ProblemType.EXPORT_DISABLED.exception("this instance does not export (totpd.export.enabled is false)");
        }
        Recipient recipient = Recipient.of(jwk);
        // The request's caller and id, taken now: the stream is written after this method returns.
        String tenant = caller.tenant();
        String callerName = caller.get().name();
        AuditTrail.Stamp stamp = audit.stamp(policy.now());
        List<String> named = userIds == null ? null : userIds.stream().distinct().sorted().toList();
        LOG.warnf("Export of %s of tenant %s to caller '%s' started: every secret in it leaves this service, "
                + "sealed to the recipient key", named == null ? "all users" : named.size() + " users", tenant, callerName);
        return out -> stream(out, recipient, tenant, stamp, named);
    }

    private void stream(OutputStream out, Recipient recipient, String tenant, AuditTrail.Stamp stamp, List<String> named)
            throws IOException {
        long[] counts = new long[2];
        if (named == null) {
            try (UserAccounts.TenantCursor cursor = users.tenant(tenant)) {
                for (List<SignIn> page = cursor.next(PAGE_ROWS); !page.isEmpty(); page = cursor.next(PAGE_ROWS)) {
                    write(page, out, recipient, stamp, counts);
                }
            }
        } else {
            for (int from = 0; from < named.size(); from += PAGE_ROWS) {
                List<String> slice = named.subList(from, Math.min(named.size(), from + PAGE_ROWS));
                write(transactions.read(() -> users.named(tenant, slice)), out, recipient, stamp, counts);
            }
        }
        out.flush();
        AuditTrail.Stamp end = stamp.at(policy.now());
        transactions.write(() -> {
            audit.recordAll(List.of(new AuditEvents.Batch(end, null, null, null, List.of(AuditEvent.Type.EXPORT))));
            return null;
        });
        LOG.warnf("Export of tenant %s to caller '%s' finished: %d users, %d authenticators", tenant, stamp.caller(),
                counts[0], counts[1]);
    }

    /**
     * Writes the lines of the page's users that have an active authenticator, after their
     * {@code exported} events have committed; adds to {@code counts} (users, lines).
     */
    private void write(List<SignIn> page, OutputStream out, Recipient recipient, AuditTrail.Stamp stamp, long[] counts)
            throws IOException {
        List<SignIn> exported = page.stream().filter(signIn -> !signIn.active().isEmpty()).toList();
        if (exported.isEmpty()) {
            return;
        }
        AuditTrail.Stamp now = stamp.at(policy.now());
        List<AuditEvents.Batch> events = new ArrayList<>(exported.size());
        for (SignIn signIn : exported) {
            events.add(new AuditEvents.Batch(now, signIn.user().userId, null, null, List.of(AuditEvent.Type.EXPORTED)));
        }
        transactions.write(() -> {
            audit.recordAll(events);
            return null;
        });
        for (SignIn signIn : exported) {
            for (Authenticator a : signIn.active()) {
                out.write(recipient.seal(plaintext(a, signIn.user().replayMark)).getBytes(StandardCharsets.US_ASCII));
                out.write('\n');
                counts[1]++;
            }
        }
        counts[0] += exported.size();
    }

    /** The import line of one authenticator: its key as an otpauth URI, and the user's replay mark in its period. */
    private byte[] plaintext(Authenticator a, Long replayMark) throws JsonProcessingException {
        Totp totp = a.secret.totp();
        byte[] secret = secrets.open(a);
        try {
            String account = a.accountName == null ? a.userId : a.accountName;
            String uri = KeyUri.totp(policy.issuer, account, Base32.encode(secret), totp);
            return json.writeValueAsBytes(new Line(a.userId, a.name, uri, totp.lastUsedStep(replayMark)));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
