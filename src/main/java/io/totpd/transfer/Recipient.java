package io.totpd.transfer;

import com.nimbusds.jose.EncryptionMethod;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEEncrypter;
import com.nimbusds.jose.JWEHeader;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDHEncrypter;
import com.nimbusds.jose.crypto.RSAEncrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import io.totpd.problem.ProblemType;
import java.text.ParseException;
import java.util.Map;
import java.util.Set;

/**
 * The public key an export is sealed to (a JWK, RFC 7517), checked, and what seals each line to it: a
 * compact JWE (RFC 7516) with content encryption {@code A256GCM}, its key wrapped with
 * {@code RSA-OAEP-256} for RSA keys of 2048 bits or more, or agreed with {@code ECDH-ES+A256KW} for EC
 * keys on P-256 or P-384 (RFC 7518 sections 4.3 and 4.6). Nimbus JOSE+JWT does the cryptography.
 */
final class Recipient {

    static final int MIN_RSA_BITS = 2048;
    private static final Set<Curve> CURVES = Set.of(Curve.P_256, Curve.P_384);

    private final JWEHeader header;
    private final JWEEncrypter encrypter;

    private Recipient(JWEHeader header, JWEEncrypter encrypter) {
        this.header = header;
        this.encrypter = encrypter;
    }

    /**
     * @throws io.totpd.problem.ProblemException 400 for anything but a public RSA key of 2048 bits or
     *     more or a public EC key on P-256 or P-384, for a private key, and for a JWK whose {@code alg}
     *     or {@code use} asks for something else than encryption with the algorithm above
     */
    static Recipient of(Map<String, Object> jwk) {
        JWK key;
        try {
            key = JWK.parse(jwk);
        } catch (ParseException | RuntimeException e) {
            throw invalid("not a valid JWK (RFC 7517)");
        }
        if (key.isPrivate()) {
            // A private key sent here has been exposed already; refusing it says so before it is used.
            throw invalid("this is a private key: send the public key only, and treat this private key as exposed");
        }
        if (key.getKeyUse() != null && !KeyUse.ENCRYPTION.equals(key.getKeyUse())) {
            throw invalid("the key's use is not enc");
        }
        try {
            if (KeyType.RSA.equals(key.getKeyType())) {
                RSAKey rsa = key.toRSAKey();
                if (rsa.size() < MIN_RSA_BITS) {
                    throw invalid("an RSA key needs at least " + MIN_RSA_BITS + " bits");
                }
                return new Recipient(header(key, JWEAlgorithm.RSA_OAEP_256), new RSAEncrypter(rsa));
            }
            if (KeyType.EC.equals(key.getKeyType())) {
                ECKey ec = key.toECKey();
                if (!CURVES.contains(ec.getCurve())) {
                    throw invalid("an EC key must be on P-256 or P-384");
                }
                return new Recipient(header(key, JWEAlgorithm.ECDH_ES_A256KW), new ECDHEncrypter(ec));
            }
        } catch (JOSEException e) {
            throw invalid("the key cannot be used for encryption");
        }
        throw invalid("the key must be RSA or EC");
    }

    private static JWEHeader header(JWK key, JWEAlgorithm algorithm) {
        if (key.getAlgorithm() != null && !algorithm.getName().equals(key.getAlgorithm().getName())) {
            throw invalid("a key of this type is used with " + algorithm.getName() + ", not its alg");
        }
        return new JWEHeader.Builder(algorithm, EncryptionMethod.A256GCM).keyID(key.getKeyID()).build();
    }

    /** {@code plaintext} as a compact JWE to this recipient, with a fresh content key. */
    String seal(byte[] plaintext) {
        JWEObject jwe = new JWEObject(header, new Payload(plaintext));
        try {
            jwe.encrypt(encrypter);
        } catch (JOSEException e) {
            throw new IllegalStateException("JWE encryption failed", e);
        }
        return jwe.serialize();
    }

    private static io.totpd.problem.ProblemException invalid(String detail) {
        return ProblemType.INVALID_REQUEST.exception("recipient: " + detail);
    }
}
