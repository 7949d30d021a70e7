using System.Diagnostics;
using System.Diagnostics.Metrics;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Cluster.Observability;

/// <summary>
/// Every PaymentActors metric, on one <see cref="Meter"/> named <see cref="MeterName"/>. Names and units follow
/// OpenTelemetry's conventions (dotted lower-case names, UCUM units, durations in seconds); the Prometheus
/// exporter turns <c>payments.transaction.decision.duration</c> (s) into
/// <c>payments_transaction_decision_duration_seconds</c> and counters into <c>…_total</c>.
/// <para>
/// Static because the recording sites are actors and stream stages that have no service provider; the
/// instruments are thread-safe and cost a few interlocked adds when nobody listens. Alongside the instruments a
/// few totals are kept in plain fields so the node's dashboard can read them without an exporter.
/// </para>
/// </summary>
public static class PaymentsMetrics
{
    public const string MeterName = "PaymentActors";

    private static readonly Meter Meter = new(MeterName, "1.0");

    // Declared before the histograms that use them (static fields initialise in order).
    private static readonly double[] LatencyBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Counter<long> Decided = Meter.CreateCounter<long>("payments.transactions.decided", "{transaction}",
        "Transactions decided by an account, by outcome (approved, flagged, declined, rejected, conflict) and type; duplicates are not counted");

    private static readonly Histogram<double> DecisionDuration = Meter.CreateHistogram<double>("payments.transaction.decision.duration", "s",
        "From a command reaching its account to its answer, sent once the decision is durable",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Histogram<double> JournalWriteDuration = Meter.CreateHistogram<double>("payments.journal.write.duration", "s",
        "From an account handing events to the journal to the journal confirming them",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Counter<long> IngestRead = Meter.CreateCounter<long>("payments.ingest.records.read", "{record}",
        "Records read by an ingestion, by source kind (file, http, generator)");

    private static readonly Counter<long> IngestResult = Meter.CreateCounter<long>("payments.ingest.records", "{record}",
        "Records an ingestion finished with, by source kind and result (accepted, rejected, duplicate); read = the sum");

    private static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("payments.ingest.dead_letters", "{record}",
        "Rejected records written to the dead-letter output, by the field that failed");

    private static readonly UpDownCounter<long> InFlight = Meter.CreateUpDownCounter<long>("payments.ingest.in_flight", "{record}",
        "Records sent to accounts and not yet answered");

    private static readonly Counter<long> Throttled = Meter.CreateCounter<long>("payments.http.ingest.throttled", "{request}",
        "Ingest requests answered 429 because the node was saturated");

    private static readonly UpDownCounter<long> ActiveEntities = Meter.CreateUpDownCounter<long>("payments.sharding.entities.active", "{entity}",
        "Entities alive on this node, by entity type (account, transfer-watch)");

    private static readonly Counter<long> WindowResults = Meter.CreateCounter<long>("payments.windows.results", "{result}",
        "Window results (or new revisions) written by the window collector");

    private static readonly Counter<long> WindowRecordsRefused = Meter.CreateCounter<long>("payments.windows.records.refused", "{record}",
        "Decided transactions the node's window stage left out, by reason: too_old (beyond the windows' retention) or too_new (beyond the max future skew)");

    private static readonly Counter<long> WindowLateDropped = Meter.CreateCounter<long>("payments.windows.late.dropped", "{transaction}",
        "Decisions too late for every window that would hold them (their windows had closed), counted by the window projections on this node");

    private static readonly Counter<long> AlertsRaised = Meter.CreateCounter<long>("payments.alerts.raised", "{alert}",
        "Flagged or risk-declined decisions made durable by this node's accounts (the alert collector reads them from the journal)");

    private static readonly Counter<long> WindowInputsDropped = Meter.CreateCounter<long>("payments.windows.inputs.dropped", "{transaction}",
        "Durable decisions not counted in this node's windows because its window stage was 100,000 behind");

    private static readonly Counter<long> AlertsStored = Meter.CreateCounter<long>("payments.alerts.stored", "{alert}",
        "Alerts the alert collector stored (each transaction once)");

    private static long _decidedTotal;
    private static long _deadLetterTotal;
    private static long _throttledTotal;
    private static long _inFlight;
    private static long _alertsRaisedTotal;

    // Totals by outcome (status) and transaction type, for the dashboard: [status * 8 + type].
    private static readonly long[] OutcomeCounts = new long[64];

    // Ingest totals for the dashboard: read, accepted, rejected, duplicate.
    private static readonly long[] IngestCounts = new long[4];
    private static long _windowLagMs;
    private static long _forwarderBacklog;
    private static long _windowCollectorBacklog;
    private static long _alertCollectorBacklog;
    private static Func<int>? _localShards;

    /// <summary>Decision latency histogram kept for the dashboard: power-of-two buckets in microseconds.</summary>
    private static readonly long[] LatencyCounts = new long[32];

    static PaymentsMetrics()
    {
        Meter.CreateObservableGauge("payments.sharding.shards", () => _localShards?.Invoke() ?? 0, "{shard}",
            "Account shards hosted by this node, as last read from the coordinator");
        Meter.CreateObservableGauge("payments.windows.watermark.lag", () => Volatile.Read(ref _windowLagMs) / 1000.0, "s",
            "How far the slowest source's watermark trails the fastest one, at the window collector (event time)");
        Meter.CreateObservableGauge("payments.windows.forwarder.backlog", () => Volatile.Read(ref _forwarderBacklog), "{batch}",
            "Window partial batches sent to the collector and not yet acknowledged as durable");
        Meter.CreateObservableGauge("payments.windows.collector.backlog", () => Volatile.Read(ref _windowCollectorBacklog), "{result}",
            "At the window collector: results handed to its sinks and not yet written and recorded");
        Meter.CreateObservableGauge("payments.alerts.collector.backlog", () => Volatile.Read(ref _alertCollectorBacklog), "{alert}",
            "At the alert collector: alerts stored and not yet written to its sinks (queued or in the batch being written)");
    }

    public static long DecidedTotal => Interlocked.Read(ref _decidedTotal);

    public static void RecordDecision(TransactionOutcome outcome, TransactionType type)
    {
        if (outcome.IsDuplicate)
        {
            return;
        }

        Interlocked.Increment(ref _decidedTotal);
        Interlocked.Increment(ref OutcomeCounts[((int)outcome.Status & 7) * 8 + ((int)type & 7)]);
        Decided.Add(1, new KeyValuePair<string, object?>("outcome", OutcomeName(outcome.Status)), new KeyValuePair<string, object?>("type", type.ToWire()));
    }

    public static void RecordDecisionLatency(long startTimestamp)
    {
        var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
        DecisionDuration.Record(elapsed.TotalSeconds);
        var micros = (long)Math.Max(1, elapsed.TotalMicroseconds);
        Interlocked.Increment(ref LatencyCounts[Math.Min(LatencyCounts.Length - 1, 63 - long.LeadingZeroCount(micros))]);
    }

    public static void RecordJournalWrite(long startTimestamp) => JournalWriteDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds);

    public static void IngestRecordRead(string sourceKind)
    {
        Interlocked.Increment(ref IngestCounts[0]);
        IngestRead.Add(1, new KeyValuePair<string, object?>("source", sourceKind));
    }

    /// <param name="result">accepted, rejected or duplicate.</param>
    public static void IngestRecordDone(string sourceKind, string result)
    {
        Interlocked.Increment(ref IngestCounts[result switch { "accepted" => 1, "rejected" => 2, _ => 3 }]);
        IngestResult.Add(1, new KeyValuePair<string, object?>("source", sourceKind), new KeyValuePair<string, object?>("result", result));
    }

    public static void DeadLetter(string field)
    {
        Interlocked.Increment(ref _deadLetterTotal);
        DeadLetters.Add(1, new KeyValuePair<string, object?>("field", field));
    }

    public static void InFlightChanged(long delta)
    {
        Interlocked.Add(ref _inFlight, delta);
        InFlight.Add(delta);
    }

    public static void IngestThrottled()
    {
        Interlocked.Increment(ref _throttledTotal);
        Throttled.Add(1);
    }

    public static void EntityStarted(string entityType) => ActiveEntities.Add(1, new KeyValuePair<string, object?>("entity.type", entityType));

    public static void EntityStopped(string entityType) => ActiveEntities.Add(-1, new KeyValuePair<string, object?>("entity.type", entityType));

    public static void WindowResultsWritten(int count) => WindowResults.Add(count);

    public static void WindowRecordRefused(string reason) => WindowRecordsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public static void WindowWatermarkLag(long lagMs) => Volatile.Write(ref _windowLagMs, Math.Max(0, lagMs));

    public static void ForwarderBacklog(int unacknowledged) => Volatile.Write(ref _forwarderBacklog, unacknowledged);

    public static void WindowCollectorBacklog(int results) => Volatile.Write(ref _windowCollectorBacklog, results);

    public static void AlertCollectorBacklog(int alerts) => Volatile.Write(ref _alertCollectorBacklog, alerts);

    /// <summary>The collectors' backlogs as this node last recorded them (0 where the singleton runs elsewhere).</summary>
    public static (long WindowResults, long Alerts) CollectorBacklogs() =>
        (Volatile.Read(ref _windowCollectorBacklog), Volatile.Read(ref _alertCollectorBacklog));

    public static void AlertRaised()
    {
        Interlocked.Increment(ref _alertsRaisedTotal);
        AlertsRaised.Add(1);
    }

    public static void AlertStored(int count = 1) => AlertsStored.Add(count);

    public static void WindowInputDropped() => WindowInputsDropped.Add(1);

    public static void WindowLateDroppedBy(long count)
    {
        if (count > 0)
        {
            WindowLateDropped.Add(count);
        }
    }

    /// <summary>Where the gauge of local shards reads from (the node's shard-locality view).</summary>
    public static void ObserveLocalShards(Func<int> read) => _localShards = read;

    /// <summary>What the dashboard shows of this node's totals since start.</summary>
    public static NodeTotals Totals()
    {
        var outcomes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var status in Enum.GetValues<TransactionStatus>())
        {
            foreach (var type in Enum.GetValues<TransactionType>())
            {
                var n = Interlocked.Read(ref OutcomeCounts[((int)status & 7) * 8 + ((int)type & 7)]);
                if (n > 0)
                {
                    outcomes[OutcomeName(status) + "/" + type.ToWire()] = n;
                }
            }
        }

        return new NodeTotals(DecidedTotal, outcomes, Interlocked.Read(ref IngestCounts[0]), Interlocked.Read(ref IngestCounts[1]),
            Interlocked.Read(ref IngestCounts[2]), Interlocked.Read(ref IngestCounts[3]), Interlocked.Read(ref _deadLetterTotal),
            Interlocked.Read(ref _inFlight), Interlocked.Read(ref _throttledTotal), Interlocked.Read(ref _alertsRaisedTotal));
    }

    /// <summary>The decision latency buckets so far (bucket i counts latencies in [2^i, 2^(i+1)) µs); the dashboard diffs two reads.</summary>
    public static long[] LatencySnapshot()
    {
        var copy = new long[LatencyCounts.Length];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = Interlocked.Read(ref LatencyCounts[i]);
        }

        return copy;
    }

    /// <summary>The quantile <paramref name="q"/> of the latencies counted in <paramref name="buckets"/>, in milliseconds (bucket upper bound).</summary>
    public static double QuantileMs(long[] buckets, double q)
    {
        var total = buckets.Sum();
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            seen += buckets[i];
            if (seen >= rank)
            {
                return (1L << (i + 1)) / 1000.0;
            }
        }

        return (1L << buckets.Length) / 1000.0;
    }

    private static string OutcomeName(TransactionStatus status) => status switch
    {
        TransactionStatus.Approved => "approved",
        TransactionStatus.Flagged => "flagged",
        TransactionStatus.Declined => "declined",
        TransactionStatus.Rejected => "rejected",
        _ => "conflict",
    };
}

/// <summary>A node's totals since start (see <see cref="PaymentsMetrics.Totals"/>); outcomes keyed "outcome/TYPE".</summary>
public sealed record NodeTotals(long Decided, IReadOnlyDictionary<string, long> Outcomes, long IngestRead, long IngestAccepted,
    long IngestRejected, long IngestDuplicates, long DeadLetters, long InFlight, long Throttled, long AlertsRaised);
