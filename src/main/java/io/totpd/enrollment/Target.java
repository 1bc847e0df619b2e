package io.totpd.enrollment;

import io.totpd.core.Authenticator;
import io.totpd.core.Checked;
import io.totpd.core.UserAccount;
import io.totpd.problem.ProblemException;
import io.totpd.problem.ProblemType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The pending authenticator an activation or a QR code is about, with its user, as read at one
 * moment: {@link #enrollment} is the one {@code POST /enroll} made, {@link #byId} one named by id.
 * Its failures are those of the call that asked: the original calls keep their problem types.
 */
record Target(boolean byId, UserAccount user, Authenticator authenticator, boolean hasActive) {

    static Target enrollment(UserAccount user, List<Authenticator> all) {
        return new Target(false, user, all.stream().filter(a -> a.replacesOthers).findFirst().orElse(null), anyActive(all));
    }

    static Target byId(UUID id, UserAccount user, List<Authenticator> all) {
        return new Target(true, user, all.stream().filter(a -> a.id.equals(id)).findFirst().orElse(null), anyActive(all));
    }

    static boolean anyActive(List<Authenticator> all) {
        return all.stream().anyMatch(Authenticator::isActive);
    }

    /** Whether activating it issues backup codes: it replaces the others, or it is the user's first. */
    boolean needsBackupCodes() {
        return authenticator != null && (authenticator.replacesOthers || !hasActive);
    }

    /** The step {@code code} activates it at, or why it cannot be activated. */
    Checked<Long> check(String code, Instant now, EnrollmentService service) {
        ProblemException unusable = unusable(now);
        return unusable != null ? Checked.failed(unusable) : service.firstCode(authenticator, code, now);
    }

    /** The pending authenticator, for its QR code: there is none once it is active. */
    Authenticator pending(Instant now) {
        if (authenticator == null || authenticator.isActive()) {
            throw byId ? ProblemType.AUTHENTICATOR_NOT_FOUND.exception("this user has no pending authenticator by this id")
                    : ProblemType.ENROLLMENT_NOT_FOUND.exception("this user has no pending enrollment");
        }
        if (authenticator.expiredAt(now)) {
            throw ProblemType.ENROLLMENT_EXPIRED.exception("the enrollment expired; enroll again");
        }
        return authenticator;
    }

    private ProblemException unusable(Instant now) {
        if (authenticator == null) {
            if (byId) {
                return ProblemType.AUTHENTICATOR_NOT_FOUND.exception("this user has no authenticator by this id");
            }
            return hasActive ? ProblemType.FACTOR_ALREADY_ACTIVE.exception("this user's factor is already active")
                    : ProblemType.ENROLLMENT_NOT_FOUND.exception("this user has no pending enrollment");
        }
        if (authenticator.isActive()) {
            return ProblemType.FACTOR_ALREADY_ACTIVE.exception("this authenticator is already active");
        }
        if (authenticator.expiredAt(now)) {
            return ProblemType.ENROLLMENT_EXPIRED.exception("the enrollment expired; enroll again");
        }
        return null;
    }
}
