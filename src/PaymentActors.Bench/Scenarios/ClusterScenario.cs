using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using HdrHistogram;
using PaymentActors.Bench.Harness;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Testing;

namespace PaymentActors.Bench.Scenarios;

/// <summary>
/// Throughput and latency of real node processes on one PostgreSQL server: one node, then three (real TCP on
/// 127.0.0.1), each phase on a fresh database, the same seeded load in both. The load goes as NDJSON batches to
/// each node's <c>POST /transactions</c>, spread evenly over the nodes with a bounded number of requests in flight
/// per node; the endpoint writes each record's outcome line only once the account has persisted it, so latency is
/// submit → durable decision as a client sees it. Each node counts what its ingestion sent to shards on other
/// nodes (<c>GET /metrics</c>), read before and after the measured load.
/// </summary>
public static class ClusterScenario
{
    private const long EventTimeBase = 1_767_225_600_000;

    /// <param name="ChunkLines">Records per HTTP request.</param>
    /// <param name="RequestsPerNode">Requests in flight per node (the node's ingest gate is set to the same).</param>
    /// <param name="TransferShare">Share of the measured transactions turned into TRANSFERs to another account.</param>
    public sealed record Settings(int Accounts, int Transactions, int ChunkLines, int RequestsPerNode, double TransferShare, int ClusterSize = 3)
    {
        public int InFlightPerNode => ChunkLines * RequestsPerNode;
    }

    public static readonly Settings Quick = new(Accounts: 1_000, Transactions: 8_000, ChunkLines: 250, RequestsPerNode: 2, TransferShare: 0.1);
    public static readonly Settings Full = new(Accounts: 10_000, Transactions: 150_000, ChunkLines: 250, RequestsPerNode: 4, TransferShare: 0.1);

    /// <summary>
    /// First touches cost three queries each: the warm-up keeps fewer in flight, so that none waits longer than
    /// delivery's ask timeout (15 s) on a slow machine and is sent twice.
    /// </summary>
    private const int WarmupChunkLines = 100;
    private const int WarmupRequestsPerNode = 2;

    /// <summary>
    /// Every node, the database and the load share one machine: a node starved of CPU for a few seconds must not
    /// be taken for a crashed one (unreachable, then downed by the split-brain resolver) in the middle of a run.
    /// </summary>
    private const string NodeConfig = "akka.cluster.failure-detector.acceptable-heartbeat-pause = 10s\n";

    /// <summary>Locality counters summed over the nodes: submissions and transfer credits to local or remote shards.</summary>
    public sealed record Locality(long SubmitLocal, long SubmitRemote, long CreditLocal, long CreditRemote, long Pending)
    {
        public long Messages => SubmitLocal + SubmitRemote + CreditLocal + CreditRemote;
        public double CrossShare => Messages == 0 ? 0 : (SubmitRemote + CreditRemote) / (double)Messages;

        public static Locality operator -(Locality a, Locality b) => new(a.SubmitLocal - b.SubmitLocal, a.SubmitRemote - b.SubmitRemote,
            a.CreditLocal - b.CreditLocal, a.CreditRemote - b.CreditRemote, a.Pending);
    }

    public sealed record Phase(int Nodes, double StartSeconds, Load Warmup, Load Measured, Locality Locality, string ShardsPerNode);

    public static async Task<ScenarioResult> RunAsync(bool quick)
    {
        var settings = quick ? Quick : Full;
        var server = await BenchPostgres.StartAsync();
        if (server is null)
        {
            return new ScenarioResult("cluster").Skipped(BenchPostgres.Unavailable);
        }

        await using (server)
        {
            var warmup = Chunks(WarmupRequests(settings), WarmupChunkLines);
            var load = Chunks(MeasuredRequests(settings), settings.ChunkLines);
            try
            {
                var single = await RunPhaseAsync(server, 1, settings, warmup, load);
                var cluster = await RunPhaseAsync(server, settings.ClusterSize, settings, warmup, load);
                return Report(settings, single, cluster, server.Origin);
            }
            catch (Exception e) when (e is TimeoutException or HttpRequestException or TaskCanceledException or InvalidOperationException
                                          or IOException or JsonException or Npgsql.NpgsqlException)
            {
                // Processes and a server on a shared machine: report the failure (the node logs are kept) rather than
                // abort the other scenarios of an `all` run.
                Console.Error.WriteLine($"cluster: {e}");
                return new ScenarioResult("cluster").Failed($"{e.GetType().Name}: {e.Message}");
            }
        }
    }

    /// <summary>Starts <paramref name="nodes"/> node processes on a fresh database, warms every account up, measures the load, stops them.</summary>
    public static async Task<Phase> RunPhaseAsync(BenchPostgres server, int nodes, Settings settings, IReadOnlyList<Chunk> warmup, IReadOnlyList<Chunk> load)
    {
        var database = $"bench_n{nodes}_{Guid.NewGuid().ToString("N")[..8]}";
        var connection = await server.FreshDatabaseAsync($"cluster_n{nodes}");
        var directory = Path.Combine(Path.GetTempPath(), "paymentactors-bench", database);
        var processes = new List<NodeProcess>();
        var failed = true;
        try
        {
            var ports = Enumerable.Range(0, nodes).Select(_ => (Akka: Ports.FreeTcpPort(), Http: Ports.FreeTcpPort())).ToList();
            // One seed: the first node forms the cluster at once, the others join it as soon as they are up.
            var seeds = new[] { NodeProcess.AddressOf(ports[0].Akka) };
            var config = Path.Combine(directory, "bench.hocon");
            Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(config, NodeConfig);
            var started = Stopwatch.StartNew();
            for (var i = 0; i < nodes; i++)
            {
                var node = new NodeProcess($"node{i}", ports[i].Akka, ports[i].Http, seeds, connection, directory)
                {
                    FastDowning = false,
                    ExtraArguments = ["--config", config, "--max-ingest-requests", Math.Max(settings.RequestsPerNode, WarmupRequestsPerNode).ToString(CultureInfo.InvariantCulture)],
                };
                node.Start();
                processes.Add(node);
            }

            await Task.WhenAll(processes.Select(p => p.WaitForUpMembersAsync(nodes, TimeSpan.FromMinutes(2))));
            var startSeconds = started.Elapsed.TotalSeconds;
            Progress(nodes, $"up in {startSeconds:F1} s");

            // Every account touched once (first touch is measured by cold-start); this also allocates every shard.
            var warm = await LoadDriver.RunAsync(processes, warmup, WarmupRequestsPerNode);
            Progress(nodes, $"warm-up: {warm.Outcomes:N0} first touches at {warm.TxPerSecond:N0}/s");
            var shardsPerNode = await WaitForAllocationAsync(processes, ShardsOf(settings.Accounts));
            var before = await SettledLocalityAsync(processes);
            var measured = await LoadDriver.RunAsync(processes, load, settings.RequestsPerNode);
            Progress(nodes, $"measured: {measured.Outcomes:N0} outcomes at {measured.TxPerSecond:N0}/s");
            var after = await SettledLocalityAsync(processes);
            failed = false;
            return new Phase(nodes, startSeconds, warm, measured, after - before, shardsPerNode);
        }
        finally
        {
            var stopping = Stopwatch.StartNew();
            await Task.WhenAll(processes.Select(p => p.DisposeAsync().AsTask()));
            Progress(nodes, $"stopped in {stopping.Elapsed.TotalSeconds:F1} s");
            if (failed)
            {
                Console.Error.WriteLine($"cluster phase with {nodes} node(s) failed; node logs kept in {directory}");
            }
            else
            {
                TryDelete(directory);
            }
        }
    }

    private static void Progress(int nodes, string what) =>
        Console.Error.WriteLine($"cluster [{nodes} node{(nodes == 1 ? "" : "s")}] {what}");

    private static int ShardsOf(int accounts)
    {
        var extractor = new AccountMessageExtractor();
        return Enumerable.Range(0, accounts).Select(i => extractor.ShardId($"C{i}", null)).Distinct().Count();
    }

    /// <summary>
    /// Waits until every node knows where all <paramref name="shards"/> live and each node hosts some, then (briefly)
    /// until the allocation is even (the coordinator rebalances a few shards every 10 s if a region registered late).
    /// </summary>
    private static async Task<string> WaitForAllocationAsync(IReadOnlyList<NodeProcess> nodes, int shards)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var evenBy = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var metrics = await Task.WhenAll(nodes.Select(n => n.MetricsAsync()));
            var known = metrics.All(m => m.GetProperty("shardsKnown").GetInt32() >= shards && m.GetProperty("shardsByNode").EnumerateObject().Count() == nodes.Count);
            var counts = metrics[0].GetProperty("shardsByNode").EnumerateObject().Select(p => p.Value.GetInt32()).OrderDescending().ToList();
            var even = counts.Count == nodes.Count && counts[0] - counts[^1] <= 1;
            if (known && (even || DateTime.UtcNow > evenBy))
            {
                return string.Join("/", counts);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"shards not allocated over {nodes.Count} node(s) within 60 s: {metrics[0]}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>The counters summed over the nodes, once nothing is pending (each node classifies at its next allocation read).</summary>
    private static async Task<Locality> SettledLocalityAsync(IReadOnlyList<NodeProcess> nodes)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var metrics = await Task.WhenAll(nodes.Select(n => n.MetricsAsync()));
            long Sum(string group, string name) => metrics.Sum(m => m.GetProperty(group).GetProperty(name).GetInt64());
            var locality = new Locality(Sum("deliveries", "local"), Sum("deliveries", "remote"), Sum("credits", "local"), Sum("credits", "remote"),
                Sum("deliveries", "pending") + Sum("credits", "pending"));
            if (locality.Pending == 0 || DateTime.UtcNow > deadline)
            {
                return locality;
            }

            await Task.Delay(200);
        }
    }

    private static ScenarioResult Report(Settings s, Phase one, Phase many, string database)
    {
        static string Col(string a, string b, string c = "") => $"{a,-20}{b,-20}{c}";
        static string N0(double v) => v.ToString("N0", CultureInfo.InvariantCulture);
        static string F2(double v) => v.ToString("F2", CultureInfo.InvariantCulture);
        static string F3(double v) => v.ToString("F3", CultureInfo.InvariantCulture);
        static double Ms(LongHistogram h, double p) => h.TotalCount == 0 ? 0 : h.GetValueAtPercentile(p) / 1000.0;
        static string Ratio(double a, double b) => b > 0 ? F2(a / b) : "n/a";

        var ratio = one.Measured.TxPerSecond > 0 ? many.Measured.TxPerSecond / one.Measured.TxPerSecond : 0;
        var expected = 1 - 1.0 / many.Nodes;
        var result = new ScenarioResult("cluster")
            .Note("", Col("1 node", $"{many.Nodes} nodes", $"{many.Nodes} / 1"))
            .Note("tx/s (durable)", Col(N0(one.Measured.TxPerSecond), N0(many.Measured.TxPerSecond), F2(ratio)));
        foreach (var p in new[] { 50.0, 99.0, 99.9 })
        {
            result.Note($"p{p.ToString(CultureInfo.InvariantCulture)} ms", Col(F2(Ms(one.Measured.Latency, p)), F2(Ms(many.Measured.Latency, p)),
                Ratio(Ms(many.Measured.Latency, p), Ms(one.Measured.Latency, p))));
        }

        string Crossed(Locality l) => $"{F3(l.CrossShare)} of {N0(l.Messages)}";
        result
            .Note("crossed nodes, measured", Col(Crossed(one.Locality), Crossed(many.Locality)))
            .Note("crossed nodes, expected", Col(F3(0), $"{F3(expected)} (1 - 1/{many.Nodes})"))
            .Note("  submissions remote", Col($"{N0(one.Locality.SubmitRemote)} / {N0(one.Locality.SubmitLocal + one.Locality.SubmitRemote)}",
                $"{N0(many.Locality.SubmitRemote)} / {N0(many.Locality.SubmitLocal + many.Locality.SubmitRemote)}"))
            .Note("  transfer credits remote", Col($"{N0(one.Locality.CreditRemote)} / {N0(one.Locality.CreditLocal + one.Locality.CreditRemote)}",
                $"{N0(many.Locality.CreditRemote)} / {N0(many.Locality.CreditLocal + many.Locality.CreditRemote)}"))
            .Note("shards per node", Col(one.ShardsPerNode, many.ShardsPerNode))
            .Note("in flight", Col($"{N0(s.InFlightPerNode)} ({s.RequestsPerNode}×{s.ChunkLines})", $"{N0(s.InFlightPerNode * many.Nodes)} ({many.Nodes}×{s.RequestsPerNode}×{s.ChunkLines})"))
            .Note("approved/flagged/declined", Col(one.Measured.Decisions, many.Measured.Decisions))
            .Note("lost or rejected", Col(N0(one.Measured.Lost + one.Measured.Rejected), N0(many.Measured.Lost + many.Measured.Rejected)))
            .Note("start s; warm-up tx/s", Col($"{one.StartSeconds:F1}; {N0(one.Warmup.TxPerSecond)}", $"{many.StartSeconds:F1}; {N0(many.Warmup.TxPerSecond)}"))
            .Note("load", $"{N0(s.Transactions)} transactions per phase over {N0(s.Accounts)} accounts (uniform), {s.TransferShare:P0} transfers, after one warm-up touch per account")
            .Note("database", database)
            .Field("tx_per_s", Math.Round(many.Measured.TxPerSecond, 1))
            .Field("p50_ms", Math.Round(Ms(many.Measured.Latency, 50), 3))
            .Field("p99_ms", Math.Round(Ms(many.Measured.Latency, 99), 3))
            .Field("p999_ms", Math.Round(Ms(many.Measured.Latency, 99.9), 3))
            .Field("single_node_tx_per_s", Math.Round(one.Measured.TxPerSecond, 1))
            .Field("single_node_p50_ms", Math.Round(Ms(one.Measured.Latency, 50), 3))
            .Field("single_node_p99_ms", Math.Round(Ms(one.Measured.Latency, 99), 3))
            .Field("scale_ratio", Math.Round(ratio, 3))
            .Field("cross_node_share", Math.Round(many.Locality.CrossShare, 4))
            .Field("expected_cross_node_share", Math.Round(expected, 4))
            .Field("single_node_cross_node_share", Math.Round(one.Locality.CrossShare, 4))
            .Field("nodes", many.Nodes)
            .Field("transactions", s.Transactions)
            .Field("accounts", s.Accounts)
            .Field("in_flight_per_node", s.InFlightPerNode)
            .Field("lost", one.Measured.Lost + many.Measured.Lost);
        return result;
    }

    /// <summary>One touch per account (CASH_IN with an opening balance), as the ledger scenarios warm up.</summary>
    private static IEnumerable<TransactionRequest> WarmupRequests(Settings s) =>
        LedgerScenario.Requests(1, s.Accounts, s.Accounts, AccountChoice.Sequential, "w");

    /// <summary>
    /// The ledger scenarios' seeded CASH_IN / PAYMENT stream (uniform accounts) with a share turned into TRANSFERs
    /// to another account (a credit that crosses nodes when the payee's shard lives elsewhere). Event times are
    /// 1 s apart, so an account sees a transaction every ~<c>accounts</c> seconds of event time and the default
    /// velocity rule (more than 5 in 10 minutes) stays quiet, as it would on real traffic.
    /// </summary>
    private static IEnumerable<TransactionRequest> MeasuredRequests(Settings s)
    {
        var random = new Random(3);
        var i = 0L;
        foreach (var request in LedgerScenario.Requests(2, s.Transactions, s.Accounts, AccountChoice.Uniform, "m"))
        {
            var r = request with { EventTimeMs = EventTimeBase + 3_600_000 + i++ * 1_000 };
            if (random.NextDouble() < s.TransferShare)
            {
                var payer = int.Parse(r.AccountId.AsSpan(1), CultureInfo.InvariantCulture);
                var payee = random.Next(s.Accounts - 1);
                r = r with { Type = TransactionType.Transfer, AmountMinor = 1 + random.Next(5_000), Counterparty = $"C{(payee >= payer ? payee + 1 : payee)}" };
            }

            yield return r;
        }
    }

    /// <summary>One HTTP request's body: NDJSON lines (docs/INGESTION.md).</summary>
    public sealed record Chunk(byte[] Body, int Lines);

    private static List<Chunk> Chunks(IEnumerable<TransactionRequest> requests, int size) =>
        requests.Chunk(size).Select(c => new Chunk(Encoding.UTF8.GetBytes(string.Concat(c.Select(r => JsonLine(r) + "\n"))), c.Length)).ToList();

    private static string JsonLine(TransactionRequest r)
    {
        static string Amount(long minor) => $"{minor / 100}.{minor % 100:D2}";
        var line = new StringBuilder(192)
            .Append("{\"id\":\"").Append(r.TransactionId)
            .Append("\",\"account\":\"").Append(r.AccountId)
            .Append("\",\"type\":\"").Append(r.Type.ToWire())
            .Append("\",\"amount\":\"").Append(Amount(r.AmountMinor))
            .Append("\",\"currency\":\"").Append(r.CurrencyCode).Append('"');
        if (r.Counterparty is { } counterparty)
        {
            line.Append(",\"counterparty\":\"").Append(counterparty).Append('"');
        }

        line.Append(",\"timestamp\":").Append(r.EventTimeMs.ToString(CultureInfo.InvariantCulture));
        if (r.OpeningBalanceMinor is { } opening)
        {
            line.Append(",\"openingBalance\":\"").Append(Amount(opening)).Append('"');
        }

        return line.Append('}').ToString();
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>What one run of chunks through the nodes gave: durable outcomes per second and latency per transaction.</summary>
    public sealed record Load(double TxPerSecond, LongHistogram Latency, long Outcomes, long Approved, long Flagged, long Declined, long Rejected, long Lost)
    {
        public string Decisions => $"{Approved:N0}/{Flagged:N0}/{Declined:N0}";
    }

    /// <summary>
    /// Closed loop: chunk i goes to node i mod N; each node has <c>requestsPerNode</c> workers, each sending one
    /// chunk at a time and reading its streamed outcome lines. A record's latency runs from sending its request to
    /// reading its outcome line.
    /// </summary>
    private static class LoadDriver
    {
        private static readonly HttpClient Http = new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = TimeSpan.FromMinutes(5),
        };

        private sealed class Worker
        {
            public readonly LongHistogram Latency = new(TimeStamp.Minutes(5), 3);
            public long Outcomes, Approved, Flagged, Declined, Rejected, Lost;
        }

        public static async Task<Load> RunAsync(IReadOnlyList<NodeProcess> nodes, IReadOnlyList<Chunk> chunks, int requestsPerNode)
        {
            var queues = nodes.Select(_ => new ConcurrentQueue<Chunk>()).ToList();
            for (var i = 0; i < chunks.Count; i++)
            {
                queues[i % nodes.Count].Enqueue(chunks[i]);
            }

            var workers = new List<(Worker Worker, Task Task)>();
            var stopwatch = Stopwatch.StartNew();
            for (var n = 0; n < nodes.Count; n++)
            {
                var uri = new Uri(nodes[n].BaseUri, "transactions");
                var queue = queues[n];
                for (var k = 0; k < requestsPerNode; k++)
                {
                    var worker = new Worker();
                    workers.Add((worker, Task.Run(() => WorkAsync(uri, queue, worker))));
                }
            }

            await Task.WhenAll(workers.Select(w => w.Task));
            var seconds = stopwatch.Elapsed.TotalSeconds;
            var latency = new LongHistogram(TimeStamp.Minutes(5), 3);
            foreach (var (w, _) in workers)
            {
                latency.Add(w.Latency);
            }

            long Sum(Func<Worker, long> f) => workers.Sum(w => f(w.Worker));
            var outcomes = Sum(w => w.Outcomes);
            return new Load(outcomes / seconds, latency, outcomes, Sum(w => w.Approved), Sum(w => w.Flagged), Sum(w => w.Declined),
                Sum(w => w.Rejected), Sum(w => w.Lost));
        }

        private static async Task WorkAsync(Uri uri, ConcurrentQueue<Chunk> queue, Worker worker)
        {
            while (queue.TryDequeue(out var chunk))
            {
                while (true)
                {
                    var start = Stopwatch.GetTimestamp();
                    using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(chunk.Body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        await Task.Delay(100); // the node's ingest gate is full: not expected with as many workers as its gate
                        continue;
                    }

                    if (!response.IsSuccessStatusCode)
                    {
                        throw new HttpRequestException($"POST {uri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }

                    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                    var answered = 0;
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        if (line.StartsWith("{\"summary\"", StringComparison.Ordinal))
                        {
                            continue;
                        }

                        var micros = (Stopwatch.GetTimestamp() - start) * 1_000_000 / Stopwatch.Frequency;
                        answered++;
                        if (line.Contains(ApprovedStatus, StringComparison.Ordinal))
                        {
                            worker.Approved++;
                        }
                        else if (line.Contains(FlaggedStatus, StringComparison.Ordinal))
                        {
                            worker.Flagged++;
                        }
                        else if (line.Contains(DeclinedStatus, StringComparison.Ordinal))
                        {
                            worker.Declined++;
                        }
                        else
                        {
                            worker.Rejected++; // Rejected, Conflict or an input duplicate: none is expected from this load
                            continue;
                        }

                        worker.Outcomes++;
                        worker.Latency.RecordValue(Math.Max(1, micros));
                    }

                    worker.Lost += Math.Max(0, chunk.Lines - answered);
                    break;
                }
            }
        }

        private const string ApprovedStatus = "\"status\":\"Approved\"";
        private const string FlaggedStatus = "\"status\":\"Flagged\"";
        private const string DeclinedStatus = "\"status\":\"Declined\"";
    }
}
