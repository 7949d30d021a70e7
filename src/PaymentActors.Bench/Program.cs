using System.Diagnostics;
using PaymentActors.Bench.Harness;
using PaymentActors.Bench.Scenarios;
using PaymentActors.Cluster.Hosting;

namespace PaymentActors.Bench;

/// <summary>
/// <c>dotnet run -c Release --project src/PaymentActors.Bench -- SCENARIO [--quick] [--json FILE]</c>.
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
                "limits" => await LimitsScenario.RunAsync(quick),
                "ingest" => StageScenarios.Ingest(Sample(), quick),
                "windows" => StageScenarios.Windows(quick),
                "memory" => await DurableScenarios.RunAsync("memory", DatabaseKind.Memory, quick),
                "durable-sqlite" => await DurableScenarios.RunAsync("durable-sqlite", DatabaseKind.Sqlite, quick),
                "cold-start" => await ColdStart(quick),
                "durable-postgres" => await DurableScenarios.RunAsync("durable-postgres", DatabaseKind.Postgres, quick),
                "latency" => await LatencyScenario.RunAsync(quick),
                "idle-memory" => await IdleMemoryScenario.RunAsync(quick),
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
