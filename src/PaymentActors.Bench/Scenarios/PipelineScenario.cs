using System.Diagnostics;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using HdrHistogram;
using PaymentActors.Bench.Harness;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// The full pipeline, as the <c>demo --generate</c> verb runs it: seeded generator → preprocessing (validate,
/// dedupe, normalise) → delivery to the sharded persistent accounts, which decide with the default risk
/// rules (alerts to the alert-collector singleton) and reply once durable → the node's window stage → the
/// window-collector singleton; source offsets are committed as outcomes arrive. Latency is per transaction,
/// from entering preprocessing to its durable outcome.
/// </summary>
public static class PipelineScenario
{
    /// <param name="CollectorLagMs">From the last outcome until the collector had merged every window (null: not within the wait).</param>
    /// <param name="AlertLagMs">From the last outcome until the alert collector had recorded an alert for every flagged or
    /// risk-declined decision (read from the journal; null: not within the wait).</param>
    /// <param name="Alerts">Flagged and risk-declined decisions of the measured run.</param>
    /// <param name="Transactions">How many were generated (all read, each decided once).</param>
    /// <param name="CpuMicrosPerTx">Process CPU time (all threads) per transaction while the transactions ran (as the ledger
    /// scenario measures it; the collector's catching up afterwards is <paramref name="CollectorLagMs"/>).</param>
    public sealed record Figures(double TxPerSecond, LongHistogram Latency, long Flagged, long Declined, double? CollectorLagMs, int Transactions, double CpuMicrosPerTx,
        double? AlertLagMs, long Alerts);

    private const long Day = 86_400_000;

    public static async Task<Figures> RunAsync(PaymentsNodeSettings settings, int count, int accounts, AccountSkew skew, TimeSpan collectorWait)
    {
        var windows = new NodeWindows();
        await using var node = await BenchNode.StartAsync(settings, new RiskRulesHolder(RuleSet.Default), windows);
        var materializer = node.System.Materializer();
        var options = new GeneratorOptions(Accounts: accounts, Skew: skew, FraudRate: 0.01);

        // Warm-up, a day before the measured event times: every generator account opened once with funds for
        // the run (first touch is measured by cold-start), then a short generated stream through the whole graph.
        await Source.From(Enumerable.Range(0, accounts).Select(i =>
                new TransactionRequest($"w-{i}", $"G{i}", TransactionType.CashIn, 1_000_000_000, options.Currency, null, options.StartMs - Day)))
            .Via(LedgerDelivery.Flow(node.Region))
            .RunWith(Sink.Ignore<TransactionOutcome>(), materializer);
        long alerts = 0;
        await FileIngestion.RunSourceAsync(node.System, node.Region, windows, "bench-warm-up",
            FileIngestion.GeneratorItems(1, Math.Min(count, 2_000), options with { StartMs = options.StartMs - Day }, 0),
            DeliverySettings.Default, new IngestionCounters(), null, onOutcome: o => alerts += RaisesAlert(o.Outcome) ? 1 : 0);
        var warmUpAlerts = alerts;

        var starts = new long[count + 1];
        var histogram = new LongHistogram(TimeStamp.Minutes(5), 3);
        var counters = new IngestionCounters();
        long lastOutcome = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var first = Stopwatch.GetTimestamp();
        var items = FileIngestion.GeneratorItems(2, count, options, 0).Select(item =>
        {
            starts[item.Position] = Stopwatch.GetTimestamp();
            return item;
        });
        var result = await FileIngestion.RunSourceAsync(node.System, node.Region, windows, "bench-generator", items, DeliverySettings.Default,
            counters, null, endWindowsAtEnd: true, onOutcome: o =>
            {
                lastOutcome = Stopwatch.GetTimestamp();
                alerts += RaisesAlert(o.Outcome) ? 1 : 0;
                histogram.RecordValue(Math.Max(1, (lastOutcome - starts[o.Position]) * 1_000_000 / Stopwatch.Frequency));
            });
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        if (!counters.IdentityHolds || counters.Read != count)
        {
            throw new InvalidOperationException($"pipeline: read {counters.Read} of {count} generated, accepted {counters.Accepted}, rejected {counters.Rejected}, duplicates {counters.Duplicates}");
        }

        var rate = count / Stopwatch.GetElapsedTime(first, lastOutcome).TotalSeconds;
        Console.Error.WriteLine($"  (pipeline {skew}: {rate:N0} tx/s; waiting for the window collector)");
        var windowLag = CollectorLagAsync(node, result.MaxEventTimeMs, lastOutcome, collectorWait);
        var alertLag = AlertLagAsync(node, alerts, lastOutcome, collectorWait);
        return new Figures(rate, histogram, counters.Flagged, counters.Declined, await windowLag, count, cpu, await alertLag, alerts - warmUpAlerts);
    }

    private static bool RaisesAlert(TransactionOutcome outcome) => !outcome.IsDuplicate &&
        (outcome.Status == TransactionStatus.Flagged || (outcome.Status == TransactionStatus.Declined && outcome.Code == RejectCode.RiskDeclined));

    /// <summary>Waits (bounded) until the alert collector has recorded <paramref name="expected"/> alerts (warm-up's included).</summary>
    private static async Task<double?> AlertLagAsync(SingleNode node, long expected, long lastOutcome, TimeSpan wait)
    {
        var collector = await node.Registry.GetAsync<AlertCollector>();
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        long recorded = 0;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                recorded = (await collector.Ask<AlertsReply>(new GetAlerts(null, long.MinValue, long.MaxValue, 1), TimeSpan.FromSeconds(2))).Total;
                if (recorded >= expected)
                {
                    return Stopwatch.GetElapsedTime(lastOutcome).TotalMilliseconds;
                }
            }
            catch (AskTimeoutException)
            {
                // the collector is busy: keep waiting until the deadline
            }

            await Task.Delay(20);
        }

        Console.Error.WriteLine($"  (alert collector after the wait: {recorded:N0} of {expected:N0} alerts recorded)");
        return null;
    }

    /// <summary>The window stage has ended its windows; wait (bounded) until the collector has merged all of them.</summary>
    private static async Task<double?> CollectorLagAsync(SingleNode node, long maxEventTime, long lastOutcome, TimeSpan wait)
    {
        var client = new WindowsClient(await node.Registry.GetAsync<WindowCollector>(), TimeSpan.FromSeconds(2));
        var deadline = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        Protocol.Analytics.CollectorStatus? last = null;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                var status = last = await client.GetStatusAsync();
                if (status.MinWatermark >= maxEventTime && status.OpenWindows == 0)
                {
                    return Stopwatch.GetElapsedTime(lastOutcome).TotalMilliseconds;
                }
            }
            catch (AskTimeoutException)
            {
                // the collector is busy: keep waiting until the deadline
            }

            await Task.Delay(20);
        }

        // Say what was still missing, so a miss can be told apart: a source's watermark short of the input's end, or open windows.
        Console.Error.WriteLine(last is null
            ? "  (the window collector did not answer)"
            : $"  (window collector after the wait: input's newest event time {maxEventTime}, min watermark {last.MinWatermark}, open windows {last.OpenWindows}, " +
              $"sources {string.Join(", ", last.Watermarks.Select(w => $"{w.Key}={w.Value}"))})");
        return null;
    }
}
