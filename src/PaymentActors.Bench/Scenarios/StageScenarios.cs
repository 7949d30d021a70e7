using System.Diagnostics;
using PaymentActors.Bench.Harness;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Windows;

namespace PaymentActors.Bench.Scenarios;

/// <summary>Stage-only throughput on one core: preprocessing (parse, validate, normalise) and the window stage.</summary>
public static class StageScenarios
{
    public static ScenarioResult Ingest(string sample, bool quick)
    {
        var lines = File.ReadAllLines(sample).Skip(1).ToArray();
        var repeats = quick ? 20 : 200;
        var parser = new PaySimParser(new IngestionOptions());
        // Warm-up, then the measured pass over the sample scaled up (each copy on new line numbers).
        Parse(parser, lines, 2, sample);
        var stopwatch = Stopwatch.StartNew();
        var accepted = Parse(parser, lines, repeats, sample);
        var rate = accepted / stopwatch.Elapsed.TotalSeconds;
        return new ScenarioResult("ingest").Rate(rate).NoLatency()
            .Add("records", accepted).Add("records_per_s_per_core", rate, rate.ToString("N0")).Add("target_per_s_per_core", 1_000_000);
    }

    private static long Parse(PaySimParser parser, string[] lines, int repeats, string source)
    {
        long accepted = 0;
        for (var r = 0; r < repeats; r++)
        {
            for (var i = 0; i < lines.Length; i++)
            {
                if (parser.Parse(new RawRecord(source, (long)r * lines.Length + i + 2, lines[i])).Kind == ParseKind.Transaction)
                {
                    accepted++;
                }
            }
        }

        return accepted;
    }

    public static ScenarioResult Windows(bool quick)
    {
        var count = quick ? 500_000 : 5_000_000;
        var input = new TransactionGenerator(3, new GeneratorOptions(Accounts: 10_000, FraudRate: 0.01)).Generate(count)
            .Select(t => new DecidedTransaction(t.Request.TransactionId, t.Request.Type, t.Request.AmountMinor, t.Request.CurrencyCode,
                t.Request.Counterparty, t.Request.EventTimeMs, TransactionStatus.Approved))
            .ToArray();
        var output = new List<PartialWindowResult>();
        var warm = new PartialWindowAggregator(NamedWindow.Defaults, 300_000);
        foreach (var t in input.Take(50_000))
        {
            warm.Add(t, output);
        }

        output.Clear();
        var aggregator = new PartialWindowAggregator(NamedWindow.Defaults, 300_000);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < input.Length; i++)
        {
            aggregator.Add(input[i], output);
            if ((i & 1023) == 0)
            {
                aggregator.AdvanceWatermark(output);
                output.Clear();
            }
        }

        aggregator.AdvanceTo(long.MaxValue - 1, output);
        var rate = input.Length / stopwatch.Elapsed.TotalSeconds;
        // Per core: events per second of process CPU (the loop's thread and the GC's), which a busy machine does not
        // dilute the way it dilutes the wall-clock rate.
        var perCore = input.Length / (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        return new ScenarioResult("windows").Rate(rate).NoLatency()
            .Add("events", input.Length).Add("events_per_s_per_core", perCore, perCore.ToString("N0"))
            .Add("pane_updates_per_event", 3.3, "≈ one pane per key (3–4 keys); each hourly and 6-hour window is merged from panes when it fires")
            .Add("late_dropped", aggregator.LateDropped);
    }
}
