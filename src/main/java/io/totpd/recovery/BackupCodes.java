package io.totpd.recovery;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Backup codes in Crockford Base32, shown as {@code XXXX-XXXX-XXXX}. The first character is the
 * code's tag, distinct within a set and stored in clear, so a redemption needs one Argon2id
 * computation, not one per code; the other eleven characters are the secret: 55 bits from
 * SecureRandom (REQUIREMENTS 13 asks for 50).
 */
public final class BackupCodes {

    public static final int COUNT = 10;
    static final int LENGTH = 12;
    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private BackupCodes() {
    }

    /** A new set of {@link #COUNT} normalised codes with distinct tags. */
    public static List<String> generate() {
        List<Character> tags = new ArrayList<>();
        for (char c : ALPHABET.toCharArray()) {
            tags.add(c);
        }
        Collections.shuffle(tags, RANDOM);
        List<String> codes = new ArrayList<>(COUNT);
        for (int i = 0; i < COUNT; i++) {
            StringBuilder code = new StringBuilder(LENGTH).append(tags.get(i));
            for (int j = 1; j < LENGTH; j++) {
                code.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
            }
            codes.add(code.toString());
        }
        return codes;
    }

    /** The tag of a normalised code. */
    public static char tag(String code) {
        return code.charAt(0);
    }

    /** {@code XXXX-XXXX-XXXX}, the form handed to people. */
    public static String display(String code) {
        return code.substring(0, 4) + "-" + code.substring(4, 8) + "-" + code.substring(8);
    }

    /**
     * What a person typed, as a code: case, spaces and hyphens do not matter, and the letters that
     * Crockford's alphabet leaves out for looking like digits are read as those digits. Only ASCII is
     * read: Unicode case mapping would turn the dotless {@code ı} into {@code I} and the long
     * {@code ſ} into {@code S}, so anything outside ASCII makes the input no code at all.
     */
    public static Optional<String> normalise(String input) {
        if (input == null) {
            return Optional.empty();
        }
        StringBuilder code = new StringBuilder(LENGTH);
        for (int i = 0; i < input.length(); i++) {
            char c = input.charAt(i);
            if (c > 0x7F) {
                return Optional.empty();
            }
            if (c >= 'a' && c <= 'z') {
                c = (char) (c - ('a' - 'A'));
            }
            switch (c) {
                case ' ', '-' -> {
                }
                case 'O' -> code.append('0');
                case 'I', 'L' -> code.append('1');
                default -> {
                    if (ALPHABET.indexOf(c) < 0) {
                        return Optional.empty();
                    }
                    code.append(c);
                }
            }
        }
        return code.length() == LENGTH ? Optional.of(code.toString()) : Optional.empty();
    }
}
