package io.totpd.transfer;

import static io.totpd.transfer.PskcCrypto.PKCS5;
import static io.totpd.transfer.PskcCrypto.XMLDSIG;
import static io.totpd.transfer.PskcCrypto.XMLENC;
import static io.totpd.transfer.PskcCrypto.XMLENC11;

import java.io.InputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import javax.crypto.BadPaddingException;
import javax.xml.stream.XMLStreamConstants;

/**
 * The TOTP keys of an RFC 6030 PSKC (Portable Symmetric Key Container) file, read one
 * {@code <KeyPackage>} at a time: a hardware-token vendor's file holds tens of thousands, and neither
 * the file nor a tree of it is ever held.
 *
 * <p>The constructor reads the container's header, everything before the first KeyPackage: how the
 * values are encrypted (section 6.1, a pre-shared AES key named by {@code ds:KeyName}; section 6.2,
 * a key derived from a passphrase with PBKDF2) and the MACMethod with its encrypted MAC key (section
 * 6.1.1), decrypted once. {@link #next()} then yields, per KeyPackage, an {@link Incoming} or an
 * {@link ImportError} whose {@code type} is one of:
 * <ul>
 * <li>{@code unsupported-algorithm}: the key is not TOTP ({@code urn:ietf:params:xml:ns:keyprov:pskc:totp},
 *     or the drafts' {@code ...pskc#totp}): HOTP, OCRA, a PIN, none;
 * <li>{@code missing-user-id}: neither the Key nor its DeviceInfo has a UserId;
 * <li>{@code unsupported-response-format}: the codes are not plain decimal (an Encoding other than
 *     DECIMAL, or a CheckDigit);
 * <li>{@code missing-secret}: no Secret (a KeyReference, a key derived from the serial number), or no Key;
 * <li>{@code invalid-value}: a number that is not an integer, Base64 that does not decode, an encrypted
 *     value with no CipherValue or one that does not decrypt although its MAC matched, an element the
 *     schema allows once given twice;
 * <li>{@code mac-mismatch}: an encrypted value whose ValueMAC is missing or does not match, so that
 *     nothing of the key is decrypted;
 * <li>{@code unsupported-time-origin}: a non-zero {@code <Time>}, see below.
 * </ul>
 *
 * <p>{@code <Data><Time>} is, as RFC 6030 defines it, the time for time-based algorithms or, where they
 * count in intervals, the number of intervals passed since a start point the algorithm decides. Every
 * producer seen writes 0 for TOTP (the algorithm-profile draft's example, multiOTP, Feitian, LinOTP's
 * samples): the Unix epoch, the T0 this service counts steps from. What another value would mean is not
 * agreed (a T0, an offset in steps, the device's step count at issue), and all readings but one give
 * wrong codes, so a key with a non-zero Time is refused, as FreeIPA's importer does, rather than
 * imported to fail at every login.
 *
 * <p>Faults of the whole file are thrown as {@link ImportFileException}, from the constructor or from
 * {@code next()}: not well-formed, not a version 1.0 KeyContainer, a DTD, no key or passphrase for
 * encrypted values, a wrong one, an encryption, MAC or key derivation method other than those named
 * in {@link PskcCrypto}, a text or nesting past the bounds of {@link XmlCursor}.
 *
 * <p>The caller keeps, and zeroes, its key and passphrase arrays; this reader copies what it needs and
 * zeroes its copies on {@link #close()}. It logs nothing.
 */
public final class PskcReader implements ImportSource {

    static final String PSKC = "urn:ietf:params:xml:ns:keyprov:pskc";

    /** The registered URI, and the algorithm-profile drafts' spelling, which producers still write. */
    private static final Set<String> TOTP = Set.of(PSKC + ":totp", PSKC + "#totp");

    private final XmlCursor xml;
    private final PskcCrypto crypto;
    /** The line of a KeyPackage whose START_ELEMENT the header ended on; else -1. */
    private long pendingLine = -1;
    private boolean atEnd;
    private boolean closed;
    private ImportFileException failure;

    /**
     * Reads the header.
     *
     * @param xml the PSKC document; read, never closed
     * @param preSharedKey the AES key of a section 6.1 container (16, 24 or 32 bytes), or null
     * @param passphrase the passphrase of a section 6.2 container, or null
     * @throws ImportFileException the file cannot be read, or its values cannot be decrypted with what was given
     */
    public PskcReader(InputStream xml, byte[] preSharedKey, char[] passphrase) {
        this.xml = new XmlCursor(xml);
        try {
            this.crypto = readHeader().crypto(preSharedKey, passphrase);
        } catch (RuntimeException e) {
            this.xml.close();
            throw e;
        }
    }

    @Override
    public ImportItem next() {
        if (failure != null) {
            throw failure;
        }
        if (closed || atEnd) {
            return null;
        }
        try {
            long line = pendingLine;
            pendingLine = -1;
            while (line < 0) {
                if (!xml.nextChild(1)) {
                    finish();
                    return null;
                }
                if (xml.is(PSKC, "KeyPackage")) {
                    line = xml.startLine();
                } else {
                    // A ds:Signature or an extension: nothing this service uses.
                    xml.skipElement();
                }
            }
            return readKeyPackage(line);
        } catch (ImportFileException e) {
            failure = e;
            throw e;
        }
    }

    /** Reads past the root's end, so that anything malformed after it is still reported. */
    private void finish() {
        atEnd = true;
        while (xml.next() != XMLStreamConstants.END_DOCUMENT) {
            // Only white space, comments and processing instructions may follow the root.
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            xml.close();
            crypto.destroy();
        }
    }

    // --- The header -------------------------------------------------------------------------------

    private Header readHeader() {
        if (!xml.toRoot()) {
            throw new ImportFileException("the file has no root element");
        }
        if (!xml.is(PSKC, "KeyContainer")) {
            throw new ImportFileException("the file is not a PSKC KeyContainer (RFC 6030, namespace " + PSKC + ")");
        }
        if (!"1.0".equals(xml.attribute("Version"))) {
            throw new ImportFileException("the KeyContainer's Version is not 1.0, the only one RFC 6030 defines");
        }
        Header header = new Header();
        while (xml.nextChild(1)) {
            if (xml.is(PSKC, "KeyPackage")) {
                pendingLine = xml.startLine();
                return header;
            } else if (xml.is(PSKC, "EncryptionKey")) {
                readEncryptionKey(header);
            } else if (xml.is(PSKC, "MACMethod")) {
                readMacMethod(header);
            } else {
                xml.skipElement();
            }
        }
        finish();
        return header;
    }

    private void readEncryptionKey(Header header) {
        if (header.keyKind != null) {
            throw new ImportFileException("the container has more than one EncryptionKey");
        }
        header.keyKind = KeyKind.PRE_SHARED;
        boolean named = false;
        boolean derived = false;
        boolean asymmetric = false;
        boolean other = false;
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(XMLDSIG, "KeyName")) {
                named = true;
                xml.skipElement();
            } else if (xml.is(XMLENC11, "DerivedKey")) {
                derived = true;
                readDerivedKey(header);
            } else {
                asymmetric |= xml.is(XMLDSIG, "X509Data") || xml.is(XMLDSIG, "KeyValue");
                other = true;
                xml.skipElement();
            }
        }
        if (derived) {
            header.keyKind = KeyKind.DERIVED;
        } else if (asymmetric && !named) {
            header.keyKind = KeyKind.ASYMMETRIC;
        } else if (other && !named) {
            header.keyKind = KeyKind.UNSUPPORTED;
        }
    }

    private void readDerivedKey(Header header) {
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(XMLENC11, "KeyDerivationMethod")) {
                header.kdf = xml.attribute("Algorithm");
                int methodLevel = xml.depth();
                while (xml.nextChild(methodLevel)) {
                    if (xml.is(PKCS5, "PBKDF2-params") || xml.is(XMLENC11, "PBKDF2-params")) {
                        readPbkdf2Params(header);
                    } else {
                        xml.skipElement();
                    }
                }
            } else {
                // ReferenceList, MasterKeyName: names only, nothing to compute with.
                xml.skipElement();
            }
        }
    }

    private void readPbkdf2Params(Header header) {
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (isPbkdf2Param("Salt")) {
                int saltLevel = xml.depth();
                while (xml.nextChild(saltLevel)) {
                    if (isPbkdf2Param("Specified")) {
                        header.salt = xml.string();
                    } else {
                        header.saltElsewhere = true;
                        xml.skipElement();
                    }
                }
            } else if (isPbkdf2Param("IterationCount")) {
                header.iterations = xml.string();
            } else if (isPbkdf2Param("KeyLength")) {
                header.keyLength = xml.string();
            } else if (isPbkdf2Param("PRF")) {
                header.prf = xml.attribute("Algorithm");
                xml.skipElement();
            } else {
                xml.skipElement();
            }
        }
    }

    /**
     * The children of PBKDF2-params come in no namespace (RFC 6030 figure 7), in PKCS#5's, in xmlenc11's,
     * or in PSKC's where that is the default namespace: producers disagree, and the parent has already
     * said which schema this is.
     */
    private boolean isPbkdf2Param(String local) {
        String namespace = xml.namespaceUri();
        return local.equals(xml.localName()) && (namespace.isEmpty() || namespace.equals(PKCS5)
                || namespace.equals(XMLENC11) || namespace.equals(PSKC));
    }

    private void readMacMethod(Header header) {
        if (header.macMethod) {
            throw new ImportFileException("the container has more than one MACMethod");
        }
        header.macMethod = true;
        header.macAlgorithm = xml.attribute("Algorithm");
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(PSKC, "MACKey")) {
                header.macKey = new Value();
                readEncrypted(header.macKey);
            } else {
                // A MACKeyReference names a MAC key held elsewhere: refused below, for want of a MACKey.
                xml.skipElement();
            }
        }
    }

    private enum KeyKind { PRE_SHARED, DERIVED, ASYMMETRIC, UNSUPPORTED }

    /** What the header says; only ever Base64, names and numbers, no secret in the clear. */
    private static final class Header {
        KeyKind keyKind;
        String kdf;
        String salt;
        boolean saltElsewhere;
        String iterations;
        String keyLength;
        String prf;
        boolean macMethod;
        String macAlgorithm;
        Value macKey;

        PskcCrypto crypto(byte[] preSharedKey, char[] passphrase) {
            PskcCrypto crypto = keys(preSharedKey, passphrase);
            try {
                if (macMethod) {
                    if (macKey == null || macKey.cipher == null) {
                        throw new ImportFileException("the container's MACMethod carries no MACKey (a MAC key held"
                                + " elsewhere, by MACKeyReference, is not supported)");
                    }
                    byte[] encrypted = base64(macKey.cipher);
                    if (encrypted == null) {
                        throw new ImportFileException("the container's MACKey is not Base64");
                    }
                    crypto.useMac(macAlgorithm, macKey.method, encrypted);
                }
                return crypto;
            } catch (RuntimeException e) {
                crypto.destroy();
                throw e;
            }
        }

        private PskcCrypto keys(byte[] preSharedKey, char[] passphrase) {
            if (keyKind == null) {
                // No EncryptionKey: a plain container, or one whose key was agreed out of band.
                return new PskcCrypto(preSharedKey, PskcCrypto.Origin.PRE_SHARED);
            }
            switch (keyKind) {
                case PRE_SHARED -> {
                    if (preSharedKey == null) {
                        throw PskcCrypto.missingKey(PskcCrypto.Origin.PRE_SHARED);
                    }
                    return new PskcCrypto(preSharedKey, PskcCrypto.Origin.PRE_SHARED);
                }
                case DERIVED -> {
                    if (passphrase == null || passphrase.length == 0) {
                        throw PskcCrypto.missingKey(PskcCrypto.Origin.PASSPHRASE);
                    }
                    byte[] key = derive(passphrase);
                    try {
                        return new PskcCrypto(key, PskcCrypto.Origin.PASSPHRASE);
                    } finally {
                        Arrays.fill(key, (byte) 0);
                    }
                }
                case ASYMMETRIC -> throw new ImportFileException("this container's values are encrypted with an"
                        + " asymmetric (X.509) key, which this service does not support: export with a pre-shared key"
                        + " or a passphrase");
                default -> throw new ImportFileException("this container's EncryptionKey is of a kind this service"
                        + " does not support (only a pre-shared key by ds:KeyName, or a passphrase by PBKDF2)");
            }
        }

        private byte[] derive(char[] passphrase) {
            if (!(PKCS5 + "pbkdf2").equals(kdf) && !(XMLENC11 + "pbkdf2").equals(kdf)) {
                throw new ImportFileException("this container's key derivation method is not supported (only PBKDF2)");
            }
            if (salt == null || saltElsewhere) {
                throw new ImportFileException("the PBKDF2 parameters give no Salt/Specified");
            }
            byte[] saltBytes = base64(salt.toCharArray());
            if (saltBytes == null) {
                throw new ImportFileException("the PBKDF2 Salt is not Base64");
            }
            Integer iterationCount = integer(iterations);
            if (iterationCount == null) {
                throw new ImportFileException("the PBKDF2 IterationCount is missing or not an integer");
            }
            Integer keyBytes = integer(keyLength);
            if (keyBytes == null) {
                throw new ImportFileException("the PBKDF2 KeyLength is missing or not an integer");
            }
            return PskcCrypto.deriveKey(passphrase, saltBytes, iterationCount, keyBytes, prf);
        }
    }

    // --- One KeyPackage ---------------------------------------------------------------------------

    private ImportItem readKeyPackage(long line) {
        KeyPackage key = new KeyPackage(line);
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(PSKC, "DeviceInfo")) {
                readDeviceInfo(key);
            } else if (xml.is(PSKC, "Key")) {
                readKey(key);
            } else {
                xml.skipElement();
            }
        }
        try {
            return key.toItem(crypto);
        } finally {
            key.clear();
        }
    }

    private void readDeviceInfo(KeyPackage key) {
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(PSKC, "SerialNo")) {
                key.serialNo = key.once(key.serialNo, xml.string());
            } else if (xml.is(PSKC, "UserId")) {
                key.deviceUserId = key.once(key.deviceUserId, xml.string());
            } else {
                xml.skipElement();
            }
        }
    }

    private void readKey(KeyPackage key) {
        key.keys++;
        key.algorithm = xml.attribute("Algorithm");
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(PSKC, "UserId")) {
                key.userId = key.once(key.userId, xml.string());
            } else if (xml.is(PSKC, "FriendlyName")) {
                key.friendlyName = key.once(key.friendlyName, xml.string());
            } else if (xml.is(PSKC, "AlgorithmParameters")) {
                readAlgorithmParameters(key);
            } else if (xml.is(PSKC, "Data")) {
                readData(key);
            } else {
                xml.skipElement();
            }
        }
    }

    private void readAlgorithmParameters(KeyPackage key) {
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(PSKC, "Suite")) {
                key.suite = key.once(key.suite, xml.string());
            } else if (xml.is(PSKC, "ResponseFormat")) {
                key.length = key.once(key.length, xml.attribute("Length"));
                key.encoding = xml.attribute("Encoding");
                key.checkDigit = xml.attribute("CheckDigit");
                xml.skipElement();
            } else {
                xml.skipElement();
            }
        }
    }

    private void readData(KeyPackage key) {
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(PSKC, "Secret")) {
                if (key.secret != null) {
                    key.secret.clear();
                }
                key.secret = key.once(key.secret, readValue());
            } else if (xml.is(PSKC, "Time")) {
                key.time = key.once(key.time, readValue());
            } else if (xml.is(PSKC, "TimeInterval")) {
                key.interval = key.once(key.interval, readValue());
            } else if (xml.is(PSKC, "TimeDrift")) {
                key.drift = key.once(key.drift, readValue());
            } else {
                // Counter, for HOTP; an extension.
                xml.skipElement();
            }
        }
    }

    /** A child of {@code <Data>}: a PlainValue, or an EncryptedValue with its ValueMAC. */
    private Value readValue() {
        Value value = new Value();
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(PSKC, "PlainValue")) {
                value.repeated |= value.plain != null || value.encrypted;
                value.clear();
                value.plain = xml.text();
            } else if (xml.is(PSKC, "EncryptedValue")) {
                value.repeated |= value.plain != null || value.encrypted;
                value.encrypted = true;
                readEncrypted(value);
            } else if (xml.is(PSKC, "ValueMAC")) {
                value.repeated |= value.mac != null;
                value.mac = xml.text();
            } else {
                xml.skipElement();
            }
        }
        return value;
    }

    /** An xenc:EncryptedDataType: the EncryptionMethod's Algorithm and the CipherValue. */
    private void readEncrypted(Value value) {
        int level = xml.depth();
        while (xml.nextChild(level)) {
            if (xml.is(XMLENC, "EncryptionMethod")) {
                value.method = xml.attribute("Algorithm");
                xml.skipElement();
            } else if (xml.is(XMLENC, "CipherData")) {
                int dataLevel = xml.depth();
                while (xml.nextChild(dataLevel)) {
                    if (xml.is(XMLENC, "CipherValue")) {
                        value.repeated |= value.cipher != null;
                        value.cipher = xml.text();
                    } else {
                        // A CipherReference points at data elsewhere, which is never fetched.
                        xml.skipElement();
                    }
                }
            } else {
                xml.skipElement();
            }
        }
    }

    /** One value as the file gives it: Base64 and decimal text, not yet decoded, decrypted or checked. */
    private static final class Value {
        char[] plain;
        boolean encrypted;
        String method;
        char[] cipher;
        char[] mac;
        boolean repeated;

        void clear() {
            if (plain != null) {
                Arrays.fill(plain, '\0');
            }
        }
    }

    /** The fields of one KeyPackage this service uses, and their checks in the order that decrypts least. */
    private static final class KeyPackage {
        final long line;
        int keys;
        boolean repeated;
        String algorithm;
        String userId;
        String deviceUserId;
        String friendlyName;
        String serialNo;
        String suite;
        String length;
        String encoding;
        String checkDigit;
        Value secret;
        Value time;
        Value interval;
        Value drift;

        KeyPackage(long line) {
            this.line = line;
        }

        <T> T once(T previous, T value) {
            repeated |= previous != null;
            return value;
        }

        ImportItem toItem(PskcCrypto crypto) {
            // RFC 6030 puts the user in the Key, or, for a device with one user, in its DeviceInfo.
            String user = present(userId) != null ? present(userId) : present(deviceUserId);
            if (keys == 0) {
                return error(user, "missing-secret", "the key package holds no Key");
            }
            if (keys > 1 || repeated || repeated(secret) || repeated(time) || repeated(interval) || repeated(drift)) {
                return error(user, "invalid-value", "the key package gives an element twice that RFC 6030 allows once");
            }
            if (algorithm == null || !TOTP.contains(algorithm)) {
                return error(user, "unsupported-algorithm", "only TOTP keys can be imported; this key is "
                        + describe(algorithm));
            }
            if (user == null) {
                return error(null, "missing-user-id", "the key has no UserId");
            }
            if (encoding != null && !encoding.equals("DECIMAL")) {
                return error(user, "unsupported-response-format", "the key's codes are not decimal (ResponseFormat"
                        + " Encoding is not DECIMAL)");
            }
            if (checkDigit != null && (checkDigit.equals("true") || checkDigit.equals("1"))) {
                return error(user, "unsupported-response-format", "the key's codes end in a Luhn check digit, which"
                        + " this service does not compute");
            }
            Integer digits = null;
            if (length != null && (digits = integer(length)) == null) {
                return error(user, "invalid-value", "the ResponseFormat Length is not an integer");
            }
            if (secret == null) {
                return error(user, "missing-secret", "the key carries no Secret (a KeyReference or a key derived"
                        + " elsewhere cannot be imported)");
            }
            ImportError invalid = check("Secret", secret, user);
            invalid = invalid != null ? invalid : check("Time", time, user);
            invalid = invalid != null ? invalid : check("TimeInterval", interval, user);
            invalid = invalid != null ? invalid : check("TimeDrift", drift, user);
            if (invalid != null) {
                return invalid;
            }
            ImportError unauthentic = macMismatch(crypto, "Secret", secret, user);
            unauthentic = unauthentic != null ? unauthentic : macMismatch(crypto, "Time", time, user);
            unauthentic = unauthentic != null ? unauthentic : macMismatch(crypto, "TimeInterval", interval, user);
            unauthentic = unauthentic != null ? unauthentic : macMismatch(crypto, "TimeDrift", drift, user);
            if (unauthentic != null) {
                return unauthentic;
            }
            // Every MAC has matched: only now is anything decrypted.
            byte[] timeValue = decrypted(crypto, time);
            byte[] intervalValue = decrypted(crypto, interval);
            byte[] driftValue = decrypted(crypto, drift);
            if ((time != null && time.encrypted && timeValue == null)
                    || (interval != null && interval.encrypted && intervalValue == null)
                    || (drift != null && drift.encrypted && driftValue == null)) {
                return error(user, "invalid-value", "a time value does not decrypt although its MAC matched");
            }
            Long timeOrigin = number(time, timeValue);
            Long period = number(interval, intervalValue);
            Long driftSteps = number(drift, driftValue);
            if ((time != null && timeOrigin == null) || (interval != null && !isInt(period))
                    || (drift != null && !isInt(driftSteps))) {
                return error(user, "invalid-value", "Time, TimeInterval or TimeDrift is not an integer");
            }
            if (timeOrigin != null && timeOrigin != 0) {
                return error(user, "unsupported-time-origin", "the key's Time is not 0: its codes would count time"
                        + " steps from another origin than the Unix epoch, which this service cannot");
            }
            byte[] secretValue = secret.encrypted ? decrypted(crypto, secret) : base64(secret.plain);
            if (secretValue == null) {
                return error(user, "invalid-value", secret.encrypted
                        ? "the Secret does not decrypt although its MAC matched"
                        : "the Secret is not Base64");
            }
            String name = present(friendlyName) != null ? present(friendlyName)
                    : present(serialNo) != null ? "Token " + present(serialNo) : null;
            return new Incoming(line, user, name, null, secretValue, present(suite), digits,
                    period == null ? null : period.intValue(), null, null,
                    driftSteps == null ? null : driftSteps.intValue());
        }

        private static boolean repeated(Value value) {
            return value != null && value.repeated;
        }

        /** What can be told of a value without its key: is it there at all, in a form this reader takes. */
        private ImportError check(String field, Value value, String user) {
            if (value == null) {
                return null;
            }
            if (value.plain == null && !value.encrypted) {
                return error(user, "invalid-value", "the " + field + " has neither a PlainValue nor an EncryptedValue");
            }
            if (value.encrypted && value.cipher == null) {
                return error(user, "invalid-value", "the " + field + "'s EncryptedValue has no CipherValue (a"
                        + " CipherReference is never followed)");
            }
            return null;
        }

        /** Section 6.1.1, for a value that is encrypted: a missing or different ValueMAC is a mismatch. */
        private ImportError macMismatch(PskcCrypto crypto, String field, Value value, String user) {
            if (value == null || !value.encrypted) {
                return null;
            }
            crypto.requireUsable(value.method);
            if (!crypto.hasMac()) {
                throw new ImportFileException("this container's values are encrypted but it declares no MACMethod:"
                        + " RFC 6030 section 6.1.1 requires a MAC with CBC, and unauthenticated values are not"
                        + " decrypted");
            }
            if (value.mac == null) {
                return error(user, "mac-mismatch", "the " + field + " is encrypted but carries no ValueMAC");
            }
            byte[] cipher = base64(value.cipher);
            if (cipher == null) {
                return error(user, "invalid-value", "the " + field + "'s CipherValue is not Base64");
            }
            byte[] mac = base64(value.mac);
            if (!crypto.macMatches(cipher, mac)) {
                return error(user, "mac-mismatch", "the " + field + "'s ValueMAC does not match: the value was"
                        + " altered, or the MAC key is not the one it was made with");
            }
            return null;
        }

        /** An EncryptedValue's plaintext, whose MAC has matched; null if the value is plain, or does not decrypt. */
        private static byte[] decrypted(PskcCrypto crypto, Value value) {
            if (value == null || !value.encrypted) {
                return null;
            }
            try {
                return crypto.decrypt(value.method, base64(value.cipher));
            } catch (BadPaddingException e) {
                return null;
            }
        }

        /**
         * An integer value: a PlainValue's decimal text, or an EncryptedValue's plaintext as an unsigned
         * big-endian number, as multiOTP and python-pskc write it; null if it is neither.
         */
        private static Long number(Value value, byte[] decrypted) {
            if (value == null) {
                return null;
            }
            if (!value.encrypted) {
                try {
                    return Long.parseLong(new String(value.plain));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
            if (decrypted.length == 0 || decrypted.length > 4) {
                return null;
            }
            long number = 0;
            for (byte b : decrypted) {
                number = (number << 8) | (b & 0xff);
            }
            return number;
        }

        private static boolean isInt(Long number) {
            return number != null && number >= Integer.MIN_VALUE && number <= Integer.MAX_VALUE;
        }

        private ImportError error(String user, String type, String detail) {
            return new ImportError(line, user, type, detail);
        }

        /** Zeroes the plain Base64 of the secret, which is all of it in the clear this object ever holds. */
        void clear() {
            if (secret != null) {
                secret.clear();
            }
        }
    }

    /** Names the algorithm of a key that is not TOTP, without echoing the file. */
    private static String describe(String algorithm) {
        if (algorithm == null || algorithm.isEmpty()) {
            return "of no named algorithm";
        }
        String lower = algorithm.toLowerCase(Locale.ROOT);
        if (lower.endsWith("hotp")) {
            return "HOTP";
        }
        if (lower.contains("ocra")) {
            return "OCRA";
        }
        if (lower.endsWith(":pin") || lower.endsWith("#pin")) {
            return "a PIN";
        }
        return "of another algorithm";
    }

    private static String present(String text) {
        return text == null || text.isEmpty() ? null : text;
    }

    private static Integer integer(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Base64 with XML white space anywhere (the RFC's figures break lines inside values); null if it is
     * not Base64. Its intermediate copies are zeroed, as the text may be a secret.
     */
    static byte[] base64(char[] text) {
        if (text == null) {
            return null;
        }
        byte[] ascii = new byte[text.length];
        int length = 0;
        try {
            for (char c : text) {
                if (XmlCursor.isXmlSpace(c)) {
                    continue;
                }
                if (c > 0x7f) {
                    return null;
                }
                ascii[length++] = (byte) c;
            }
            byte[] exact = Arrays.copyOf(ascii, length);
            try {
                return Base64.getDecoder().decode(exact);
            } catch (IllegalArgumentException e) {
                return null;
            } finally {
                Arrays.fill(exact, (byte) 0);
            }
        } finally {
            Arrays.fill(ascii, (byte) 0);
        }
    }
}
