using System.Globalization;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Domain.Ingestion;

/// <summary>
/// The event-time check every entry point applies before a transaction reaches an account: the file and HTTP parsers
/// (<see cref="IngestionOptions"/>) and the client gateway (<c>submit</c>, <c>PaymentsClient</c> from outside the cluster).
/// </summary>
public static class EventTimeRules
{
    /// <summary>
    /// Null when a record of this event time may be applied; otherwise why not, starting with the field
    /// (<c>"timestamp: …"</c>). Refused: more than <paramref name="maxFutureSkew"/> ahead of <paramref name="nowMs"/>
    /// (the node's clock), or older than the <paramref name="horizon"/>'s retention behind the newest event time its
    /// window stage has seen (no lower bound without a horizon, or before it has seen a record).
    /// </summary>
    public static string? Check(long eventTimeMs, long nowMs, TimeSpan maxFutureSkew, EventTimeHorizon? horizon)
    {
        // A record dated ahead of the clock would move every watermark past it and stall the windows for everyone
        // (a year-9999 record once ended all window results).
        var skewMs = Math.Max(0, (long)maxFutureSkew.TotalMilliseconds);
        var latest = nowMs > long.MaxValue - skewMs ? long.MaxValue : nowMs + skewMs;
        if (eventTimeMs > latest)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"timestamp: {Format(eventTimeMs)} is more than {maxFutureSkew} ahead of this node's clock (max future skew)");
        }

        // One far behind the data the windows hold would be applied and then counted late forever (or, first on a fresh
        // node, start its watermark years back).
        return horizon is not null && horizon.IsTooOld(eventTimeMs, out var tooOld) ? tooOld : null;
    }

    private static string Format(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, -62135596800000, 253402300799999)).ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>A node's event-time bounds, for an entry point that is not a parser (the client gateway).</summary>
/// <param name="MaxFutureSkew"><c>--max-future-skew</c>: how far ahead of <paramref name="Clock"/> a record may be dated.</param>
/// <param name="Horizon">The node window stage's horizon (the windows' retention behind the newest event time seen); none: no lower bound.</param>
/// <param name="Clock">The node's clock, Unix milliseconds.</param>
public sealed record EventTimeBounds(TimeSpan MaxFutureSkew, EventTimeHorizon? Horizon, Func<long> Clock)
{
    public EventTimeBounds(TimeSpan maxFutureSkew, EventTimeHorizon? horizon)
        : this(maxFutureSkew, horizon, () => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
    {
    }

    /// <summary><see cref="EventTimeRules.Check"/> against these bounds, now.</summary>
    public string? Check(long eventTimeMs) => EventTimeRules.Check(eventTimeMs, Clock(), MaxFutureSkew, Horizon);
}
