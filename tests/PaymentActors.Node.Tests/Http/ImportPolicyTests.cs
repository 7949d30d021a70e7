using System.Net;
using System.Text;
using System.Text.Json;

namespace PaymentActors.Node.Tests.Http;

/// <summary>
/// The import policy at every entry point: <c>POST /transactions?importPolicy=</c>, <c>ingest --import-policy</c> and
/// <c>demo</c>. Strict by default (a debit beyond the opening balance is declined and reported as declined); with
/// <c>import-overdraft</c> the PaySim sample is decided over HTTP exactly as the demo decides it.
/// </summary>
public sealed class ImportPolicyTests
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ReplayTimeout = TimeSpan.FromMinutes(5);

    private static async Task<List<JsonElement>> PostAsync(SingleNodeProcess node, string query, string body)
    {
        var response = await node.Http.PostAsync(new Uri(node.BaseUri, "transactions" + query), new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
    }

    private static string Debit(string id, string account) =>
        JsonSerializer.Serialize(new { id, account, type = "PAYMENT", amount = "50.00", currency = "EUR", openingBalance = "10.00", counterparty = "M1" }) + "\n";

    [Fact]
    public async Task A_debit_beyond_the_opening_balance_is_declined_when_strict_and_approved_with_the_import_overdraft()
    {
        await using var node = SingleNodeProcess.Start();
        await node.WaitUntilReadyAsync(ReadyTimeout);

        var strict = await PostAsync(node, "", Debit("ip-1", "IP1"));
        Assert.Equal("Declined", strict[0].GetProperty("status").GetString());
        Assert.StartsWith("amount:", strict[0].GetProperty("reason").GetString());
        var summary = strict[^1].GetProperty("summary");
        Assert.Equal("strict", summary.GetProperty("importPolicy").GetString());
        Assert.Equal(1, summary.GetProperty("declined").GetInt64());
        Assert.Equal(0, summary.GetProperty("approved").GetInt64());

        var imported = await PostAsync(node, "?importPolicy=import-overdraft", Debit("ip-2", "IP2"));
        Assert.Equal("Approved", imported[0].GetProperty("status").GetString());
        Assert.Equal(-4000, imported[0].GetProperty("balanceAfterMinor").GetInt64()); // 10.00 opening − 50.00
        summary = imported[^1].GetProperty("summary");
        Assert.Equal("import-overdraft", summary.GetProperty("importPolicy").GetString());
        Assert.Equal(1, summary.GetProperty("approved").GetInt64());
        Assert.Equal(0, summary.GetProperty("declined").GetInt64());

        var bogus = await node.Http.PostAsync(new Uri(node.BaseUri, "transactions?importPolicy=lenient"),
            new StringContent(Debit("ip-3", "IP3"), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.BadRequest, bogus.StatusCode);
        Assert.StartsWith("importPolicy: 'lenient'", JsonDocument.Parse(await bogus.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

        var usage = await ProcessRunner.Cli("ingest", "--file", Path.Combine(RepoPaths.Root, "samples", "paysim-10k.csv"), "--import-policy", "lenient");
        Assert.Equal(2, usage.ExitCode);
        Assert.Contains("--import-policy: 'lenient'", usage.Stderr);
    }

    [Fact]
    public async Task The_PaySim_sample_ingested_over_HTTP_with_the_import_policy_is_decided_as_the_demo_decides_it_and_without_it_declines_show()
    {
        var sample = Path.Combine(RepoPaths.Root, "samples", "paysim-10k.csv");
        var demoData = Path.Combine(Path.GetTempPath(), "pa-demo-" + Guid.NewGuid().ToString("N")[..8]);
        // A busy machine: the first batches open hundreds of accounts at once; give them time rather than an Unknown answer.
        await using var imported = SingleNodeProcess.Start("--ingest-delivery-deadline", "120");
        await using var strict = SingleNodeProcess.Start("--ingest-delivery-deadline", "120");
        try
        {
            var demo = ProcessRunner.CliWithin(ReplayTimeout, "demo", "--file", sample, "--json", "--no-progress", "--db", "memory", "--data-dir", demoData);
            await imported.WaitUntilReadyAsync(ReadyTimeout);
            await strict.WaitUntilReadyAsync(ReadyTimeout);
            var withPolicy = ProcessRunner.CliWithin(ReplayTimeout, "ingest", "--file", sample, "--format", "paysim", "--import-policy", "import-overdraft",
                "--http", imported.BaseUri.ToString());
            var withoutPolicy = ProcessRunner.CliWithin(ReplayTimeout, "ingest", "--file", sample, "--format", "paysim", "--http", strict.BaseUri.ToString());

            var demoResult = await demo;
            Assert.True(demoResult.ExitCode == 0, demoResult.Stdout + demoResult.Stderr);
            // The summary is the last JSON line; a log line may follow it on a busy machine.
            var demoSummary = JsonDocument.Parse(demoResult.Stdout.Split('\n').Last(l => l.StartsWith('{'))).RootElement;
            Assert.Equal("import-overdraft", demoSummary.GetProperty("importPolicy").GetString());

            var ingestResult = await withPolicy;
            Assert.True(ingestResult.ExitCode == 0, ingestResult.Stdout + ingestResult.Stderr);
            var summary = JsonDocument.Parse(ingestResult.Stdout.Trim().Split('\n')[0]).RootElement.GetProperty("summary");
            Assert.Equal("import-overdraft", summary.GetProperty("importPolicy").GetString());
            foreach (var count in new[] { "read", "accepted", "approved", "flagged", "declined", "rejected", "duplicates" })
            {
                Assert.True(demoSummary.GetProperty(count).GetInt64() == summary.GetProperty(count).GetInt64(),
                    $"{count}: demo {demoSummary.GetProperty(count)}, HTTP ingest {summary.GetProperty(count)}\ndemo: {demoSummary}\ningest: {summary}");
            }

            var strictResult = await withoutPolicy;
            Assert.True(strictResult.ExitCode == 0, strictResult.Stdout + strictResult.Stderr);
            var strictSummary = JsonDocument.Parse(strictResult.Stdout.Trim().Split('\n')[0]).RootElement.GetProperty("summary");
            Assert.Equal("strict", strictSummary.GetProperty("importPolicy").GetString());
            // PaySim's reported balances do not add up: thousands of its debits exceed them, and strict declines those.
            var declined = strictSummary.GetProperty("declined").GetInt64();
            Assert.True(declined > 1_000, strictSummary.ToString());
            Assert.Equal(strictSummary.GetProperty("accepted").GetInt64(),
                strictSummary.GetProperty("approved").GetInt64() + strictSummary.GetProperty("flagged").GetInt64() + declined);
        }
        finally
        {
            if (Directory.Exists(demoData))
            {
                Directory.Delete(demoData, true);
            }
        }
    }
}
