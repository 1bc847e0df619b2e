package io.totpd.audit;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;

/**
 * How much time one partition of {@code audit_event} covers: a calendar day, an ISO week (Monday to
 * Monday) or a calendar month, always in UTC, so that every replica cuts time at the same instants.
 */
public enum PartitionInterval {
    DAY, WEEK, MONTH;

    /** The start of the interval that holds {@code instant}. */
    public Instant start(Instant instant) {
        ZonedDateTime day = instant.atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS);
        ZonedDateTime start = switch (this) {
            case DAY -> day;
            case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> day.withDayOfMonth(1);
        };
        return start.toInstant();
    }

    /** The start of the interval after the one that holds {@code instant}. */
    public Instant next(Instant instant) {
        ZonedDateTime start = start(instant).atZone(ZoneOffset.UTC);
        ZonedDateTime next = switch (this) {
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
        };
        return next.toInstant();
    }
}
