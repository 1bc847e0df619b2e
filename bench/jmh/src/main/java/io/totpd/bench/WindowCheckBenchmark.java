package io.totpd.bench;

import com.warrenstrange.googleauth.GoogleAuthenticator;
import dev.samstevens.totp.code.DefaultCodeGenerator;
import dev.samstevens.totp.code.DefaultCodeVerifier;
import dev.samstevens.totp.time.SystemTimeProvider;
import io.totpd.crypto.Aead;
import io.totpd.crypto.KeyRing;
import io.totpd.otp.Base32;
import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Secrets;
import io.totpd.otp.Totp;
import io.totpd.recovery.Argon2id;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The work /verify does per request outside the database, against the peers: a window of one step
 * either side checked for a wrong code (so every implementation scans the whole window), one
 * AES-GCM decryption of a stored secret, and one Argon2id hash of a backup code.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WindowCheckBenchmark {

    /** Matches no step of the window, and is not a value any library rejects before computing (googleauth refuses 0). */
    private static final String WRONG_CODE = "123456";

    private byte[] secret;
    private String base32;
    private long step;
    private Totp totp;
    private DefaultCodeVerifier samstevens;
    private GoogleAuthenticator googleauth;
    private Aead aead;
    private Aead.Sealed sealed;
    private byte[] associatedData;
    private Argon2id argon2;

    @Setup
    public void setUp() {
        secret = Secrets.generate();
        base32 = Base32.encode(secret);
        totp = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));
        step = totp.step(Instant.now());
        samstevens = new DefaultCodeVerifier(new DefaultCodeGenerator(), new SystemTimeProvider());
        samstevens.setAllowedTimePeriodDiscrepancy(1);
        googleauth = new GoogleAuthenticator();
        aead = new Aead(KeyRing.parse(List.of("k:" + Base64.getEncoder().encodeToString(new byte[32]))));
        associatedData = "totpd.factor.v1|tenant|user|id".getBytes(StandardCharsets.UTF_8);
        sealed = aead.encrypt(secret, associatedData);
        argon2 = new Argon2id(19 * 1024, 2, 1);
    }

    @Benchmark
    public Totp.Check totpdWindow() {
        return totp.check(secret, WRONG_CODE, step, 0, null);
    }

    @Benchmark
    public boolean samstevensWindow() {
        return samstevens.isValidCode(base32, WRONG_CODE);
    }

    @Benchmark
    public boolean googleauthWindow() {
        return googleauth.authorize(base32, Integer.parseInt(WRONG_CODE));
    }

    @Benchmark
    public byte[] aesGcmDecrypt() {
        return aead.decrypt(sealed, associatedData);
    }

    @Benchmark
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public String argon2idHash() {
        return argon2.hash("ABCDEFGHJKMN");
    }
}
