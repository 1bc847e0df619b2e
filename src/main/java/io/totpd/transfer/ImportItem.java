package io.totpd.transfer;

/**
 * What one line or key of an import becomes: {@link Incoming} as read, {@link ImportEntries.Entry}
 * once checked, or an {@link ImportError} at either stage.
 */
public sealed interface ImportItem permits Incoming, ImportError, ImportEntries.Entry {

    /** Where it starts in the file, from 1. */
    long line();
}
