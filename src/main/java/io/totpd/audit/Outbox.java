package io.totpd.audit;

/**
 * Which recorded events are also sent out, and where: the webhook subscriptions, as {@link AuditEvents}
 * needs them to write the deliveries in the statement that records the events (the outbox pattern).
 * Implemented by the webhook feature, so that the trail does not depend on it.
 */
public interface Outbox {

    /**
     * The routes of one tenant's events, three arrays of equal length: entry {@code i} says that events of
     * audit type {@code auditTypes[i]} go to endpoint {@code endpoints[i]} as webhook type {@code types[i]}.
     * Empty arrays when the tenant's events go nowhere.
     */
    record Routes(String[] endpoints, String[] auditTypes, String[] types) {

        public static final Routes NONE = new Routes(new String[0], new String[0], new String[0]);
    }

    Routes routes(String tenant);
}
