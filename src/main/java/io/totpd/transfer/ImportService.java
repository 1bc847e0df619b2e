package io.totpd.transfer;

import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditEvents;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.core.Authenticator;
import io.totpd.core.Authenticators;
import io.totpd.core.Policy;
import io.totpd.core.SealedSecrets;
import io.totpd.core.TotpSecret;
import io.totpd.core.UserAccount;
import io.totpd.core.UserAccounts;
import io.totpd.TotpdConfig;
import io.totpd.db.Transactions;
import io.totpd.db.UserLock;
import io.totpd.problem.ProblemType;
import io.totpd.quota.TenantCaps;
import io.totpd.transfer.ImportEntries.Entry;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * {@code POST /import}: authenticators another system has already verified become active ones here,
 * with the replay state they had there, a batch of lines per transaction.
 *
 * <p>Each batch takes the locks of its users ({@link UserLock#lockAll}, in user-id order), reads what
 * they have, decides every line on that and on the lines before it, and writes the result in a few
 * round trips. A failure midway leaves every earlier batch committed, and since a line that is already
 * there is {@code unchanged}, running the same file again finishes the job. A dry run makes the same
 * decisions in transactions that are rolled back, so its report is the one the import would give
 * (but for a file that names the same user and name in two batches: the second is judged against a
 * first that the dry run did not keep).
 *
 * <p>A batch that adds authenticators also locks its tenant's usage row ({@link TenantCaps#room}, after
 * the users' locks): lines past the tenant's cap are errors ({@code quota-exceeded}), and the lines
 * before them are imported.
 *
 * <p>The replay rule crosses the move: the user's replay mark becomes at least the end of the last
 * time step the old system used ({@code lastUsedStep}, or the step of {@code lastUsedAt}), or, when
 * the file does not say, the step of the import, so that no code shown before the move is accepted
 * after it. The mark never moves back.
 */
@ApplicationScoped
public class ImportService {

    /** The error type of a line whose user has an authenticator of that name with another key. */
    static final String CONFLICT = "conflict";
    /** The error type of a new authenticator past the tenant's cap ({@code totpd.quota.max-authenticators}). */
    static final String QUOTA_EXCEEDED = "quota-exceeded";

    private static final Logger LOG = Logger.getLogger(ImportService.class);

    /** What a line whose name is taken by another key does: skipped as a conflict, or replaces that key. */
    public enum OnConflict { SKIP, REPLACE }

    private final UserAccounts users;
    private final Authenticators authenticators;
    private final SealedSecrets secrets;
    private final Policy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final Transactions transactions;
    private final UserLock userLock;
    private final int batchSize;
    private final TenantCaps tenantCaps;

    ImportService(UserAccounts users, Authenticators authenticators, SealedSecrets secrets, Policy policy,
            CurrentCaller caller, AuditTrail audit, Transactions transactions, UserLock userLock, TotpdConfig config,
            TenantCaps tenantCaps) {
        this.users = users;
        this.authenticators = authenticators;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.transactions = transactions;
        this.userLock = userLock;
        this.batchSize = config.imports().batchSize();
        this.tenantCaps = tenantCaps;
    }

    /**
     * Imports everything {@code source} yields, batch by batch, and reports what became of each line.
     *
     * @throws io.totpd.problem.ProblemException 400 when the file as a whole cannot be read (the
     *     batches before that point stay imported, and the detail says how many lines were read)
     */
    public ImportReport run(ImportSource source, OnConflict onConflict, boolean dryRun) {
        ImportReport.Tally tally = new ImportReport.Tally();
        List<Entry> batch = new ArrayList<>(batchSize);
        // Errors of lines read while a batch fills wait for it, so that the report lists every error
        // in file order, those found on reading and those the batch finds (conflicts) alike.
        List<ImportError> waiting = new ArrayList<>();
        Instant now = null;
        try {
            for (ImportItem item = source.next(); item != null; item = source.next()) {
                tally.processed++;
                if (batch.isEmpty() && waiting.isEmpty()) {
                    // Each batch is moved at its own time: its "step of the import" is now, not when the file began.
                    now = policy.now();
                }
                ImportItem checked = item instanceof Incoming incoming
                        ? ImportEntries.check(incoming, now, policy.maxDriftSteps) : item;
                if (checked instanceof ImportError error) {
                    waiting.add(error);
                } else {
                    batch.add((Entry) checked);
                }
                if (batch.size() == batchSize || waiting.size() == batchSize) {
                    apply(batch, waiting, onConflict, dryRun, now, tally);
                }
            }
            if (!batch.isEmpty() || !waiting.isEmpty()) {
                apply(batch, waiting, onConflict, dryRun, now, tally);
            }
        } catch (ImportFileException e) {
            LOG.warnf("Import by caller '%s' stopped after %d lines: %s", caller.get().name(), tally.processed, e.getMessage());
            throw ProblemType.INVALID_REQUEST.exception(e.getMessage() + " (after " + tally.processed + " lines or keys"
                    + (dryRun ? "" : ", which stay imported; fix the file and send it again: lines already imported come back unchanged") + ")");
        } finally {
            batch.forEach(entry -> Arrays.fill(entry.secret(), (byte) 0));
        }
        ImportReport report = tally.report();
        LOG.infof("Import by caller '%s'%s: %d processed, %d created, %d unchanged, %d replaced, %d conflicts, %d failed, "
                + "%d weak secrets", caller.get().name(), dryRun ? " (dry run, nothing written)" : "", report.processed(),
                report.created(), report.unchanged(), report.replaced(), report.conflicts(), report.failed(),
                report.weakSecrets());
        return report;
    }

    /**
     * One batch in one transaction (rolled back in a dry run); the tally learns its outcome only once
     * it is over, with the errors {@code waiting} since the batch began, in line order.
     */
    private void apply(List<Entry> batch, List<ImportError> waiting, OnConflict onConflict, boolean dryRun, Instant now,
            ImportReport.Tally tally) {
        try {
            BatchResult result = batch.isEmpty() ? new BatchResult()
                    : dryRun ? transactions.rehearse(() -> write(batch, onConflict, now))
                    : transactions.write(() -> write(batch, onConflict, now));
            tally.created += result.created;
            tally.unchanged += result.unchanged;
            tally.replaced += result.replaced;
            tally.weakSecrets += result.weakSecrets;
            waiting.addAll(result.errors);
            waiting.stream().sorted(java.util.Comparator.comparingLong(ImportError::line)).forEach(tally::error);
        } catch (RuntimeException e) {
            if (!dryRun && !batch.isEmpty() && tally.processed > batch.size()) {
                LOG.warnf("Import by caller '%s' failed after %d lines; the batches before line %d are imported, and the "
                        + "same file sent again finishes the job", caller.get().name(), tally.processed, batch.get(0).line());
            }
            throw e;
        } finally {
            batch.forEach(entry -> Arrays.fill(entry.secret(), (byte) 0));
            batch.clear();
            waiting.clear();
        }
    }

    /** What one batch did; built afresh by each try of its transaction. */
    private static final class BatchResult {
        long created;
        long unchanged;
        long replaced;
        long weakSecrets;
        final List<ImportError> errors = new ArrayList<>();
    }

    private BatchResult write(List<Entry> batch, OnConflict onConflict, Instant now) {
        String tenant = caller.tenant();
        List<String> userIds = batch.stream().map(Entry::userId).toList();
        userLock.lockAll(tenant, userIds);
        Map<String, UserAccount> found = users.findAll(tenant, userIds);
        Map<UUID, List<Authenticator>> owned = new HashMap<>();
        for (Authenticator a : authenticators.listAll(found.values().stream().map(user -> user.id).toList())) {
            owned.computeIfAbsent(a.userAccountId, id -> new ArrayList<>()).add(a);
        }
        List<UserAccount> added = new ArrayList<>();
        Set<UserAccount> changed = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Authenticator> inserted = new ArrayList<>();
        Set<Authenticator> updated = Collections.newSetFromMap(new IdentityHashMap<>());
        List<AuditEvents.Batch> events = new ArrayList<>();
        BatchResult result = new BatchResult();
        // How many more authenticators the tenant may have: read (and its usage row locked) at the first
        // new one, so that a batch of lines already there locks nothing of the tenant's.
        long room = -1;
        for (Entry entry : batch) {
            UserAccount user = found.get(entry.userId());
            if (user == null) {
                user = UserAccount.create(tenant, entry.userId(), now);
                found.put(user.userId, user);
                added.add(user);
            }
            List<Authenticator> all = owned.computeIfAbsent(user.id, id -> new ArrayList<>());
            // The pending enrollment of POST /enroll takes its name only once the others are gone.
            Authenticator named = all.stream().filter(a -> !a.replacesOthers && a.name.equals(entry.name())).findFirst()
                    .orElse(null);
            if (named != null && named.isActive() && holds(named, entry)) {
                result.unchanged++;
                result.weakSecrets += entry.weak() ? 1 : 0;
                // The same key again: nothing changes, unless the file moves its replay state on.
                if (entry.explicit() && raise(user, entry.replayMark())) {
                    changed.add(user);
                }
                continue;
            }
            if (named != null && onConflict == OnConflict.SKIP) {
                result.errors.add(new ImportError(entry.line(), entry.userId(), CONFLICT, "the user has an authenticator "
                        + "of this name with another secret or settings; send onConflict=replace to replace it"));
                continue;
            }
            if (named == null) {
                long kept = all.stream().filter(a -> !a.replacesOthers && !a.expiredAt(now)).count();
                if (kept >= policy.maxAuthenticators) {
                    result.errors.add(new ImportError(entry.line(), entry.userId(), "too-many-authenticators",
                            "the user has " + kept + " authenticators, the most allowed (totpd.authenticators.max-per-user)"));
                    continue;
                }
                if (room < 0) {
                    room = tenantCaps.room(tenant);
                }
                if (room == 0) {
                    result.errors.add(new ImportError(entry.line(), entry.userId(), QUOTA_EXCEEDED, "the tenant has as many "
                            + "authenticators as allowed (" + tenantCaps.authenticatorsSetting(tenant) + "); remove some, or "
                            + "have the cap raised, and send the file again"));
                    continue;
                }
                room--;
                named = Authenticator.newOf(user, entry.name());
                all.add(named);
                inserted.add(named);
                result.created++;
            } else {
                if (!inserted.contains(named)) {
                    updated.add(named);
                }
                result.replaced++;
            }
            take(named, entry, now);
            result.weakSecrets += entry.weak() ? 1 : 0;
            raise(user, entry.replayMark());
            changed.add(user);
            events.add(audit.batch(user.userId, named.id, null, List.of(AuditEvent.Type.IMPORTED), now));
        }
        // A new user whose every line was refused (the tenant's cap) is not made either.
        added.removeIf(user -> owned.get(user.id).isEmpty());
        added.forEach(changed::remove);
        users.insertAll(added);
        users.updateAll(List.copyOf(changed));
        authenticators.insertAll(inserted);
        authenticators.updateAll(List.copyOf(updated));
        audit.recordAll(events);
        return result;
    }

    /** Makes {@code a} the active authenticator the entry describes, its secret sealed as an active one. */
    private void take(Authenticator a, Entry entry, Instant now) {
        a.state = Authenticator.State.ACTIVE;
        a.replacesOthers = false;
        a.accountName = entry.accountName();
        a.secret = TotpSecret.withParametersOf(entry.totp());
        a.driftSteps = entry.driftSteps();
        a.createdAt = now;
        a.expiresAt = null;
        a.activatedAt = now;
        a.lastUsedAt = entry.lastUsedAt();
        a.weakSecret = entry.weak();
        secrets.seal(a, entry.secret());
    }

    /** Whether {@code a} already holds the entry's key and parameters. */
    private boolean holds(Authenticator a, Entry entry) {
        if (a.secret.algorithm != entry.totp().algorithm() || a.secret.digits != entry.totp().digits()
                || a.secret.periodSeconds != entry.totp().periodSeconds()) {
            return false;
        }
        byte[] stored = secrets.open(a);
        try {
            return MessageDigest.isEqual(stored, entry.secret());
        } finally {
            Arrays.fill(stored, (byte) 0);
        }
    }

    /** Moves the user's replay mark up to {@code mark}, never back; whether it moved. */
    private static boolean raise(UserAccount user, long mark) {
        if (user.replayMark != null && user.replayMark >= mark) {
            return false;
        }
        user.replayMark = mark;
        return true;
    }
}
