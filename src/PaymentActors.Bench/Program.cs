using System.Diagnostics;
using PaymentActors.Bench.Harness;
using PaymentActors.Bench.Scenarios;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Bench;

/// <summary>
/// <c>dotnet run -c Release --project src/PaymentActors.Bench -- SCENARIO [--quick] [--json FILE]</c>.
/// Each scenario prints a table and, as its last line, one JSON object.
/// </summary>
public static class Program
{
    private static readonly string[] All = ["limits", "ingest", "windows", "memory", "durable-sqlite", "cold-start", "cluster"];

    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine($"usage: PaymentActors.Bench SCENARIO|all [--quick] [--json FILE]\n  scenarios: {string.Join(", ", All)}");
            return 2;
        }

        var quick = args.Contains("--quick");
        var jsonIndex = Array.IndexOf(args, "--json");
        var jsonFile = jsonIndex >= 0 && jsonIndex + 1 < args.Length ? args[jsonIndex + 1] : null;
        if (!IsRelease())
        {
            Console.Error.WriteLine("warning: not a Release build; figures are not representative");
        }

        var scenarios = args[0] == "all" ? All : [args[0]];
        var results = new List<ScenarioResult>();
        foreach (var scenario in scenarios)
        {
            var result = scenario switch
            {
                "limits" => Limits(quick),
                "ingest" => StageScenarios.Ingest(Sample(), quick),
                "windows" => StageScenarios.Windows(quick),
                "memory" => await Ledger("memory", DatabaseKind.Memory, quick),
                "durable-sqlite" => await Ledger("durable-sqlite", DatabaseKind.Sqlite, quick),
                "cold-start" => await ColdStart(quick),
                "cluster" => await ClusterScenario.RunAsync(quick),
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

    private static string Sample()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "paysim-10k.csv");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("samples/paysim-10k.csv not found above the benchmark binaries");
    }

    private static string WorkDirectory => Path.Combine(Path.GetTempPath(), "paymentactors-bench");

    private static ScenarioResult Limits(bool quick)
    {
        var serializer = new PaymentsSerializer(null!);
        var payload = LimitsScenario.RepresentativePayload(serializer);
        var loop = LimitsScenario.InMemoryLoop(quick ? 2_000_000 : 20_000_000, 10_000);
        var normal = LimitsScenario.SqliteBatchedInsert(WorkDirectory, quick ? 50_000 : 500_000, payload, "NORMAL");
        var full = LimitsScenario.SqliteBatchedInsert(WorkDirectory, quick ? 50_000 : 300_000, payload, "FULL");
        return new ScenarioResult("limits")
            .Rate(loop)
            .NoLatency()
            .Add("in_memory_loop_per_s", loop, loop.ToString("N0"))
            .Add("sqlite_insert_normal_rows_per_s", normal, normal.ToString("N0"))
            .Add("sqlite_insert_full_rows_per_s", full, full.ToString("N0"))
            .Add("payload_bytes", payload.Length);
    }

    private static async Task<ScenarioResult> Ledger(string name, DatabaseKind database, bool quick)
    {
        var count = quick ? 20_000 : 200_000;
        var limit = database == DatabaseKind.Sqlite
            ? LimitsScenario.SqliteBatchedInsert(WorkDirectory, quick ? 50_000 : 300_000, LimitsScenario.RepresentativePayload(new PaymentsSerializer(null!)), "NORMAL")
            : LimitsScenario.InMemoryLoop(quick ? 2_000_000 : 20_000_000, 10_000);
        ScenarioResult? result = null;
        foreach (var choice in new[] { AccountChoice.Uniform, AccountChoice.Zipf })
        {
            var directory = Path.Combine(WorkDirectory, Guid.NewGuid().ToString("N"));
            try
            {
                var settings = new PaymentsNodeSettings { Port = 0, Database = database, DataDirectory = directory };
                var figures = await LedgerScenario.RunAsync(settings, count, 10_000, choice, warmup: 10_000);
                if (result is null)
                {
                    // The headline figure is the uniform run; the Zipf run is reported beside it.
                    result = new ScenarioResult(name).Rate(figures.TxPerSecond).Latency(figures.Latency).Limit(limit, figures.TxPerSecond)
                        .Add("cpu_us_per_tx", figures.CpuMicrosPerTx).Add("accounts", 10_000).Add("transactions", count);
                }
                else
                {
                    result.Add("zipf_tx_per_s", figures.TxPerSecond, figures.TxPerSecond.ToString("N0"))
                        .Add("zipf_p99_ms", figures.Latency.GetValueAtPercentile(99) / 1000.0)
                        .Add("zipf_cpu_us_per_tx", figures.CpuMicrosPerTx);
                }
            }
            finally
            {
                TryDelete(directory);
            }
        }

        return result!;
    }

    private static async Task<ScenarioResult> ColdStart(bool quick)
    {
        var accounts = quick ? 5_000 : 20_000;
        var directory = Path.Combine(WorkDirectory, Guid.NewGuid().ToString("N"));
        try
        {
            var settings = new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Sqlite, DataDirectory = directory };
            // one transaction per account: every message is a first touch
            var first = await LedgerScenario.RunAsync(settings, accounts, accounts, AccountChoice.Sequential, 0);
            var stopwatch = Stopwatch.StartNew();
            var again = await LedgerScenario.RunAsync(settings, accounts, accounts, AccountChoice.Sequential, 0);
            return new ScenarioResult("cold-start")
                .Rate(first.TxPerSecond)
                .Latency(first.Latency)
                .Add("new_accounts_per_s", first.TxPerSecond, first.TxPerSecond.ToString("N0"))
                .Add("restart_touch_per_s", again.TxPerSecond, again.TxPerSecond.ToString("N0"))
                .Add("restart_seconds_incl_startup", stopwatch.Elapsed.TotalSeconds);
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
