using PaymentActors.Bench.Harness;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Protocol.Serialization;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// <c>memory</c>, <c>durable-sqlite</c> and <c>durable-postgres</c>: 10k accounts, uniform and Zipf, each on a
/// fresh node and an empty journal. The headline is the ledger alone (<see cref="LedgerScenario"/>); the full
/// pipeline (<see cref="PipelineScenario"/>) is measured beside it on its own fresh node. The limit is
/// measured in the same run: a raw sharded request/response loop (<see cref="ShardedEchoLoop"/>), SQLite batched
/// inserts, or PostgreSQL binary COPY.
/// </summary>
public static class DurableScenarios
{
    private const int Accounts = 10_000;

    public static async Task<ScenarioResult> RunAsync(string name, DatabaseKind database, bool quick)
    {
        BenchPostgres? postgres = null;
        try
        {
            if (database == DatabaseKind.Postgres && (postgres = await BenchPostgres.StartAsync()) is null)
            {
                return new ScenarioResult(name).Skipped(BenchPostgres.Unavailable);
            }

            var count = quick ? 20_000 : 200_000;
            var payload = LimitsScenario.RepresentativePayload(new PaymentsSerializer(null!));
            var limit = database switch
            {
                DatabaseKind.Sqlite => LimitsScenario.SqliteBatchedInsert(BenchPaths.WorkDirectory, quick ? 50_000 : 300_000, payload, "NORMAL"),
                DatabaseKind.Postgres => LimitsScenario.PostgresBinaryCopy(await postgres!.FreshDatabaseAsync("limit"), quick ? 50_000 : 300_000, payload),
                _ => await OnFreshNodeAsync(database, postgres, "raw-sharded-loop",
                    settings => ShardedEchoLoop.RunAsync(settings, quick ? 200_000 : 2_000_000, Accounts)),
            };

            var result = new ScenarioResult(name);
            foreach (var choice in new[] { AccountChoice.Uniform, AccountChoice.Zipf })
            {
                var figures = await OnFreshNodeAsync(database, postgres, $"ledger-{choice}",
                    settings => LedgerScenario.RunAsync(settings, count, Accounts, choice, warmup: Accounts));
                if (choice == AccountChoice.Uniform)
                {
                    // The headline figure is the uniform run of the ledger alone; the Zipf run is reported beside it.
                    result.Rate(figures.TxPerSecond).Latency(figures.Latency).Limit(limit, figures.TxPerSecond)
                        .Add("cpu_us_per_tx", figures.CpuMicrosPerTx).Add("accounts", Accounts).Add("transactions", count);
                }
                else
                {
                    result.Add("zipf_tx_per_s", figures.TxPerSecond, figures.TxPerSecond.ToString("N0"))
                        .Add("zipf_p99_ms", figures.Latency.GetValueAtPercentile(99) / 1000.0)
                        .Add("zipf_cpu_us_per_tx", figures.CpuMicrosPerTx);
                }
            }

            // --quick (CI, every scenario in a few minutes): the pipeline on uniform load only, half the transactions.
            var collectorWait = TimeSpan.FromSeconds(quick ? 10 : 60);
            foreach (var skew in quick ? [AccountSkew.Uniform] : new[] { AccountSkew.Uniform, AccountSkew.Zipf })
            {
                var pipeline = await OnFreshNodeAsync(database, postgres, $"pipeline-{skew}",
                    settings => PipelineScenario.RunAsync(settings, quick ? count / 2 : count, Accounts, skew, collectorWait));
                var prefix = skew == AccountSkew.Uniform ? "pipeline" : "pipeline_zipf";
                result.Add($"{prefix}_tx_per_s", pipeline.TxPerSecond, pipeline.TxPerSecond.ToString("N0"))
                    .Add($"{prefix}_p50_ms", pipeline.Latency.GetValueAtPercentile(50) / 1000.0)
                    .Add($"{prefix}_p99_ms", pipeline.Latency.GetValueAtPercentile(99) / 1000.0)
                    .Add($"{prefix}_cpu_us_per_tx", pipeline.CpuMicrosPerTx)
                    .Add($"{prefix}_flagged", pipeline.Flagged)
                    .Add($"{prefix}_declined", pipeline.Declined)
                    .Add($"{prefix}_transactions", pipeline.Transactions);
                if (pipeline.CollectorLagMs is { } lag)
                {
                    result.Add($"{prefix}_collector_lag_ms", lag);
                }
                else
                {
                    result.Missing($"{prefix}_collector_lag_ms", $"not within {collectorWait.TotalSeconds:F0} s");
                }

                result.Add($"{prefix}_alerts", pipeline.Alerts);
                if (pipeline.AlertLagMs is { } alertLag)
                {
                    result.Add($"{prefix}_alert_lag_ms", alertLag);
                }
                else
                {
                    result.Missing($"{prefix}_alert_lag_ms", $"not within {collectorWait.TotalSeconds:F0} s");
                }
            }

            if (postgres is not null)
            {
                result.Note("postgres server", postgres.Origin);
            }

            return result
                .Note("headline", "tx/s, p50/p99, ratio: the ledger alone (LedgerDelivery → sharded accounts, no risk rules)")
                .Note("pipeline_*", "full pipeline: generator → preprocessing → accounts with default risk rules → windows → collector");
        }
        finally
        {
            if (postgres is not null)
            {
                await postgres.DisposeAsync();
            }
        }
    }

    /// <summary>Runs <paramref name="run"/> against a node with an empty journal: a new data directory, and a new database on PostgreSQL.</summary>
    private static async Task<T> OnFreshNodeAsync<T>(DatabaseKind database, BenchPostgres? postgres, string purpose, Func<PaymentsNodeSettings, Task<T>> run)
    {
        var directory = BenchPaths.NewRunDirectory();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var settings = new PaymentsNodeSettings
            {
                Port = 0,
                Database = database,
                DataDirectory = directory,
                ConnectionString = postgres is null ? null : await postgres.FreshDatabaseAsync(purpose),
            };
            var figures = await run(settings);
            Console.Error.WriteLine($"  ({database} {purpose}: {stopwatch.Elapsed.TotalSeconds:F1} s with node start-up, warm-up and shutdown)");
            return figures;
        }
        finally
        {
            BenchPaths.TryDelete(directory);
        }
    }
}
