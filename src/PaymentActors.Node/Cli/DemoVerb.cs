using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain;
using PaymentActors.Domain.Windows;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Risk;
using PaymentActors.Node.Hosting;
using PaymentActors.Protocol.Analytics;
using Spectre.Console;

namespace PaymentActors.Node.Cli;

/// <summary>
/// <c>paymentactors demo</c>: a single node on embedded SQLite replays a file (default: the bundled PaySim
/// sample, in event-time order) through the whole pipeline and prints counts, window results and alerts.
/// </summary>
public static class DemoVerb
{
    public static async Task<int> RunAsync(string[] args)
    {
        var (options, switches) = CliArgs.Parse(args, ["--file", "--format", "--data-dir", "--dead-letters", "--sqlite-durability", "--db", "--rules",
            "--generate", "--accounts", "--seed", "--rate", "--fraud-rate"], ["--json", "--no-progress", "--zipf"]);
        var json = switches.Contains("--json");
        var generate = options.TryGetValue("--generate", out var n) ? long.TryParse(n, out var count) && count > 0 ? count
            : throw new CliException($"--generate: '{n}' is not a positive count") : 0;
        var file = generate > 0 ? $"generator:{options.GetValueOrDefault("--seed") ?? "1"}" : options.GetValueOrDefault("--file") ?? BundledSample();
        if (generate == 0 && !File.Exists(file))
        {
            throw new CliException($"--file: '{file}' does not exist");
        }

        var format = (options.GetValueOrDefault("--format") ?? (generate > 0 ? "jsonl" : GuessFormat(file))) switch
        {
            "paysim" => InputFormat.PaySim,
            "csv" => InputFormat.Csv,
            "jsonl" => InputFormat.JsonLines,
            var other => throw new CliException($"--format: '{other}' is not one of paysim, csv, jsonl"),
        };

        // A fresh data directory per run unless one is given (reusing one shows resume and idempotency).
        var dataDir = options.GetValueOrDefault("--data-dir")
            ?? Path.Combine("data", "demo", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture));
        var deadLetterPath = options.GetValueOrDefault("--dead-letters") ?? Path.Combine(dataDir, "dead-letters.jsonl");
        var settings = new PaymentsNodeSettings
        {
            Port = 0,
            Database = options.GetValueOrDefault("--db") switch
            {
                null or "sqlite" => DatabaseKind.Sqlite,
                "memory" => DatabaseKind.Memory,
                var other => throw new CliException($"--db: '{other}' is not one of sqlite, memory (the demo is single-node)"),
            },
            DataDirectory = dataDir,
            SqliteDurability = options.GetValueOrDefault("--sqlite-durability") == "full" ? SqliteDurability.Full : SqliteDurability.Normal,
            WindowResultsFile = Path.Combine(dataDir, "window-results.jsonl"),
            AlertsFile = Path.Combine(dataDir, "alerts.jsonl"),
            MaxWindowResultsPerQuery = int.MaxValue, // in-process: no remoting frame to fit
            Windows = WindowSettings.Default with { IdleTimeout = TimeSpan.FromMilliseconds(500) },
            // PaySim's balances are inconsistent by design: imported accounts get an import overdraft (docs/RISK.md).
            Accounts = format == InputFormat.PaySim
                ? AccountActorSettings.Default with { Policy = InMemoryRiskEvaluation.ImportPolicy }
                : AccountActorSettings.Default,
            ExtraHocon = "akka.loglevel = ERROR\nakka.stdout-loglevel = ERROR",
        };
        using var nodeLock = SqliteNodeLock.Acquire(settings);

        var nodeWindows = new NodeWindows();
        var risk = new RiskRulesHolder(RiskRulesFile.Load(options.GetValueOrDefault("--rules")));
        var alerts = new AlertTally();
        var node = await SingleNode.StartAsync(settings, risk, nodeWindows);
        var system = node.System;
        var region = node.Region;
        var collector = await node.Registry.GetAsync<WindowCollector>();

        var counters = new IngestionCounters();
        using var deadLetters = DeadLetterWriter.ToFile(deadLetterPath);
        var stopwatch = Stopwatch.StartNew();
        var run = generate > 0
            ? FileIngestion.RunSourceAsync(system, region, nodeWindows, file, FileIngestion.GeneratorItems(
                    ParseInt(options, "--seed", 1), generate,
                    new GeneratorOptions(Accounts: ParseInt(options, "--accounts", 10_000), Skew: switches.Contains("--zipf") ? AccountSkew.Zipf : AccountSkew.Uniform,
                        FraudRate: double.TryParse(options.GetValueOrDefault("--fraud-rate") ?? "0", System.Globalization.CultureInfo.InvariantCulture, out var f) ? f : 0),
                    ParseInt(options, "--rate", 0)),
                DeliverySettings.Default, counters, deadLetters, endWindowsAtEnd: true, onOutcome: alerts.Add)
            : FileIngestion.RunAsync(system, region, nodeWindows, file, format, new IngestionOptions(), DeliverySettings.Default, counters, deadLetters,
                endWindowsAtEnd: true, onOutcome: alerts.Add);
        await ShowProgressAsync(run, counters, generate > 0 ? generate : CountLines(file), Path.GetFileName(file),
            !json && !switches.Contains("--no-progress") && !Console.IsOutputRedirected);
        var result = await run;
        var elapsed = stopwatch.Elapsed;

        var windows = await WaitForWindowsAsync(collector, result.MaxEventTimeMs);
        await node.DisposeAsync();

        PrintSummary(file, counters, elapsed, result, deadLetterPath, dataDir, windows);
        alerts.Print();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                file,
                read = counters.Read,
                accepted = counters.Accepted,
                approved = counters.Approved,
                flagged = counters.Flagged,
                declined = counters.Declined,
                rejected = counters.Rejected,
                duplicates = counters.Duplicates,
                identityHolds = counters.IdentityHolds,
                resumedFromOffset = result.StartOffset,
                seconds = Math.Round(elapsed.TotalSeconds, 2),
                recordsPerSecond = Math.Round(counters.Read / Math.Max(elapsed.TotalSeconds, 1e-3)),
                deadLetters = Path.GetFullPath(deadLetterPath),
                dataDirectory = Path.GetFullPath(dataDir),
                windowResults = windows.Count,
                alerts = alerts.Flagged + alerts.RiskDeclined,
                alertsByRule = alerts.ByRule,
                paysimBalanceInconsistencies = alerts.Inconsistent,
            }));
        }

        return counters.IdentityHolds ? 0 : 1;
    }

    private static string BundledSample()
    {
        foreach (var candidate in new[]
                 {
                     Path.Combine("samples", "paysim-10k.csv"),
                     Path.Combine(AppContext.BaseDirectory, "samples", "paysim-10k.csv"),
                 })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new CliException("--file: the bundled sample samples/paysim-10k.csv was not found; pass --file PATH");
    }

    private static string GuessFormat(string file)
    {
        if (file.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase))
        {
            return "jsonl";
        }

        using var reader = new StreamReader(file);
        return reader.ReadLine()?.StartsWith("step,type,amount", StringComparison.Ordinal) == true ? "paysim" : "csv";
    }

    private static int ParseInt(Dictionary<string, string> options, string flag, int fallback) =>
        options.TryGetValue(flag, out var v) ? int.TryParse(v, out var i) && i >= 0 ? i : throw new CliException($"{flag}: '{v}' is not a non-negative integer") : fallback;

    private static long CountLines(string file) => Math.Max(1, File.ReadLines(file).LongCount() - 1);

    private static async Task ShowProgressAsync(Task run, IngestionCounters counters, long total, string name, bool live)
    {
        if (!live)
        {
            await run.ContinueWith(_ => { });
            return;
        }

        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("replaying", maxValue: total);
                var clock = Stopwatch.StartNew();
                while (!run.IsCompleted)
                {
                    var done = counters.Accepted + counters.Rejected + counters.Duplicates;
                    task.Value = done;
                    task.Description = $"replaying {name}: {done:N0} ({done / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):N0} records/s)";
                    await Task.WhenAny(run, Task.Delay(100));
                }

                task.Value = total;
            });
    }

    /// <summary>The node's window stage goes idle after the replay and flushes; wait until the collector has merged it.</summary>
    private static async Task<IReadOnlyList<WindowResult>> WaitForWindowsAsync(IActorRef collector, long maxEventTime)
    {
        if (maxEventTime == long.MinValue)
        {
            return [];
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var status = await new WindowsClient(collector).GetStatusAsync();
            if (status.MinWatermark >= maxEventTime && status.OpenWindows == 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        return await new WindowsClient(collector).GetResultsAsync();
    }

    private static void PrintSummary(string file, IngestionCounters c, TimeSpan elapsed, FileIngestionResult result, string deadLetters,
        string dataDir, IReadOnlyList<WindowResult> windows)
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 160; // a log file or pipe: no terminal to measure
        }

        console.WriteLine();
        var counts = new Table().Title($"[bold]{Markup.Escape(file.StartsWith("generator:", StringComparison.Ordinal) ? file : Path.GetFileName(file))}[/] in {elapsed.TotalSeconds:F1} s " +
                                       $"({c.Read / Math.Max(elapsed.TotalSeconds, 1e-3):N0} records/s)")
            .AddColumn("read").AddColumn("accepted").AddColumn("  approved").AddColumn("  flagged").AddColumn("  declined")
            .AddColumn("rejected").AddColumn("duplicates").AddColumn("identity");
        counts.AddRow(N(c.Read), N(c.Accepted), N(c.Approved), N(c.Flagged), N(c.Declined), N(c.Rejected), N(c.Duplicates),
            c.IdentityHolds ? "[green]read = accepted + rejected + duplicates[/]" : "[red]BROKEN[/]");
        console.Write(counts);
        if (result.StartOffset > 0)
        {
            console.MarkupLine($"resumed after offset {result.StartOffset:N0} (already committed by an earlier run)");
        }

        console.MarkupLine($"dead letters: {Markup.Escape(Path.GetFullPath(deadLetters))}");
        console.MarkupLine($"data: {Markup.Escape(Path.GetFullPath(dataDir))} (journal, window results)");

        if (windows.Count == 0)
        {
            return;
        }

        // Hourly tumbling windows by type: the busiest hours.
        var hourly = windows.Where(w => w.Window == "hourly" && w.Key.StartsWith("type:", StringComparison.Ordinal)).ToList();
        var busiest = hourly.GroupBy(w => w.Start).OrderByDescending(g => g.Sum(w => w.Count)).Take(6).OrderBy(g => g.Key).ToList();
        var byType = new Table().Title("[bold]hourly windows by type[/] (6 busiest hours; amounts in currency units)")
            .AddColumn("hour (UTC)").AddColumn("type").AddColumn("count").AddColumn("sum").AddColumn("mean").AddColumn("p50").AddColumn("p95").AddColumn("p99").AddColumn("max");
        foreach (var hour in busiest)
        {
            foreach (var w in hour.OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                var key = w.Key.Split('/');
                byType.AddRow(WindowResultJson.Time(w.Start), key[0]["type:".Length..], N(w.Count), M(w.Sum, key[1]), M(w.Mean, key[1]),
                    M(w.Quantile(0.5), key[1]), M(w.Quantile(0.95), key[1]), M(w.Quantile(0.99), key[1]), M(w.Max, key[1]));
            }
        }

        console.Write(byType);

        var sliding = windows.Where(w => w.Window == "sliding-6h" && w.Key.StartsWith("all/", StringComparison.Ordinal))
            .OrderByDescending(w => w.Sum).Take(6).OrderBy(w => w.Start).ToList();
        var totals = new Table().Title("[bold]sliding 6 h / 1 h windows on totals[/] (6 largest by amount)")
            .AddColumn("from (UTC)").AddColumn("to").AddColumn("count").AddColumn("sum").AddColumn("p99");
        foreach (var w in sliding)
        {
            var currency = w.Key.Split('/')[1];
            totals.AddRow(WindowResultJson.Time(w.Start), WindowResultJson.Time(w.End), N(w.Count), M(w.Sum, currency), M(w.Quantile(0.99), currency));
        }

        console.Write(totals);
        var decisions = windows.Where(w => w.Window == "hourly" && w.Key.StartsWith("decision:", StringComparison.Ordinal))
            .GroupBy(w => w.Key.Split('/')[0]["decision:".Length..]).Select(g => $"{g.Key} {g.Sum(w => w.Count):N0}");
        console.MarkupLine($"decisions in the hourly windows: {string.Join(", ", decisions)}; {windows.Count:N0} window results (JSON Lines and SQL table in the data directory)");
    }

    /// <summary>Risk alerts of a run: flagged and risk-declined decisions by rule; PaySim balance inconsistencies apart.</summary>
    private sealed class AlertTally
    {
        private readonly Lock _gate = new();

        public long Flagged { get; private set; }
        public long RiskDeclined { get; private set; }
        public long Inconsistent { get; private set; }
        public SortedDictionary<string, long> ByRule { get; } = new(StringComparer.Ordinal);

        public void Add(IngestOutcome o)
        {
            lock (_gate)
            {
                if (o.Transaction.ReportedBalanceTooLow && !o.Outcome.IsDuplicate)
                {
                    Inconsistent++;
                }

                var isAlert = o.Outcome.Status == Domain.Accounts.TransactionStatus.Flagged
                    || o.Outcome is { Status: Domain.Accounts.TransactionStatus.Declined, Code: Domain.Accounts.RejectCode.RiskDeclined };
                if (!isAlert || o.Outcome.IsDuplicate)
                {
                    return;
                }

                if (o.Outcome.Status == Domain.Accounts.TransactionStatus.Flagged)
                {
                    Flagged++;
                }
                else
                {
                    RiskDeclined++;
                }

                foreach (var hit in o.Outcome.Rules)
                {
                    ByRule[hit.RuleId] = ByRule.GetValueOrDefault(hit.RuleId) + 1;
                }
            }
        }

        public void Print()
        {
            var console = AnsiConsole.Console;
            console.MarkupLine($"[bold]risk alerts[/]: {Flagged:N0} flagged, {RiskDeclined:N0} declined by risk" +
                (ByRule.Count > 0 ? " — " + Markup.Escape(string.Join(", ", ByRule.Select(kv => $"{kv.Key} {kv.Value:N0}"))) : ""));
            if (Inconsistent > 0)
            {
                console.MarkupLine($"PaySim balance inconsistencies (debit above the reported balance; not declined, not alerts): {Inconsistent:N0}");
            }
        }
    }

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string M(long minor, string currency) =>
        Currency.TryFind(currency, out var c, out _) ? Money.FormatMinor(minor, c.Exponent) : minor.ToString(CultureInfo.InvariantCulture);
}
