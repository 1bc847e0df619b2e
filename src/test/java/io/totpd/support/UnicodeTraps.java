package io.totpd.support;

import java.util.List;

/**
 * Characters that are not ASCII but that Unicode case mapping, compatibility folding or a lenient
 * digit parser turns into ASCII letters, digits or spaces: each must be refused wherever the API
 * documents an ASCII alphabet.
 */
public final class UnicodeTraps {

    /** Each trap, with what a lenient normaliser would read it as. */
    public record Trap(String text, String readAs, String name) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static final List<Trap> ALL = List.of(
            new Trap("\u0131", "I", "U+0131 dotless i (upper-cases to I)"),
            new Trap("\u0130", "I", "U+0130 I with dot above (lower-cases to i + combining dot)"),
            new Trap("\u017F", "S", "U+017F long s (upper-cases to S)"),
            new Trap("\u212A", "K", "U+212A Kelvin sign (lower-cases to k)"),
            new Trap("\u212B", "A", "U+212B Angstrom sign"),
            new Trap("\uFB00", "FF", "U+FB00 ligature ff (upper-cases to FF)"),
            new Trap("\uFB01", "FI", "U+FB01 ligature fi"),
            new Trap("\uFB02", "FL", "U+FB02 ligature fl"),
            new Trap("\uFB05", "ST", "U+FB05 ligature long s t (upper-cases to ST)"),
            new Trap("\uFB06", "ST", "U+FB06 ligature st"),
            new Trap("\uFF11", "1", "U+FF11 fullwidth digit one"),
            new Trap("\uFF21", "A", "U+FF21 fullwidth A"),
            new Trap("\uFF41", "A", "U+FF41 fullwidth a"),
            new Trap("\u0661", "1", "U+0661 Arabic-Indic digit one"),
            new Trap("\u06F1", "1", "U+06F1 extended Arabic-Indic digit one"),
            new Trap("\u0967", "1", "U+0967 Devanagari digit one"),
            new Trap("\uD835\uDFCF", "1", "U+1D7CF mathematical bold digit one"),
            new Trap("\u2460", "1", "U+2460 circled digit one"),
            new Trap("\u00B9", "1", "U+00B9 superscript one"),
            new Trap("A\u0301", "A", "A + U+0301 combining acute"),
            new Trap("\u0300", "", "U+0300 combining grave alone"),
            new Trap("\u00A0", " ", "U+00A0 no-break space"),
            new Trap("\u2007", " ", "U+2007 figure space"),
            new Trap("\u202F", " ", "U+202F narrow no-break space"),
            new Trap("\u3000", " ", "U+3000 ideographic space"),
            new Trap("\u2003", " ", "U+2003 em space"),
            new Trap("\u200B", "", "U+200B zero-width space"),
            new Trap("\uFEFF", "", "U+FEFF byte order mark"),
            new Trap("\u2010", "-", "U+2010 hyphen"),
            new Trap("\u2212", "-", "U+2212 minus sign"),
            new Trap("\u0392", "B", "U+0392 Greek capital beta"),
            new Trap("\u0421", "C", "U+0421 Cyrillic capital es"));

    private UnicodeTraps() {
    }

    /**
     * {@code ascii} with its first occurrence of {@code trap.readAs()} replaced by the trap, or the
     * trap inserted in the middle when the trap reads as nothing or as a character {@code ascii} lacks.
     */
    public static String planted(String ascii, Trap trap) {
        int at = trap.readAs().isEmpty() ? -1 : ascii.indexOf(trap.readAs());
        if (at < 0) {
            int middle = ascii.length() / 2;
            return ascii.substring(0, middle) + trap.text() + ascii.substring(middle);
        }
        return ascii.substring(0, at) + trap.text() + ascii.substring(at + trap.readAs().length());
    }
}
