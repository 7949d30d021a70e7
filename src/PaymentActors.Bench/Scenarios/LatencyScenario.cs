using System.Diagnostics;
using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using HdrHistogram;
using PaymentActors.Bench.Harness;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// Latency below saturation on SQLite: on one node (10k accounts, uniform), the sustainable durable rate is
/// measured first (as fast as delivery takes requests, as <c>durable-sqlite</c> does, shorter), then requests
/// are offered at <see cref="LoadFraction"/> of it by a timer-driven source through <see cref="LedgerDelivery"/>.
/// Each transaction's latency runs from its scheduled submit time (i-th request: start + i / rate) to its
/// durable decision, so a late source or a stalled stream cannot hide queueing (coordinated omission); the
/// latency from the moment it was actually handed to delivery is reported beside it.
/// </summary>
public static class LatencyScenario
{
    public const double LoadFraction = 0.5;
    private const int Accounts = 10_000;

    private readonly record struct Sent(TransactionRequest Request, long Scheduled, long Submitted);

    public static async Task<ScenarioResult> RunAsync(bool quick)
    {
        var directory = BenchPaths.NewRunDirectory();
        try
        {
            var settings = new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Sqlite, DataDirectory = directory };
            await using var node = await BenchNode.StartAsync(settings);
            var materializer = node.System.Materializer();
            var flow = LedgerDelivery.Deliver<Sent, (TransactionOutcome Outcome, Sent Sent)>(node.Region, DeliverySettings.Default, x => x.Request, (x, o) => (o, x));

            // Warm-up: every account touched once (first touch is measured by cold-start).
            await Source.From(LedgerScenario.Requests(1, Accounts, Accounts, AccountChoice.Sequential, "w"))
                .Select(r => new Sent(r, 0, 0))
                .Via(flow)
                .RunWith(Sink.Ignore<(TransactionOutcome, Sent)>(), materializer);

            // 1. The sustainable rate: requests as fast as delivery takes them (bounded in flight).
            var saturation = quick ? 10_000 : 100_000;
            var stopwatch = Stopwatch.StartNew();
            await Source.From(LedgerScenario.Requests(2, saturation, Accounts, AccountChoice.Uniform, "s"))
                .Select(r => new Sent(r, 0, 0))
                .Via(flow)
                .RunWith(Sink.Ignore<(TransactionOutcome, Sent)>(), materializer);
            var sustainable = saturation / stopwatch.Elapsed.TotalSeconds;

            // 2. Offered load at a fraction of it, paced by a timer: every tick releases the requests whose
            // scheduled time (start + i / rate) has come, so timer jitter delays requests but never lowers the rate.
            var offered = Math.Max(1, (int)(sustainable * LoadFraction));
            var count = offered * (quick ? 5 : 30);
            var requests = LedgerScenario.Requests(3, count, Accounts, AccountChoice.Uniform, "l").ToArray();
            var ticksPerRequest = Stopwatch.Frequency / (double)offered;
            var fromSchedule = new LongHistogram(TimeStamp.Minutes(5), 3);
            var fromSubmit = new LongHistogram(TimeStamp.Minutes(5), 3);
            long start = 0, released = 0, last = 0;
            await Source.Tick(TimeSpan.Zero, TimeSpan.FromMilliseconds(5), NotUsed.Instance)
                .SelectMany(_ =>
                {
                    var now = Stopwatch.GetTimestamp();
                    if (start == 0)
                    {
                        start = now;
                    }

                    var due = Math.Min(count, (long)((now - start) / ticksPerRequest) + 1);
                    var from = released;
                    released = Math.Max(released, due);
                    return Enumerable.Range((int)from, (int)(released - from))
                        .Select(i => new Sent(requests[i], start + (long)(i * ticksPerRequest), now));
                })
                .Take(count)
                .Via(flow)
                .RunForeach(x =>
                {
                    last = Stopwatch.GetTimestamp();
                    fromSchedule.RecordValue(Micros(last - x.Sent.Scheduled));
                    fromSubmit.RecordValue(Micros(last - x.Sent.Submitted));
                }, materializer);
            var achieved = count / Stopwatch.GetElapsedTime(start, last).TotalSeconds;

            return new ScenarioResult("latency")
                .Rate(achieved)
                .Latency(fromSchedule)
                .Add("offered_per_s", offered, offered.ToString("N0"))
                .Add("achieved_per_s", achieved, achieved.ToString("N0"))
                .Add("sustainable_per_s", sustainable, sustainable.ToString("N0"))
                .Add("load_fraction", LoadFraction)
                .Add("transactions", count)
                .Add("p99_from_submit_ms", fromSubmit.GetValueAtPercentile(99) / 1000.0)
                .Add("p999_from_submit_ms", fromSubmit.GetValueAtPercentile(99.9) / 1000.0)
                .Note("latency", "SQLite (NORMAL), 10k accounts uniform; from the scheduled submit time to the durable decision")
                .Note("tx/s", "achieved rate at the offered load (not a throughput figure)");
        }
        finally
        {
            BenchPaths.TryDelete(directory);
        }
    }

    private static long Micros(long ticks) => Math.Max(1, ticks * 1_000_000 / Stopwatch.Frequency);
}
