using System.CommandLine;
using System.CommandLine.Help;
using System.Diagnostics;
using System.Globalization;
using PaymentActors.Bench.Harness;
using PaymentActors.Bench.Scenarios;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Testing;

namespace PaymentActors.Bench;

/// <summary>
/// <c>dotnet run -c Release --project src/PaymentActors.Bench -- SCENARIO [--quick] [--accounts N] [--json FILE]</c>.
/// Each scenario prints a table and, as its last line, one JSON object.
/// </summary>
public static class Program
{
    private static readonly string[] All = ["limits", "ingest", "windows", "memory", "durable-sqlite", "cold-start",
        "durable-postgres",
        "latency",
        "idle-memory",
        "cluster",
        "serializer",
    ];

    public static async Task<int> Main(string[] args)
    {
        var scenario = new Argument<string>("SCENARIO") { Description = $"all, or one of: {string.Join(", ", All)}" };
        scenario.AcceptOnlyFromAmong(["all", .. All]);
        var quick = new Option<bool>("--quick") { Description = "small sizes (CI): a smoke run, not figures" };
        var json = new Option<string>("--json") { Description = "also write each scenario's result as one JSON line to FILE" };
        var accounts = new Option<int?>("--accounts")
        {
            Description = $"idle-memory: accounts to load (default {IdleMemoryScenario.FullAccounts:N0}, {IdleMemoryScenario.QuickAccounts:N0} with --quick)",
            CustomParser = r =>
            {
                var text = r.Tokens.Single().Value;
                if (int.TryParse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var n) && n > 0)
                {
                    return n;
                }

                r.AddError($"--accounts: '{text}' is not a whole number greater than zero");
                return null;
            },
        };
        var root = new RootCommand("PaymentActors benchmark harness (run in Release)") { scenario, quick, accounts, json };
        root.SetAction(parse => RunAsync(parse.GetValue(scenario)!, parse.GetValue(quick), parse.GetValue(accounts), parse.GetValue(json)));
        var parse = root.Parse(args);
        if (parse.Action is HelpAction)
        {
            return await parse.InvokeAsync();
        }

        if (parse.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"error: {parse.Errors[0].Message} (--help for usage)");
            return 2;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(string scenarioName, bool quick, int? accounts, string? jsonFile)
    {
        if (!IsRelease())
        {
            Console.Error.WriteLine("warning: not a Release build; figures are not representative");
        }

        var scenarios = scenarioName == "all" ? All : [scenarioName];
        var results = new List<ScenarioResult>();
        foreach (var scenario in scenarios)
        {
            var result = scenario switch
            {
                "limits" => await LimitsScenario.RunAsync(quick),
                "ingest" => StageScenarios.Ingest(Sample(), quick),
                "windows" => StageScenarios.Windows(quick),
                "memory" => await DurableScenarios.RunAsync("memory", DatabaseKind.Memory, quick),
                "durable-sqlite" => await DurableScenarios.RunAsync("durable-sqlite", DatabaseKind.Sqlite, quick),
                "cold-start" => await ColdStart(quick),
                "durable-postgres" => await DurableScenarios.RunAsync("durable-postgres", DatabaseKind.Postgres, quick),
                "latency" => await LatencyScenario.RunAsync(quick),
                "idle-memory" => await IdleMemoryScenario.RunAsync(accounts ?? (quick ? IdleMemoryScenario.QuickAccounts : IdleMemoryScenario.FullAccounts)),
                "cluster" => await ClusterScenario.RunAsync(quick),
                "serializer" => SerializerScenario.Run(quick),
                _ => null,
            };
            if (result is null)
            {
                Console.Error.WriteLine($"unknown scenario '{scenario}'; known: {string.Join(", ", All)}");
                return 2;
            }

            result.Print(Console.Out);
            results.Add(result);
        }

        if (jsonFile is not null)
        {
            await File.WriteAllLinesAsync(jsonFile, results.Select(r => r.ToJson()));
        }

        return 0;
    }

    private static string Sample() =>
        RepoPaths.FindAbove(Path.Combine("samples", "paysim-10k.csv"))
        ?? throw new FileNotFoundException("samples/paysim-10k.csv not found above the benchmark binaries");

    private static async Task<ScenarioResult> ColdStart(bool quick)
    {
        var accounts = quick ? 5_000 : 20_000;
        var directory = Path.Combine(BenchPaths.WorkDirectory, Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Sqlite, DataDirectory = directory };
            // one transaction per account: every message is a first touch
            var first = await LedgerScenario.RunAsync(settings, accounts, accounts, AccountChoice.Sequential, 0);
            var stopwatch = Stopwatch.StartNew();
            var again = await LedgerScenario.RunAsync(settings, accounts, accounts, AccountChoice.Sequential, 0);
            var restartSeconds = stopwatch.Elapsed.TotalSeconds;
            // The same on a node that is not fresh: a fresh process spends its first run compiling (17,000 methods), so the
            // figure above is a node's first seconds; this one is first touch in a node that has run a while.
            var warmNode = await LedgerScenario.RunAsync(settings with { DataDirectory = Path.Combine(directory, "warm") }, accounts, accounts,
                AccountChoice.Sequential, warmup: accounts, firstMeasuredAccount: accounts);
            return new ScenarioResult("cold-start")
                .Rate(first.TxPerSecond)
                .Latency(first.Latency)
                .Add("new_accounts_per_s", first.TxPerSecond, first.TxPerSecond.ToString("N0"))
                .Add("restart_touch_per_s", again.TxPerSecond, again.TxPerSecond.ToString("N0"))
                .Add("restart_seconds_incl_startup", restartSeconds)
                .Add("new_accounts_per_s_warm_node", warmNode.TxPerSecond, warmNode.TxPerSecond.ToString("N0"))
                .Add("new_account_cpu_us_warm_node", warmNode.CpuMicrosPerTx);
        }
        finally
        {
            TryDelete(directory);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, true);
            }
        }
        catch (IOException)
        {
        }
    }

    private static bool IsRelease() =>
        !typeof(Program).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false)
            .OfType<DebuggableAttribute>().Any(d => d.IsJITTrackingEnabled);
}
