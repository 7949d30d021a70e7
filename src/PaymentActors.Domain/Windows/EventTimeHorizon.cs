using System.Globalization;

namespace PaymentActors.Domain.Windows;

/// <summary>
/// How far back in event time the windows still take a record: the newest event time a node's window stage has seen,
/// minus the windows' retention (by default the collector's: 35 days). A record older than that could no longer
/// change any window result the collector keeps, so it is refused at the entry points (field <c>timestamp</c>) rather
/// than applied, counted late forever, or allowed to start a fresh stage's watermark in the distant past.
/// <para>
/// The reference is the data's own time, not the node's clock: a replay of last year's file is not "too old" as a
/// whole, only a record far behind the rest of it is. Until the stage has seen a record, nothing is too old.
/// Thread-safe: the window stage observes, the ingestion stages read.
/// </para>
/// </summary>
public sealed class EventTimeHorizon
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(35);

    private long _newest = long.MinValue;

    public EventTimeHorizon(TimeSpan? retention = null)
    {
        var value = retention ?? DefaultRetention;
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(retention), value, "retention must be positive");
        }

        Retention = value;
    }

    public TimeSpan Retention { get; }

    /// <summary>The newest event time seen (long.MinValue: none yet).</summary>
    public long Newest => Volatile.Read(ref _newest);

    /// <summary>The oldest event time still taken (long.MinValue while nothing has been seen).</summary>
    public long Oldest
    {
        get
        {
            var newest = Newest;
            var retention = (long)Retention.TotalMilliseconds;
            return newest < long.MinValue + retention ? long.MinValue : newest - retention;
        }
    }

    /// <summary>Moves the newest event time forward (never back).</summary>
    public void Observe(long eventTimeMs)
    {
        var current = Volatile.Read(ref _newest);
        while (eventTimeMs > current)
        {
            var seen = Interlocked.CompareExchange(ref _newest, eventTimeMs, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Whether a record of this event time is too old; <paramref name="reason"/> names the field and says why.</summary>
    public bool IsTooOld(long eventTimeMs, out string reason)
    {
        var oldest = Oldest;
        if (eventTimeMs >= oldest)
        {
            reason = "";
            return false;
        }

        reason = string.Create(CultureInfo.InvariantCulture,
            $"timestamp: {Format(eventTimeMs)} is older than the windows' retention ({Retention.TotalDays:0.##} days before the newest event time seen, {Format(Newest)})");
        return true;
    }

    private static string Format(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(ms, -62135596800000, 253402300799999)).ToString("O", CultureInfo.InvariantCulture);
}
