using System.Diagnostics;
using Akka.Streams;
using Akka.Streams.Dsl;
using HdrHistogram;
using PaymentActors.Bench.Harness;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Bench.Scenarios;

public enum AccountChoice
{
    Uniform,
    Zipf,

    /// <summary>Account i % K: touches every account once per K transactions.</summary>
    Sequential,
}

/// <summary>
/// Durable throughput of the ledger: requests → <see cref="LedgerDelivery"/> → sharded persistent
/// accounts, each outcome emitted only once durable. Latency is measured per transaction from entering
/// delivery to its durable outcome.
/// </summary>
public static class LedgerScenario
{
    /// <param name="CpuMicrosPerTx">Process CPU time (all threads) per transaction during the measured run: the cost
    /// of a transaction, less sensitive than the rate to other work on the machine.</param>
    public sealed record Figures(double TxPerSecond, LongHistogram Latency, long Approved, long Other, double CpuMicrosPerTx);

    /// <param name="firstMeasuredAccount">The measured run's accounts are numbered from here (the warm-up's from 0): above the
    /// warm-up's, every measured transaction is a first touch on a node already warm.</param>
    public static async Task<Figures> RunAsync(PaymentsNodeSettings settings, int count, int accounts, AccountChoice choice, int warmup,
        DeliverySettings? delivery = null, int firstMeasuredAccount = 0)
    {
        await using var node = await BenchNode.StartAsync(settings);
        var materializer = node.System.Materializer();
        var flow = LedgerDelivery.Deliver<(TransactionRequest Request, long Start), (TransactionOutcome Outcome, long Start)>(
            node.Region, delivery ?? DeliverySettings.Default, x => x.Request, (x, o) => (o, x.Start));

        // Warm-up touches every account once (first touch is measured by cold-start), plus pools.
        await Source.From(Requests(1, warmup, accounts, AccountChoice.Sequential, "w"))
            .Select(r => (r, Stopwatch.GetTimestamp()))
            .Via(flow)
            .RunWith(Sink.Ignore<(TransactionOutcome, long)>(), materializer);

        // Then the measured path itself, unmeasured: a fresh process otherwise spends the first measured run recompiling
        // its hot methods at tier 1 (the tiered-compilation thread took 15-24% of the process's CPU during it).
        if (warmup > 0)
        {
            await Source.From(Requests(3, Math.Max(warmup, count / 4), accounts, choice, "j"))
                .Select(r => (r, Stopwatch.GetTimestamp()))
                .Via(flow)
                .RunWith(Sink.Ignore<(TransactionOutcome, long)>(), materializer);
        }

        // Methods the JIT compiles during the measured run show how far from steady state it was (printed below).
        var jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var histogram = new LongHistogram(TimeStamp.Minutes(5), 3);
        long approved = 0, other = 0;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        await Source.From(Requests(2, count, accounts, choice, "m", firstMeasuredAccount))
            .Select(r => (r, Stopwatch.GetTimestamp()))
            .Via(flow)
            .RunForeach(x =>
            {
                histogram.RecordValue(Math.Max(1, (Stopwatch.GetTimestamp() - x.Start) * 1_000_000 / Stopwatch.Frequency));
                if (x.Outcome.IsApplied)
                {
                    approved++;
                }
                else
                {
                    other++;
                }
            }, materializer);
        var rate = count / stopwatch.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMicroseconds / count;
        Console.Error.WriteLine($"  (ledger {choice}: {rate:N0} tx/s, {cpu:F1} µs CPU per transaction, {System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore} methods compiled meanwhile)");
        return new Figures(rate, histogram, approved, other, cpu);
    }

    /// <summary>Seeded stream of CASH_IN / PAYMENT requests; every account is opened by a CASH_IN, so none is declined.</summary>
    public static IEnumerable<TransactionRequest> Requests(int seed, int count, int accounts, AccountChoice choice, string idPrefix, int firstAccount = 0)
    {
        var random = new Random(seed);
        var zipf = choice == AccountChoice.Zipf ? Zipf.Table(accounts, 1.1) : null;
        for (var i = 0; i < count; i++)
        {
            var account = choice switch
            {
                AccountChoice.Sequential => i % accounts,
                AccountChoice.Zipf => Zipf.Sample(zipf!, random.NextDouble()),
                _ => random.Next(accounts),
            };
            var credit = i < accounts || (i & 3) != 0;
            yield return new TransactionRequest($"{idPrefix}{seed}-{i}", $"C{firstAccount + account}", credit ? TransactionType.CashIn : TransactionType.Payment,
                credit ? 10_000 + random.Next(90_000) : 1 + random.Next(5_000), "USD", credit ? null : "M1", 1_767_225_600_000 + i,
                OpeningBalanceMinor: 1_000_000);
        }
    }
}
