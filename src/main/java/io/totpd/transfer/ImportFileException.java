package io.totpd.transfer;

/**
 * The import file as a whole cannot be read (not XML, a DTD, a wrong key or passphrase, past a size
 * limit); answered 400. Its message is shown to the caller, so it never holds a secret or file content.
 */
public class ImportFileException extends RuntimeException {

    public ImportFileException(String message) {
        super(message);
    }

    public ImportFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
