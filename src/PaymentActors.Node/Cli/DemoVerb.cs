using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Windows;
using PaymentActors.Node.Hosting;
using PaymentActors.Node.Observability;
using PaymentActors.Protocol.Analytics;
using Spectre.Console;

namespace PaymentActors.Node.Cli;

/// <summary>
/// <c>paymentactors demo</c>: a single node on embedded SQLite replays a file (default: the bundled PaySim
/// sample, in event-time order) through the whole pipeline and prints counts, window results and alerts.
/// </summary>
public static class DemoVerb
{
    public static Command Command()
    {
        var command = new Command("demo", "replay a file (default: the bundled PaySim sample) on a single node with embedded SQLite");
        var file = new Option<string>("--file") { Description = "file to replay (default samples/paysim-10k.csv)" };
        var format = new Option<string>("--format") { Description = "paysim | csv | jsonl (default: from the file)" };
        format.AcceptOnlyFromAmong("paysim", "csv", "jsonl");
        var json = new Option<bool>("--json") { Description = "print the summary as one JSON object on the last line" };
        var noProgress = new Option<bool>("--no-progress") { Description = "no progress bar" };
        var deadLetters = new Option<string>("--dead-letters") { Description = "dead-letter JSON Lines file (default: in the data directory)" };
        var db = new Option<string>("--db") { Description = "sqlite | memory (the demo is single-node)", DefaultValueFactory = _ => "sqlite" };
        db.AcceptOnlyFromAmong("sqlite", "memory");
        var generate = NumberOption.Create<long>("--generate", "replay N records of the seeded generator instead of a file; 0: the file", 0, n => n >= 0, "a non-negative count");
        var accounts = NonNegative("--accounts", "generator: number of accounts", 10_000);
        var seed = NonNegative("--seed", "generator: seed", 1);
        var rate = NonNegative("--rate", "generator: records per second (0: as fast as accepted)", 0);
        var fraudRate = NumberOption.Create("--fraud-rate", "generator: share of fraud-like records", 0.0, f => f is >= 0 and <= 1, "a number from 0 to 1");
        var zipf = new Option<bool>("--zipf") { Description = "generator: Zipf-skewed accounts instead of uniform" };
        var httpPort = NumberOption.Create("--http-port", "port of the node's HTTP API and live dashboard on 127.0.0.1 (0: any free port)", 0, p => p is >= 0 and <= 65535, "a TCP port (0-65535)");
        var hold = new Option<bool>("--hold") { Description = "keep the node and its dashboard up after the replay, until Ctrl+C" };
        var importPolicy = ImportPolicyOption.Create("import-overdraft for a PaySim file, else strict");
        foreach (var o in new Option[] { file, format, json, noProgress, deadLetters, db, generate, accounts, seed, rate, fraudRate, zipf, httpPort, hold, importPolicy })
        {
            command.Options.Add(o);
        }

        List<SettingOption> settings = [.. SettingGroups.Storage(command), .. SettingGroups.Logging(command)];
        // The token System.CommandLine hands over is not tied to signals here (its own handling is off): use ours.
        command.SetAction((parse, _) =>
        {
            var configuration = NodeSettingsBinder.BuildConfiguration(parse, settings);
            var options = NodeSettingsBinder.BindOptions(configuration, new NodeOptionsValidator());
            var log = NodeLogOptions.From(configuration, LogLevel.Warning);
            var generator = parse.GetValue(generate) is var n and > 0
                ? new GeneratorRun(n, parse.GetValue(seed), parse.GetValue(rate),
                    new GeneratorOptions(Accounts: parse.GetValue(accounts), Skew: parse.GetValue(zipf) ? AccountSkew.Zipf : AccountSkew.Uniform, FraudRate: parse.GetValue(fraudRate)))
                : null;
            return RunAsync(new DemoRun(parse.GetValue(file), parse.GetValue(format), parse.GetValue(json), parse.GetValue(noProgress), parse.GetValue(deadLetters),
                parse.GetValue(db)!, generator, options, parse.GetValue(httpPort), parse.GetValue(hold), log, parse.GetValue(importPolicy)), ShutdownSignals.Stopping);
        });
        return command;
    }

    private static Option<int> NonNegative(string name, string description, int fallback) =>
        NumberOption.Create(name, description, fallback, v => v >= 0, "a non-negative integer");

    private sealed record GeneratorRun(long Count, int Seed, int Rate, GeneratorOptions Options);

    private sealed record DemoRun(string? File, string? Format, bool Json, bool NoProgress, string? DeadLetters, string Db, GeneratorRun? Generator, NodeOptions Options,
        int HttpPort, bool Hold, NodeLogOptions Log, ImportPolicy? ImportPolicy);

    private static async Task<int> RunAsync(DemoRun demo, CancellationToken cancel)
    {
        var json = demo.Json;
        var hold = demo.Hold;
        var httpPort = demo.HttpPort;
        var log = demo.Log;
        var generate = demo.Generator?.Count ?? 0;
        var file = demo.Generator is { } g ? $"generator:{g.Seed}" : demo.File ?? BundledSample();
        if (generate == 0 && !File.Exists(file))
        {
            throw new CliException($"--file: '{file}' does not exist");
        }

        var format = (demo.Format ?? (generate > 0 ? "jsonl" : GuessFormat(file))) switch
        {
            "paysim" => InputFormat.PaySim,
            "csv" => InputFormat.Csv,
            _ => InputFormat.JsonLines,
        };

        // A fresh data directory per run unless one is given (reusing one shows resume and idempotency).
        var dataDir = demo.Options.DataDir
            ?? Path.Combine("data", "demo", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture));
        var deadLetterPath = demo.DeadLetters ?? Path.Combine(dataDir, "dead-letters.jsonl");
        var settings = new PaymentsNodeSettings
        {
            Port = 0,
            Database = demo.Db == "memory" ? DatabaseKind.Memory : DatabaseKind.Sqlite,
            DataDirectory = dataDir,
            SqliteDurability = NodeOptionsValidator.ParseDurability(demo.Options.SqliteDurability),
            WindowResultsFile = Path.Combine(dataDir, "window-results.jsonl"),
            AlertsFile = Path.Combine(dataDir, "alerts.jsonl"),
            MaxWindowResultsPerQuery = int.MaxValue, // in-process: no remoting frame to fit
            Windows = WindowSettings.Default with { IdleTimeout = TimeSpan.FromMilliseconds(500) },
            // Ctrl+C and SIGTERM are the CLI's (ShutdownSignals): Akka's own exit hook would stop the actor system
            // underneath the running ingestion, before its stream has stopped and its offsets are committed.
            ExtraHocon = "akka.coordinated-shutdown.run-by-clr-shutdown-hook = off",
        };
        // PaySim's balances are inconsistent by design: unless told otherwise, the accounts its records open get the
        // import overdraft (docs/INGESTION.md), as `ingest --import-policy` and POST /transactions?importPolicy= give them.
        var ingestion = new IngestionOptions
        {
            ImportPolicy = demo.ImportPolicy ?? (format == InputFormat.PaySim && generate == 0 ? ImportPolicy.ImportOverdraft : ImportPolicy.Strict),
        };
        using var nodeLock = SqliteNodeLock.Acquire(settings);

        var nodeWindows = new NodeWindows();
        var risk = new RiskRulesHolder(RiskRulesFile.Load(demo.Options.Rules));
        var alerts = new AlertTally();
        // The node with its HTTP API and live dashboard (an ephemeral port unless --http-port says otherwise).
        var node = NodeVerb.BuildApp(settings, risk, httpPort, log: log, nodeWindows: nodeWindows, bindAnyPort: true);
        await node.StartAsync();
        var system = node.Services.GetRequiredService<ActorSystem>();
        var registry = node.Services.GetRequiredService<ActorRegistry>();
        var region = await registry.GetAsync<AccountRegion>();
        var collector = await registry.GetAsync<WindowCollector>();
        var dashboard = node.Urls.FirstOrDefault() is { } url ? url.TrimEnd('/') + "/" : null;
        if (!json && dashboard is not null)
        {
            Console.WriteLine($"live dashboard: {dashboard}{(hold ? "" : "  (--hold keeps it up after the replay)")}");
        }

        var counters = new IngestionCounters();
        using var deadLetters = DeadLetterWriter.ToFile(deadLetterPath);
        var stopwatch = Stopwatch.StartNew();
        var run = demo.Generator is { } generator
            ? FileIngestion.RunSourceAsync(system, region, nodeWindows, file,
                FileIngestion.GeneratorItems(generator.Seed, generator.Count, generator.Options, generator.Rate, ingestion.ImportPolicy),
                DeliverySettings.Default, counters, deadLetters, cancel, endWindowsAtEnd: true, onOutcome: alerts.Add)
            : FileIngestion.RunAsync(system, region, nodeWindows, file, format, nodeWindows.IngestionOptions(ingestion), DeliverySettings.Default, counters, deadLetters,
                cancel, endWindowsAtEnd: true, onOutcome: alerts.Add);
        await ShowProgressAsync(run, counters, generate > 0 ? generate : CountLines(file), Path.GetFileName(file),
            !json && !demo.NoProgress && !Console.IsOutputRedirected);
        FileIngestionResult result;
        try
        {
            result = await run;
        }
        catch (Exception) when (cancel.IsCancellationRequested)
        {
            result = new FileIngestionResult(0, 0, long.MinValue);
        }

        var elapsed = stopwatch.Elapsed;

        // Stopped by Ctrl+C or SIGTERM: the offsets committed so far stay; no waiting for windows to close.
        var windows = cancel.IsCancellationRequested ? [] : await WaitForWindowsAsync(collector, result.MaxEventTimeMs, cancel);
        if (cancel.IsCancellationRequested)
        {
            // Everything acknowledged is already durable: a single node has nothing to hand over, so its
            // shutdown gets 2 s before the process goes (the 5 s promise of a Ctrl+C).
            using var stopDeadline = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await Task.WhenAny(node.StopAsync(stopDeadline.Token), Task.Delay(TimeSpan.FromSeconds(2)));
            await Console.Error.WriteLineAsync($"stopped after {counters.Read:N0} records; run again with --data-dir {dataDir} to resume after the committed offset");
            PrintSummary(file, counters, elapsed, result, deadLetterPath, dataDir, windows, stopped: true);
            return ShutdownSignals.InterruptedExitCode;
        }

        if (!hold)
        {
            await node.StopAsync();
            await node.DisposeAsync();
        }

        PrintSummary(file, counters, elapsed, result, deadLetterPath, dataDir, windows);
        alerts.Print();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                file,
                importPolicy = ingestion.ImportPolicy.ToWire(),
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

        if (counters.Read > 0 && counters.Accepted == 0 && counters.Duplicates == 0)
        {
            throw CliException.Failure($"--file: none of the {counters.Read:N0} records was accepted (reasons in {Path.GetFullPath(deadLetterPath)})");
        }

        if (hold)
        {
            Console.WriteLine($"replay done; the node and its dashboard stay up at {dashboard} until Ctrl+C");
            try
            {
                await Task.Delay(Timeout.Infinite, cancel);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: the end of --hold.
            }

            await node.StopAsync();
            await node.DisposeAsync();
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
    private static async Task<IReadOnlyList<WindowResult>> WaitForWindowsAsync(IActorRef collector, long maxEventTime, CancellationToken cancel)
    {
        if (maxEventTime == long.MinValue)
        {
            return [];
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline && !cancel.IsCancellationRequested)
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

    /// <param name="stopped">Stopped by a signal: records still in flight then were not acknowledged, and a run resumed from
    /// the committed offset sends them again (their ids make that safe).</param>
    private static void PrintSummary(string file, IngestionCounters c, TimeSpan elapsed, FileIngestionResult result, string deadLetters,
        string dataDir, IReadOnlyList<WindowResult> windows, bool stopped = false)
    {
        var console = Console80();
        console.WriteLine();
        // Every table fits 80 columns: counts one per row, and the window tables keep the columns that tell most (count,
        // sum, p50, p99; every statistic is in `query windows` and GET /windows).
        console.MarkupLine($"[bold]{Markup.Escape(file.StartsWith("generator:", StringComparison.Ordinal) ? file : Path.GetFileName(file))}[/] " +
                           $"in {elapsed.TotalSeconds:F1} s ({c.Read / Math.Max(elapsed.TotalSeconds, 1e-3):N0} records/s)");
        var counts = new Table().AddColumn("records").AddColumn(Right("count"));
        counts.AddRow("read", N(c.Read));
        counts.AddRow("accepted", N(c.Accepted));
        counts.AddRow("  approved", N(c.Approved));
        counts.AddRow("  flagged", N(c.Flagged));
        counts.AddRow("  declined", N(c.Declined));
        counts.AddRow("rejected", N(c.Rejected));
        counts.AddRow("duplicates", N(c.Duplicates));
        var unanswered = stopped ? c.Unanswered : 0;
        if (unanswered > 0)
        {
            counts.AddRow("unanswered when stopped", N(unanswered));
        }

        console.Write(counts);
        console.MarkupLine(c.IdentityHolds ? "[green]read = accepted + rejected + duplicates[/]"
            : unanswered > 0 ? "[green]read = accepted + rejected + duplicates + unanswered when stopped[/] (not acknowledged: the next run resends them)"
            : "[red]BROKEN: read ≠ accepted + rejected + duplicates[/]");
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
        console.MarkupLine("[bold]hourly windows by type[/]: the 6 busiest hours, amounts in currency units");
        var byType = new Table().Border(TableBorder.Simple)
            .AddColumn("hour (UTC)").AddColumn("type").AddColumns(Right("count"), Right("sum"), Right("p50"), Right("p99"));
        foreach (var hour in busiest)
        {
            foreach (var w in hour.OrderBy(w => w.Key, StringComparer.Ordinal))
            {
                var key = w.Key.Split('/');
                byType.AddRow(ShortTime(w.Start), key[0]["type:".Length..], N(w.Count), M(w.Sum, key[1]), M(w.Quantile(0.5), key[1]), M(w.Quantile(0.99), key[1]));
            }
        }

        console.Write(byType);

        var sliding = windows.Where(w => w.Window == "sliding-6h" && w.Key.StartsWith("all/", StringComparison.Ordinal))
            .OrderByDescending(w => w.Sum).Take(6).OrderBy(w => w.Start).ToList();
        console.MarkupLine("[bold]sliding 6 h / 1 h windows on totals[/]: the 6 largest by amount");
        var totals = new Table().Border(TableBorder.Simple)
            .AddColumn("from (UTC)").AddColumn("to").AddColumns(Right("count"), Right("sum"), Right("p99"));
        foreach (var w in sliding)
        {
            var currency = w.Key.Split('/')[1];
            totals.AddRow(ShortTime(w.Start), ShortTime(w.End), N(w.Count), M(w.Sum, currency), M(w.Quantile(0.99), currency));
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
            var console = Console80();
            console.MarkupLine($"[bold]risk alerts[/]: {Flagged:N0} flagged, {RiskDeclined:N0} declined by risk" +
                (ByRule.Count > 0 ? " — " + Markup.Escape(string.Join(", ", ByRule.Select(kv => $"{kv.Key} {kv.Value:N0}"))) : ""));
            if (Inconsistent > 0)
            {
                console.MarkupLine($"PaySim balance inconsistencies (debit above the reported balance; not declined, not alerts): {Inconsistent:N0}");
            }
        }
    }

    /// <summary>The console the summary is written to, 80 columns wide when there is no terminal to measure (a log file or pipe).</summary>
    private static IAnsiConsole Console80()
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 80;
        }

        return console;
    }

    private static TableColumn Right(string header) => new TableColumn(header).RightAligned();

    /// <summary>Month, day and time: the year of a replay's windows is the same in every row.</summary>
    private static string ShortTime(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string M(long minor, string currency) =>
        Currency.TryFind(currency, out var c, out _) ? Money.FormatMinor(minor, c.Exponent) : minor.ToString(CultureInfo.InvariantCulture);
}
