using System.Text.Json;
using PaymentActors.Testing;

namespace PaymentActors.Node.Tests.Observability;

/// <summary>
/// <c>--log-format json</c>: every log line of a real node is one JSON object, and Akka's events among them carry the
/// class that logged them as their category and Akka's source as a property, with no text prefix of Akka's own.
/// </summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task A_json_node_writes_one_object_per_line_with_akka_events_under_their_class()
    {
        await using var node = SingleNodeProcess.Start("--log-format", "json");
        await node.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));

        List<JsonElement> entries = [];
        await AwaitAssertAsync(() =>
        {
            entries = LogEntries(node.Output);
            Assert.Contains(entries, e => Category(e) == "Akka.Cluster.Tools.Singleton.ClusterSingletonManager");
        });

        foreach (var entry in entries.Where(e => Category(e).StartsWith("Akka", StringComparison.Ordinal)))
        {
            var state = entry.GetProperty("State");
            var source = state.GetProperty("LogSource").GetString();
            var text = state.GetProperty("AkkaMessage").GetString();
            Assert.Equal($"[{source}] {text}", entry.GetProperty("Message").GetString());
            Assert.DoesNotMatch(@"^\[(DEBUG|INFO|WARNING|ERROR)\]", text!);
        }

        Assert.Contains(entries, e => Category(e) == "Akka.Cluster" && e.GetProperty("Message").GetString()!.Contains("is JOINING itself", StringComparison.Ordinal));
        Assert.Contains(entries, e => Category(e) == "Akka.Remote");
    }

    /// <summary>The log's lines (the banner and the --insecure warning are plain text before the log starts).</summary>
    private static List<JsonElement> LogEntries(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var notJson = lines.Where(l => !l.StartsWith('{')).ToList();
        Assert.All(notJson, l => Assert.True(l.StartsWith("WARNING: --insecure", StringComparison.Ordinal) || l.StartsWith("paymentactors node ", StringComparison.Ordinal),
            $"not a JSON log line: {l}"));
        return lines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static string Category(JsonElement entry) => entry.GetProperty("Category").GetString()!;

    private static async Task AwaitAssertAsync(Action assertion)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                assertion();
                return;
            }
            catch (Xunit.Sdk.XunitException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
