package io.totpd;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;
import io.quarkus.runtime.configuration.MemorySize;
import io.totpd.audit.PartitionInterval;
import io.totpd.otp.HmacAlgorithm;
import java.time.Duration;
import io.totpd.caller.Scope;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** All of the service's own settings; each can also be set as an environment variable, e.g. TOTPD_ISSUER. */
@ConfigMapping(prefix = "totpd")
public interface TotpdConfig {

    /** The issuer authenticator apps show above the code: your product's name. It must not contain ':'. */
    @WithDefault("totpd")
    String issuer();

    TotpConfig totp();

    EnrollmentConfig enrollment();

    EncryptionConfig encryption();

    LockoutConfig lockout();

    BackupCodesConfig backupCodes();

    AuditConfig audit();

    AuthenticatorsConfig authenticators();

    @WithName("import")
    ImportConfig imports();

    ExportConfig export();

    WebhooksConfig webhooks();

    /** Rates per caller and caps per tenant (README, "Quotas"): the defaults of every caller and tenant. */
    QuotaConfig quota();

    /**
     * Settings of single tenants, by tenant name, e.g. {@code totpd.tenants.acme.max-pending-enrollments};
     * each tenant named here must be the tenant of a configured caller.
     */
    Map<String, TenantConfig> tenants();

    /**
     * Quotas (OWASP API4, unrestricted resource consumption). Rates are counted per caller in each
     * replica's memory, so the effective limit of a caller is its rate times the replicas serving it;
     * a cluster-wide count would add a database write to every {@code /verify}. Caps are counted per
     * tenant in PostgreSQL, exactly, across replicas.
     */
    interface QuotaConfig {
        /**
         * Whether rates and caps are enforced. Off, nothing is charged or counted against a limit (the
         * database still keeps each tenant's usage, which {@code GET /quota} shows): for a benchmark
         * of what quotas cost, not for production.
         */
        @WithDefault("true")
        boolean enabled();

        /** The default rate of {@code POST /verify} and {@code POST /recover}, a unit each. */
        ChecksRate checks();

        /** The default rate of Argon2id work, in hashes: activation, new backup codes, recovery. */
        ExpensiveRate expensive();

        /** The default rate of every other call with a key (enroll, status, lists, import, export...). */
        OtherRate other();

        /**
         * The most pending enrollments (authenticators not yet activated and not expired) a tenant may
         * have at once; the next {@code POST /enroll} or {@code POST /users/{userId}/authenticators} is
         * refused with 409 {@code quota-exceeded}. 10,000: a campaign that enrolls a tenant's users at
         * 10 a second, each taking the whole 15-minute lifetime, stays under it, while a caller that
         * enrolls made-up users for the rows it leaves stops there. Counting them costs an index range of
         * at most this many entries per enrollment.
         */
        @WithDefault("10000")
        int maxPendingEnrollments();

        /**
         * The most authenticators a tenant may have, pending and active, expired pending ones too until
         * they are removed (they are rows in the database): 10,000,000, two for each user of a tenant of
         * five million. Enrollments and imports past it are refused ({@code quota-exceeded}).
         */
        @WithDefault("10000000")
        long maxAuthenticators();
    }

    /**
     * {@code checks}: 100 a second and bursts of 200 on each replica, so a caller served by three
     * replicas signs in 300 users a second, over a million an hour, more than the peak of a tenant of
     * millions; a leaked key, which a replica would otherwise let check about 2,800 codes a second
     * (bench/RESULTS.md), sprays at most 100 a second there. Set each caller's own from its traffic.
     */
    interface ChecksRate {
        /** Units a second, refilled continuously; above 0, fractions allowed (0.5 is one every two seconds). */
        @WithDefault("100")
        double rate();

        /** The most units at once, after a quiet while: at least 1. */
        @WithDefault("200")
        int burst();
    }

    /**
     * {@code expensive}, in Argon2id hashes (about 35 ms of a core each): an activation or a new set of
     * backup codes charges one per backup code it may hash (10), a recovery 1. 20 hashes a second
     * (two activations a second, 7,200 an hour, per replica) and bursts of 200 (twenty activations at
     * once) stay above a tenant's enrollment campaign, and keep one caller to 70 % of a core.
     */
    interface ExpensiveRate {
        /** Hashes a second, refilled continuously; above 0. */
        @WithDefault("20")
        double rate();

        /** The most hashes at once: at least 10, an activation's charge, or an activation could never pass. */
        @WithDefault("200")
        int burst();
    }

    /** {@code other}: 100 calls a second and bursts of 200 on each replica, a unit per call. */
    interface OtherRate {
        /** Units a second, refilled continuously; above 0. */
        @WithDefault("100")
        double rate();

        /** The most units at once: at least 1. */
        @WithDefault("200")
        int burst();
    }

    /** One caller's own rates; each setting left out is {@code totpd.quota.<bucket>.*}'s. */
    interface CallerQuotaConfig {
        /** Overrides {@code totpd.quota.checks.rate} and {@code .burst}. */
        RateOverride checks();

        /** Overrides {@code totpd.quota.expensive.rate} and {@code .burst}. */
        RateOverride expensive();

        /** Overrides {@code totpd.quota.other.rate} and {@code .burst}. */
        RateOverride other();
    }

    interface RateOverride {
        /** Units a second, above 0. */
        Optional<Double> rate();

        /** The most units at once, at least the bucket's largest single charge. */
        Optional<Integer> burst();
    }

    /** One tenant's own caps; each setting left out is {@code totpd.quota.*}'s. */
    interface TenantConfig {
        /** Overrides {@code totpd.quota.max-pending-enrollments}; at least 1. */
        Optional<Integer> maxPendingEnrollments();

        /** Overrides {@code totpd.quota.max-authenticators}; at least 1. */
        Optional<Long> maxAuthenticators();
    }

    /**
     * Where events are sent (Standard Webhooks), by endpoint name, e.g.
     * {@code totpd.webhooks.crm.url=https://crm.example/hooks}, and how they are delivered.
     */
    interface WebhooksConfig {

        /** The endpoints, by name (1-64 of A-Z a-z 0-9 . _ -); none by default. */
        @WithParentName
        Map<String, EndpointConfig> endpoints();

        /** Whether endpoints may use plain http: for tests and local networks only. */
        @WithDefault("false")
        boolean allowHttp();

        /** The longest one attempt may take, connecting included; redirects are never followed. */
        @WithDefault("5s")
        Duration timeout();

        /**
         * The wait after a first failed attempt; each further wait is as long as the time since the event
         * (so waits double: 5s, 5s, 10s, 20s...), up to {@link #maxRetryDelay}.
         */
        @WithDefault("5s")
        Duration retryDelay();

        /** The longest wait between two attempts. */
        @WithDefault("1h")
        Duration maxRetryDelay();

        /**
         * How long after the event (or a manual retry) attempts go on: the last one goes out at that
         * time, and if it fails too the delivery is marked failed.
         */
        @WithDefault("24h")
        Duration giveUpAfter();

        /**
         * How often each replica looks for new events when it found none the last time, and for due
         * retries when nothing points to one sooner: a retry goes out up to this long after it is due.
         */
        @WithDefault("1s")
        Duration poll();

        /** Deliveries claimed and sent at once, per endpoint and replica. */
        @WithDefault("50")
        int batchSize();

        /**
         * The nice value (0 to 19; Linux) of the webhook threads: each endpoint's sender, which drives
         * every statement and request of its deliveries, and the upkeep thread (gauges, purges). Above
         * 0, when the CPU is saturated the kernel runs sign-ins first, and deliveries wait in the audit
         * trail (nothing is lost, order holds) until there is CPU to spare: at 10 a thread's share is
         * about a tenth of a request thread's. 0 shares the CPU equally.
         */
        @WithDefault("10")
        int nice();

        /** How long delivered and failed deliveries stay listed in {@code GET /webhooks/deliveries}. */
        @WithDefault("7d")
        Duration keep();
    }

    interface EndpointConfig {
        /** Where events are POSTed: an https URL (or http with {@code allow-http}). Required. */
        Optional<String> url();

        /** The tenant whose events this endpoint receives. Required. */
        Optional<String> tenant();

        /**
         * The signing secrets, {@code whsec_} and the base64 of 24 to 64 random bytes. Each signs every
         * event (one header), so a secret can be rotated: add the new one, switch the receiver, remove
         * the old one. Required; optional here only so that a missing or empty one is refused by
         * {@link io.totpd.webhook.Endpoints} with a message naming the setting.
         */
        Optional<List<String>> secret();

        /**
         * The event types sent, e.g. {@code authenticator.added,user.locked}; {@code *} is every type but
         * {@code code.verified}, which is sent only when named (one event per sign-in).
         */
        @WithDefault("*")
        Set<String> events();
    }

    interface ImportConfig {
        /** The largest body {@code POST /import} takes, streamed, 16K to 1G (every other call takes 16 KiB). */
        @WithDefault("512M")
        MemorySize maxBodySize();

        /** Lines imported per transaction: a failure midway leaves every earlier batch imported. */
        @WithDefault("500")
        int batchSize();
    }

    interface ExportConfig {
        /**
         * Whether {@code POST /export} may run at all, for callers with scope {@code export}. Off by
         * default: an export carries every secret of a tenant out, so it is switched on for a move
         * and off again.
         */
        @WithDefault("false")
        boolean enabled();
    }

    interface AuthenticatorsConfig {
        /** The most authenticators a user may have, pending and active together (expired pending ones do not count). */
        @WithDefault("5")
        int maxPerUser();
    }

    interface AuditConfig {
        /**
         * How long audit events are kept, also after the user is deleted. Events go by whole
         * partitions: each is dropped once the last moment it covers is older than this, so an event
         * lives at most one {@link #partition} longer.
         */
        @WithDefault("400d")
        Duration retention();

        /**
         * How much time one partition of the audit trail covers: {@code day}, {@code week} or
         * {@code month}. A change applies to the partitions made from then on.
         */
        @WithDefault("month")
        PartitionInterval partition();
    }

    /**
     * The services allowed to call, by name, e.g. {@code totpd.callers.portal.tenant=acme}. Production
     * refuses to start without one.
     */
    Map<String, CallerConfig> callers();

    interface CallerConfig {
        /** The tenant whose users this caller sees; callers of one tenant share its users. */
        String tenant();

        /**
         * {@code verify} (POST /verify and /recover), {@code manage} (every other call but these two),
         * {@code import} (POST /import) and {@code export} (POST /export); one or more. {@code manage}
         * includes neither import nor export: a helpdesk tool cannot take every secret out.
         */
        Set<Scope> scopes();

        /**
         * The SHA-256 of each of the caller's API keys, in hex. Several, so that a key can be rotated
         * without downtime: add the new one, deploy the caller, remove the old one.
         */
        List<String> keySha256();

        /** The caller's own rates, e.g. {@code totpd.callers.login.quota.checks.rate=20}; the defaults otherwise. */
        CallerQuotaConfig quota();
    }

    interface TotpConfig {
        /** HMAC of new enrollments. Anything but SHA1 breaks Google Authenticator and others, which ignore it. */
        @WithDefault("SHA1")
        HmacAlgorithm algorithm();

        /** Digits of a code, 6 or 8. Anything but 6 breaks apps that ignore the setting. */
        @WithDefault("6")
        int digits();

        /** Length of a time step. Anything but 30s breaks apps that ignore the setting. */
        @WithDefault("30s")
        Duration period();

        /**
         * The furthest, in steps from server time, a code is ever accepted. The window (one step either
         * side) is centred where the phone's last code matched (RFC 6238 section 6), so a phone whose
         * clock runs late keeps working; this bounds how far the centre may wander. 1 turns drift off.
         */
        @WithDefault("2")
        int maxDriftSteps();
    }

    interface EnrollmentConfig {
        /** How long a pending enrollment can be activated (and its QR code fetched). */
        @WithDefault("15m")
        Duration lifetime();
    }

    /** Consecutive wrong codes, counted per user across all its authenticators; /verify and /recover each have a budget of this shape. */
    interface LockoutConfig {
        /** The failure at which the user is first locked. */
        @WithDefault("5")
        int lockAfterFailures();

        /** The first lock; each further failure doubles it. */
        @WithDefault("30s")
        Duration firstLock();

        /** The longest lock. */
        @WithDefault("15m")
        Duration maxLock();

        /** The failure at which the user is disabled until a new authenticator is activated; at most 100. */
        @WithDefault("100")
        int disableAfterFailures();
    }

    /** Argon2id for backup codes; the defaults are OWASP's minimum, and lower values are refused. */
    interface BackupCodesConfig {
        /** Memory per hash, in KiB. */
        @WithDefault("19456")
        int argon2MemoryKib();

        /** Passes over the memory. */
        @WithDefault("2")
        int argon2Iterations();

        /** Lanes. */
        @WithDefault("1")
        int argon2Parallelism();

        /**
         * Argon2id computations at once on this replica. Each holds {@code argon2-memory-kib} of heap
         * while it runs and a core, so the default is as many as fit in a third of the maximum heap, and
         * no more than the cores (at least one): two with the manifests' 128 MiB heap and the default
         * 19 MiB.
         */
        Optional<Integer> maxConcurrentHashes();

        /**
         * How long a request that needs Argon2id (activation, new backup codes, recovery) waits for a
         * free place before it is refused with 503 {@code service-busy} and {@code Retry-After}.
         */
        @WithDefault("1s")
        Duration hashWait();

        /**
         * At or below this many unused backup codes, the user's status says {@code backupCodesLow} and a
         * recovery that leaves so few records a {@code backup_codes_low} event: time to show the user a new set.
         */
        @WithDefault("2")
        int lowThreshold();
    }

    interface EncryptionConfig {
        /**
         * The AES-256 keys for secrets at rest, as a comma-separated list of {@code id:base64-of-32-bytes}.
         * The first one encrypts; all of them decrypt, so a new key goes first and the old one stays
         * until no row uses it. Required: the service refuses to start without one. The check is at
         * start-up rather than in config validation, so that the build's AppCDS run, which stops
         * before start-up and has no keys, still loads every class that validation touches.
         */
        Optional<List<String>> keys();

        /** How often each replica moves rows still under an old key to the first key. */
        @WithDefault("1m")
        Duration rotationInterval();

        /** Rows re-encrypted per transaction. */
        @WithDefault("100")
        int rotationBatch();
    }
}
