package io.totpd.transfer;

/** What an {@link ImportSource} yields per line or key: an {@link Incoming} authenticator, or an {@link ImportError}. */
public sealed interface ImportItem permits Incoming, ImportError {

    /** Where it starts in the file, from 1. */
    long line();
}
