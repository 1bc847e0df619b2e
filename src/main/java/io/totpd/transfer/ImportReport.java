package io.totpd.transfer;

import java.util.ArrayList;
import java.util.List;

/**
 * The answer of {@code POST /import}, the same for a dry run: how many lines or keys were read
 * ({@code processed}) and what became of them. Every one is counted once, in {@code created},
 * {@code unchanged}, {@code replaced}, {@code conflicts} or {@code failed}; {@code weakSecrets} counts
 * those of the first three whose secret has fewer than 128 bits. {@code errors} names each conflict
 * and failure, the first {@value #MAX_ERRORS} of them; {@code errorsOmitted} counts the rest.
 */
public record ImportReport(long processed, long created, long unchanged, long replaced, long conflicts, long failed,
        long weakSecrets, List<ImportError> errors, long errorsOmitted) {

    static final int MAX_ERRORS = 1000;

    /** Counts as an import goes; one per request, never shared between threads. */
    static final class Tally {
        long processed;
        long created;
        long unchanged;
        long replaced;
        long conflicts;
        long failed;
        long weakSecrets;
        long errorsOmitted;
        final List<ImportError> errors = new ArrayList<>();

        void error(ImportError error) {
            if (error.type().equals(ImportService.CONFLICT)) {
                conflicts++;
            } else {
                failed++;
            }
            if (errors.size() < MAX_ERRORS) {
                errors.add(error);
            } else {
                errorsOmitted++;
            }
        }

        ImportReport report() {
            return new ImportReport(processed, created, unchanged, replaced, conflicts, failed, weakSecrets,
                    List.copyOf(errors), errorsOmitted);
        }
    }
}
