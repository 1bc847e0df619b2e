package io.totpd.transfer;

import java.io.Closeable;

/**
 * A stream of authenticators to import, read one at a time, so that no file is ever held whole.
 * Each item is an {@link Incoming} or, for a line or key the reader could not make sense of, an
 * {@link ImportError}; a fault of the whole file (not XML, a wrong key) is thrown instead.
 */
public interface ImportSource extends Closeable {

    /**
     * The next item, or null at the end.
     *
     * @throws ImportFileException the file as a whole cannot be read; nothing after this point is
     */
    ImportItem next();

    /** Releases the reader; the body itself belongs to the HTTP layer. */
    @Override
    void close();
}
