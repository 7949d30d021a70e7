using System.Diagnostics;
using PaymentActors.Bench.Harness;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Domain.Windows;
using PaymentActors.Protocol.Accounts;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Serialization;
using PaymentActors.Protocol.Serialization.Legacy;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// <c>serializer</c>: the hot-path messages (and a full account snapshot) serialized and deserialized by format 1 (the positional binary layout,
/// now read-only) and format 2 (Protocol Buffers, what nodes write) in the same run, alternating rounds so that
/// machine load hits both alike. Per message: CPU nanoseconds per round trip, payload bytes, and format 2 / format 1.
/// </summary>
public static class SerializerScenario
{
    public static ScenarioResult Run(bool quick)
    {
        var serializer = new PaymentsSerializer(null!);
        var rules = new[] { new RuleHit("velocity", 2, "6 transactions in 10 min") };
        var request = new TransactionRequest("gen-42-0001234567", "C1234567890", TransactionType.Transfer, 123_456, "USD", "C9876543210", 1_767_225_600_000);
        var outcome = new TransactionOutcome(request.TransactionId, TransactionStatus.Approved, false, RejectCode.None, null, 9_876_543, "USD", []);
        var stats = new AmountStats();
        for (var i = 1; i <= 200; i++)
        {
            stats.Add(i * 1_117);
        }

        // A hot account's snapshot: its dedupe memory full (10,000 ids) and its recent history.
        var account = new AccountState("C1234567890");
        account.Apply(new AccountOpened("C1234567890", "USD", 0, 0, 0));
        for (var i = 0; i < AccountPolicy.Default.DedupeRetention; i++)
        {
            foreach (var e in account.Decide(request with { TransactionId = $"gen-42-{i:D10}", Type = TransactionType.CashIn, Counterparty = null }).Events)
            {
                account.Apply(e);
            }
        }

        var messages = new (string Name, object Message)[]
        {
            ("approved", new TransactionApproved(request.TransactionId, TransactionType.Payment, 123_456, "M1234567890", 1_767_225_600_000, 0x1234_5678_9ABC_DEF0, false, [])),
            ("declined", new TransactionDeclined(request.TransactionId, TransactionType.CashOut, 123_456, null, 1_767_225_600_000, 0x1234_5678_9ABC_DEF0,
                RejectCode.InsufficientFunds, "amount: 1234.56 exceeds balance 100.00 + overdraft 0.00", rules)),
            ("batch16", new SubmitTransactionBatch("C1234567890", Enumerable.Range(0, 16).Select(i => request with { TransactionId = $"gen-42-{i:D10}" }).ToArray(), 77)),
            ("outcome16", new TransactionBatchOutcome("C1234567890", Enumerable.Range(0, 16).Select(i => outcome with { TransactionId = $"gen-42-{i:D10}" }).ToArray(), 77)),
            ("credit", new CreditTransfer("C9876543210", request.TransactionId, "C1234567890", 123_456, "USD", 1_767_225_600_000, 500_000)),
            ("partials", new WindowPartials("akka.tcp://payments@127.0.0.1:4053#1",
                Enumerable.Range(0, 8).Select(i => new PartialWindowResult("hourly", $"type:PAYMENT/USD{i}", 0, 3_600_000, stats.ToState())).ToArray(), 3_600_000, false, 9)),
            ("snapshot", account.ToSnapshot()),
        };

        var rounds = quick ? 3 : 10;
        var roundLength = TimeSpan.FromMilliseconds(quick ? 200 : 500);
        var result = new ScenarioResult("serializer");
        var totalOne = 0.0;
        var totalTwo = 0.0;

        // Warm-up: every path runs long enough for the JIT's optimised tier before anything is timed.
        foreach (var (_, message) in messages)
        {
            var oneManifest = FormatOneWriter.Manifest(message);
            var twoManifest = serializer.Manifest(message);
            CpuNanosPerRoundTrip(() => FormatOneWriter.ToBinary(message), bytes => FormatOneReader.Read(bytes, oneManifest), roundLength);
            CpuNanosPerRoundTrip(() => serializer.ToBinary(message), bytes => serializer.FromBinary(bytes, twoManifest), roundLength);
        }

        foreach (var (name, message) in messages)
        {
            var oneManifest = FormatOneWriter.Manifest(message);
            var twoManifest = serializer.Manifest(message);
            byte[] One() => FormatOneWriter.ToBinary(message);
            byte[] Two() => serializer.ToBinary(message);
            var oneNs = double.MaxValue;
            var twoNs = double.MaxValue;
            for (var round = 0; round < rounds; round++)
            {
                // Alternating rounds, the best of each: the least disturbed by the GC and other processes.
                oneNs = Math.Min(oneNs, CpuNanosPerRoundTrip(One, bytes => FormatOneReader.Read(bytes, oneManifest), roundLength));
                twoNs = Math.Min(twoNs, CpuNanosPerRoundTrip(Two, bytes => serializer.FromBinary(bytes, twoManifest), roundLength));
            }

            totalOne += oneNs;
            totalTwo += twoNs;
            result.Add($"{name}_f1_ns", oneNs, $"{oneNs:N0} ns, {One().Length} B")
                .Add($"{name}_f2_ns", twoNs, $"{twoNs:N0} ns, {Two().Length} B")
                .Add($"{name}_f2_over_f1", twoNs / oneNs, $"time {twoNs / oneNs:F2}x, size {(double)Two().Length / One().Length:F2}x");
        }

        return result.Add("all_f2_over_f1", totalTwo / totalOne, $"{totalTwo / totalOne:F2}x (sum of the per-message times)")
            .Add("note", "CPU ns per serialize + deserialize, best round; f1 = positional binary (read-only), f2 = Protocol Buffers");
    }

    /// <summary>
    /// Process CPU time per serialize + deserialize over a round of about <paramref name="length"/>: CPU time rather
    /// than wall time, so that time the thread spends descheduled on a shared machine does not count.
    /// </summary>
    private static double CpuNanosPerRoundTrip(Func<byte[]> write, Func<byte[], object> read, TimeSpan length)
    {
        var count = 0L;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < length)
        {
            for (var i = 0; i < 100; i++)
            {
                read(write());
            }

            count += 100;
        }

        return (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalNanoseconds / count;
    }
}
