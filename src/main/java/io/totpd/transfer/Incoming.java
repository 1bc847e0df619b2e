package io.totpd.transfer;

import java.time.Instant;

/**
 * One authenticator as an import source describes it (an NDJSON line, a PSKC key package), before
 * anything about it is checked: what {@link ImportEntries#check} turns into an entry or an error line.
 * A reader fills what its format says and leaves the rest null; {@code secret} is the raw key, for
 * the importer to zero once sealed.
 *
 * @param line where it starts in the file, from 1 (an NDJSON line; the line of a PSKC {@code <KeyPackage>})
 * @param algorithm an HMAC name as the source spells it ({@code SHA1}, {@code HMAC-SHA256}, ...); null means SHA1
 * @param digits null means 6
 * @param periodSeconds the time step in seconds; null means 30
 * @param lastUsedStep the last time step the old system accepted, in steps of {@code periodSeconds} since the Unix epoch
 * @param lastUsedAt when the old system last accepted a code; its time step counts as used
 * @param driftSteps where the device's codes last matched, in steps from server time (PSKC {@code <TimeDrift>})
 */
public record Incoming(long line, String userId, String name, String accountName, byte[] secret, String algorithm,
        Integer digits, Integer periodSeconds, Long lastUsedStep, Instant lastUsedAt, Integer driftSteps) implements ImportItem {
}
