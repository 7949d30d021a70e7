using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using PaymentActors.Node.Tests.Harness;
using Xunit.Abstractions;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>
/// A normal demo run and a normal three-node run (load with transfers, then one node leaving) log no error and no
/// warning beyond the few listed here as expected, each with its reason.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class LogHygieneTests(PostgresServer postgres, ITestOutputHelper output)
{
    // The demo replays as fast as the CPU allows (and test machines are shared): the scheduler runs late. This is
    // about the machine, not the code; the failure detector's acceptable pause absorbs it.
    private static readonly (Regex Pattern, string Why) SchedulerLate =
        (new Regex(@"Scheduled sending of heartbeat was delayed", RegexOptions.Compiled), "a saturated CPU delays the scheduler");

    /// <summary>
    /// The node that leaves: its own remoting transport, shutting down, closes its channels and empties its connection
    /// group at once, and a channel whose close handler runs after that finds nothing to remove (seen once in a clean-clone
    /// run, on the node that left, at its exit).
    /// </summary>
    private static readonly (Regex Pattern, string Why) LeavingTransportClosed =
        (new Regex(@"Unable to REMOVE channel .* from connection group\. May not shut down cleanly", RegexOptions.Compiled),
            "a leaving node's transport closes its channels as it shuts down");

    /// <summary>Warnings that belong to a normal run, and why.</summary>
    private static readonly (Regex Pattern, string Why)[] ExpectedWarnings =
    [
        // A node that leaves closes its connections: its peers note the association ending.
        (new Regex(@"Association with remote system .* has failed|Association to \[.*\] .* was disassociated|Remote system .* shut down", RegexOptions.Compiled),
            "a node leaving closes its remoting associations"),
        SchedulerLate,
        // A fresh cluster starts its first seed alone (concurrent starts race to create the journal's tables): until the
        // other seeds listen, its join attempts to them are refused.
        (new Regex(@"Connection refused", RegexOptions.Compiled), "the other seeds are not started yet"),
        // Sharding drops what it buffered for a shard being handed off (a node leaving), to keep order. Every sender to our
        // sharded regions repeats until answered, so nothing is lost: transfer-watch hints (the payer repeats them), account
        // messages (the ingest delivery resends, a payer's outbox resends its credits, a live watch probes every interval),
        // the window projections' keep-alive pings. Seen in clean-clone runs for all three regions.
        (new Regex(@"(account|transfer-watch|sharded-daemon-process-window-projection): Dropping \[\d+\] buffered messages to shard \[\d+\] during hand off",
                RegexOptions.Compiled),
            "messages to a handed-off shard are repeated by their senders"),
    ];

    [Fact]
    public async Task A_demo_run_logs_no_error_and_no_unexpected_warning()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "pa-demo-log-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var result = await ProcessRunner.RunAsync("dotnet", ["exec", RepoPaths.NodeDll, "demo", "--no-progress", "--data-dir", dataDir, "--log-level", "warning"],
                TimeSpan.FromMinutes(10));
            Assert.True(result.ExitCode == 0, $"demo exit {result.ExitCode}: {result.Stderr}\n{result.Stdout[^Math.Min(4000, result.Stdout.Length)..]}");
            AssertClean("demo", result.Stdout + "\n" + result.Stderr);
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task A_three_node_run_with_load_and_a_node_leaving_logs_no_error_and_no_unexpected_warning()
    {
        // Production settings (as scripts/cluster-up.sh runs it), not the tests' fast downing and 0.5 s sharding retries.
        await using var cluster = await ClusterHarness.StartAsync(postgres, "logs_" + Guid.NewGuid().ToString("N")[..8], 3, fastDowning: false);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var entry = new Uri($"http://127.0.0.1:{cluster.Nodes[0].HttpPort}/");

        // Money in, then transfers across accounts on all nodes' shards, then spending: every path of the account actor.
        var lines = new StringBuilder();
        for (var i = 0; i < 200; i++)
        {
            var at = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero).AddSeconds(i * 20);
            lines.AppendLine(Json($"in-{i}", $"L{i}", "CASH_IN", "500.00", at));
            lines.AppendLine(Json($"tr-{i}", $"L{i}", "TRANSFER", "120.00", at.AddSeconds(5), $"L{(i * 37 + 11) % 200}"));
            lines.AppendLine(Json($"pay-{i}", $"L{i}", "PAYMENT", "30.00", at.AddSeconds(10), $"M{i % 7}"));
        }

        // First a transaction through each node until one is answered: a fresh cluster on a loaded machine can take longer
        // than one delivery deadline (15 s) to allocate its first shards, and the load below is to find warnings, not that.
        foreach (var (node, i) in cluster.Nodes.Select((n, i) => (n, i)))
        {
            var status = await NodeHttp.PostUntilAnsweredAsync(http, node.HttpBase,
                Json($"warm-{i}", $"W{i}", "CASH_IN", "1.00", new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero)) + "\n", TimeSpan.FromSeconds(120));
            Assert.True(status is "Approved", $"{node.Name}: no decision within 120 s, last {status}");
        }

        var body = await KnownLoad.PostAsync(http, entry, lines.ToString());
        Assert.Contains("\"summary\":{\"read\":600,\"accepted\":600,\"rejected\":0,\"duplicates\":0,", body);

        // Transfers settle (every outbox empties), then one node leaves gracefully and the others see it gone.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await AllSettledAsync(http, entry) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        await cluster.Nodes[2].StopGracefullyAsync(TimeSpan.FromSeconds(60));
        await cluster.Nodes[0].WaitForUpMembersAsync(2, TimeSpan.FromSeconds(60));
        await cluster.Nodes[1].WaitForUpMembersAsync(2, TimeSpan.FromSeconds(60));

        foreach (var log in Directory.GetFiles(cluster.LogDirectory, "*.log"))
        {
            var name = Path.GetFileName(log);
            var left = name.StartsWith(cluster.Nodes[2].Name + "-", StringComparison.Ordinal);
            AssertClean(name, await File.ReadAllTextAsync(log), left ? [.. ExpectedWarnings, LeavingTransportClosed] : ExpectedWarnings);
        }
    }

    [Fact]
    public async Task A_secured_node_answering_client_verbs_logs_no_error_and_no_unexpected_warning()
    {
        var secrets = ClusterSecrets.Create("logs-clients", 1);
        // Debug: the node then logs each association's end, which tells when it has logged all it will about a client.
        await using var node = SingleNodeProcess.Start(secrets.ForNode(0), "--log-level", "debug");
        await node.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
        var contact = $"akka.tcp://payments@127.0.0.1:{node.Port}";

        // Twenty client processes, two at a time (as scripts run them), each connecting over mutual TLS, asking, and
        // exiting: a client's exit must not read as a failure in the node's log.
        for (var i = 0; i < 20; i += 2)
        {
            string[][] verbs = [["status"], ["query", "account", $"C{i}"]];
            var results = await Task.WhenAll(verbs.Select(verb => ProcessRunner.RunAsync("dotnet",
                ["exec", RepoPaths.NodeDll, .. verb, .. secrets.ClientTlsArgs, "--contact", contact], TimeSpan.FromMinutes(1))));
            foreach (var result in results)
            {
                Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Stdout}{result.Stderr}");
            }
        }

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (ClientsGone(node.Output).Count < 20 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        var log = node.Output;
        var gone = ClientsGone(log);
        output.WriteLine($"client exits: {gone.Count(g => g.Value)} with the goodbye first, {gone.Count(g => !g.Value)} with the close first");
        AssertClean("node", log, ExpectedOnASingleNode);
        Assert.True(gone.Count == 20, $"the node logged the end of {gone.Count} of 20 clients");
    }

    /// <summary>
    /// The clients whose association's end the node has logged in full, and whether their goodbye came first. The endpoint
    /// reports its end ("Disassociated [node] &lt;- client") when it stops, after everything else: after "Remote system …
    /// has shut down" when the goodbye came first; when the close came first, after a first "Disassociated" and the
    /// failure ("Association with remote system … has failed", then the error) that this test is about.
    /// </summary>
    private static Dictionary<string, bool> ClientsGone(string log)
    {
        var ends = ClientDisassociated().Matches(log).GroupBy(m => m.Groups["client"].Value).ToDictionary(g => g.Key, g => g.Count());
        var shutDown = ClientShutDown().Matches(log).Select(m => m.Groups["client"].Value).ToHashSet();
        var failed = ClientFailed().Matches(log).Select(m => m.Groups["client"].Value).ToHashSet();
        return ends.Where(e => (shutDown.Contains(e.Key) && e.Value >= 1) || (failed.Contains(e.Key) && e.Value >= 2))
            .ToDictionary(e => e.Key, e => shutDown.Contains(e.Key));
    }

    [GeneratedRegex(@"Disassociated \[[^\]]+\] (<-|->) (?<client>akka(\.[a-z]+)*://payments-client@[^\s\]]+)")]
    private static partial Regex ClientDisassociated();

    [GeneratedRegex(@"Remote system with address \[(?<client>akka(\.[a-z]+)*://payments-client@[^\s\]]+)\] has shut down")]
    private static partial Regex ClientShutDown();

    [GeneratedRegex(@"Association with remote system (?<client>akka(\.[a-z]+)*://payments-client@[^\s\]]+) has failed")]
    private static partial Regex ClientFailed();

    private static async Task<bool> AllSettledAsync(HttpClient http, Uri node)
    {
        for (var i = 0; i < 200; i += 20)
        {
            var view = JsonDocument.Parse(await http.GetStringAsync(new Uri(node, $"accounts/L{i}"))).RootElement;
            if (view.GetProperty("pendingTransfers").GetInt32() > 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string Json(string id, string account, string type, string amount, DateTimeOffset at, string? counterparty = null) =>
        JsonSerializer.Serialize(new { id, account, type, amount, currency = "EUR", counterparty, timestamp = at.ToString("yyyy-MM-ddTHH:mm:ssZ") });

    /// <summary>A single node that no other node joins or leaves: only the machine may warn.</summary>
    private static readonly (Regex Pattern, string Why)[] ExpectedOnASingleNode = [SchedulerLate];

    private void AssertClean(string name, string log) => AssertClean(name, log, ExpectedWarnings);

    private void AssertClean(string name, string log, (Regex Pattern, string Why)[] expected)
    {
        var errors = new List<string>();
        var warnings = new List<string>();
        foreach (var line in log.Split('\n'))
        {
            if (ErrorLine().IsMatch(line))
            {
                errors.Add(line);
            }
            else if (WarningLine().IsMatch(line) && !expected.Any(w => w.Pattern.IsMatch(line)))
            {
                warnings.Add(line);
            }
        }

        output.WriteLine($"{name}: {errors.Count} error lines, {warnings.Count} unexpected warning lines");
        Assert.True(errors.Count == 0, $"{name}: error lines:\n{string.Join("\n", errors.Take(20))}");
        Assert.True(warnings.Count == 0, $"{name}: unexpected warning lines:\n{string.Join("\n", warnings.Take(20))}");
    }

    // Microsoft.Extensions.Logging's console levels (fail, crit, warn) and Akka's own level tags.
    [GeneratedRegex(@"\b(fail|crit): |\[ERROR\]|""LogLevel"":""(Error|Critical)""")]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"\bwarn: |\[WARNING\]|""LogLevel"":""Warning""")]
    private static partial Regex WarningLine();
}
