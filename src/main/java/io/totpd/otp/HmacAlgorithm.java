package io.totpd.otp;

/** The HMAC functions RFC 6238 allows; SHA1 is the only one every authenticator app honours. */
public enum HmacAlgorithm {
    SHA1("HmacSHA1"),
    SHA256("HmacSHA256"),
    SHA512("HmacSHA512");

    final String jcaName;

    HmacAlgorithm(String jcaName) {
        this.jcaName = jcaName;
    }
}
