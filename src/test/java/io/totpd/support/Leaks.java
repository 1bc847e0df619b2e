package io.totpd.support;

import java.util.regex.Pattern;

/**
 * Whether text an operator or a receiver sees (log lines, metrics, spans, stored audit rows, event
 * bodies) holds a secret: a key in any encoding, an API key, a one-time or backup code.
 *
 * <p>A one-time code is six digits, and such text is full of numbers (timestamps with microseconds,
 * ids, durations, histogram bounds): as a substring, a code turns up in them by chance, a few times in
 * a hundred runs for the metrics page alone. So a secret of digits only counts when it stands as a
 * number of its own, not inside a longer number or after a decimal point; any other secret counts
 * wherever it occurs.
 */
public final class Leaks {

    private Leaks() {
    }

    /** Whether {@code text} holds {@code secret}, as the class comment says. */
    public static boolean holds(String text, String secret) {
        if (!secret.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return text.contains(secret);
        }
        return Pattern.compile("(?<![0-9.])" + secret + "(?![0-9])").matcher(text).find();
    }

    /**
     * The Prometheus text {@code metrics} without the samples' values: what could carry a secret is a
     * metric's name, labels and help; a value is a count or a measure, which may equal a code.
     */
    public static String withoutValues(String metrics) {
        return metrics.replaceAll("(?m)^([^#\\n][^\\n]*?) [^ \\n]+$", "$1");
    }
}
