using System.Text.Json;

namespace PaymentActors.Node.Tests.Cli;

/// <summary>evaluate-risk through the real pipeline (node, SQLite journal, sharded accounts) on the bundled sample.</summary>
public sealed class EvaluateRiskVerbTests
{
    [Fact]
    public async Task The_default_rules_meet_the_targets_in_stream_and_write_one_decision_per_transaction()
    {
        var decisions = Path.Combine(Path.GetTempPath(), $"decisions-{Guid.NewGuid():N}.jsonl");
        var result = await ProcessRunner.RunAsync("dotnet",
            ["exec", RepoPaths.NodeDll, "evaluate-risk", "--file", Path.Combine(RepoPaths.Root, "samples", "paysim-10k.csv"), "--format", "paysim", "--decisions-out", decisions],
            TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var last = JsonDocument.Parse(result.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.True(last.GetProperty("recall").GetDouble() >= 0.90, last.ToString());
        Assert.True(last.GetProperty("precision").GetDouble() >= 0.80, last.ToString());
        Assert.Equal(10_000, last.GetProperty("tp").GetInt64() + last.GetProperty("fp").GetInt64() + last.GetProperty("fn").GetInt64() + last.GetProperty("tn").GetInt64());
        Assert.True(last.TryGetProperty("baselineRecall", out _));
        var lines = File.ReadAllLines(decisions);
        Assert.Equal(10_000, lines.Length);
        var flagged = lines.Select(l => JsonDocument.Parse(l).RootElement).First(e => e.GetProperty("decision").GetString() == "flag");
        Assert.Contains("full-balance-drain@1", flagged.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
        File.Delete(decisions);
    }
}
