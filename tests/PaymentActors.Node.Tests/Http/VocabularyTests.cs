using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace PaymentActors.Node.Tests.Http;

/// <summary>
/// One vocabulary on a real node: the HTTP answers and the JSON Lines sinks spell the same concept the same way
/// (<c>transactionId</c>, <c>accountId</c>, <c>eventTimeMs</c>, <c>CASH_OUT</c>); <c>/windows</c> pages with an explicit
/// truncation marker; an unset watermark is null.
/// </summary>
public sealed class VocabularyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] AlertFields = ["transactionId", "accountId", "type", "amountMinor", "currency", "eventTimeMs", "status", "rules"];
    private static readonly string[] WindowFields =
        ["window", "key", "start", "end", "revision", "count", "sumMinor", "minMinor", "maxMinor", "meanMinor", "p50Minor", "p95Minor", "p99Minor"];

    private static async Task<List<JsonElement>> PostAsync(SingleNodeProcess node, string body)
    {
        var response = await node.Http.PostAsync(new Uri(node.BaseUri, "transactions"), new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
    }

    private static async Task<JsonElement> GetJsonAsync(SingleNodeProcess node, string path) =>
        JsonDocument.Parse(await node.Http.GetStringAsync(new Uri(node.BaseUri, path))).RootElement;

    private static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name);

    [Fact]
    public async Task Http_answers_and_sinks_use_the_api_names_windows_page_with_a_marker_and_an_unset_watermark_is_null()
    {
        await using var node = SingleNodeProcess.Start();
        await node.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));

        // Nothing ingested yet: no watermark, shown as null rather than the smallest long.
        var fresh = await GetJsonAsync(node, "windows/status");
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("minWatermark").ValueKind);

        // A CASH_OUT that empties its account: flagged (full-balance-drain), so an alert.
        var drained = await PostAsync(node, JsonSerializer.Serialize(new
        {
            id = "v-drain", account = "VD", type = "CASH_OUT", amount = "10.00", currency = "EUR", openingBalance = "10.00",
            timestamp = Start.ToString("O"),
        }) + "\n");
        Assert.Equal(["line", "transactionId", "status", "duplicate", "reason", "balanceAfterMinor"], Names(drained[0]));
        Assert.Equal("v-drain", drained[0].GetProperty("transactionId").GetString());
        Assert.Equal("Flagged", drained[0].GetProperty("status").GetString());

        // The alert collector reads decisions from the journal (polling it), so the alert is stored moments later.
        var alertDeadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement[] stored;
        while ((stored = (await GetJsonAsync(node, "alerts?account=VD")).GetProperty("alerts").EnumerateArray().ToArray()).Length == 0
               && DateTime.UtcNow < alertDeadline)
        {
            await Task.Delay(200);
        }

        var alert = Assert.Single(stored);
        Assert.Equal(AlertFields, Names(alert));
        Assert.Equal("CASH_OUT", alert.GetProperty("type").GetString());
        Assert.Equal("VD", alert.GetProperty("accountId").GetString());
        Assert.Equal("Flagged", alert.GetProperty("status").GetString());

        var account = await GetJsonAsync(node, "accounts/VD");
        Assert.Equal(["accountId", "isOpen", "currency", "balanceMinor", "overdraftLimitMinor", "version", "pendingTransfers", "recent"], Names(account));
        Assert.Equal("CASH_OUT", account.GetProperty("recent")[0].GetProperty("type").GetString());

        // The alerts sink writes what GET /alerts answers.
        var alertsFile = Path.Combine(node.DataDirectory, "alerts.jsonl");
        var deadline = Stopwatch.StartNew();
        while (!File.Exists(alertsFile) || (await File.ReadAllTextAsync(alertsFile)).Length == 0)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "no alerts.jsonl in the data directory");
            await Task.Delay(200);
        }

        var sunk = JsonDocument.Parse((await File.ReadAllLinesAsync(alertsFile))[0]).RootElement;
        Assert.Equal(AlertFields, Names(sunk));
        Assert.Equal("CASH_OUT", sunk.GetProperty("type").GetString());

        // One CASH_IN a minute for three hours: hours 0 and 1 become final, several results each.
        var body = new StringBuilder();
        for (var m = 0; m < 180; m++)
        {
            body.Append(JsonSerializer.Serialize(new { id = $"v{m}", account = $"V{m % 10}", type = "CASH_IN", amount = "1.00", currency = "EUR",
                timestamp = Start.AddMinutes(m).ToString("O") })).Append('\n');
        }

        await PostAsync(node, body.ToString());
        JsonElement all;
        var hour1 = Start.AddHours(1).ToUnixTimeMilliseconds();
        deadline.Restart();
        while (true)
        {
            // Both hours final and holding every decision: the 61 of hour 0 (the drain and 60 CASH_INs) and the 60 of hour 1.
            // A projection that went idle while decisions were still on their way fires an hour early and then again with a
            // new revision (a late firing); the pages below must not race that.
            all = await GetJsonAsync(node, "windows?window=hourly");
            var counts = all.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("key").GetString() == "all/EUR")
                .ToDictionary(r => r.GetProperty("start").GetInt64(), r => r.GetProperty("count").GetInt64());
            if (counts.GetValueOrDefault(Start.ToUnixTimeMilliseconds()) == 61 && counts.GetValueOrDefault(hour1) == 60)
            {
                break;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(90), $"hour 1 never became final: {all}");
            await Task.Delay(250);
        }

        Assert.False(all.GetProperty("truncated").GetBoolean());
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);
        Assert.Equal(WindowFields, Names(all.GetProperty("results")[0]));
        Assert.Contains(all.GetProperty("results").EnumerateArray(), r => r.GetProperty("key").GetString() == "type:CASH_IN/EUR");

        // Page by two, following next: the same results in the same order, each page marked until the last.
        var expected = all.GetProperty("results").EnumerateArray().Select(r => r.GetRawText()).ToList();
        var paged = new List<string>();
        var path = "windows?window=hourly&limit=2";
        var pages = 0;
        while (path is not null && pages++ < 100)
        {
            var page = await GetJsonAsync(node, path.TrimStart('/'));
            var results = page.GetProperty("results").EnumerateArray().ToList();
            Assert.True(results.Count <= 2);
            paged.AddRange(results.Select(r => r.GetRawText()));
            var truncated = page.GetProperty("truncated").GetBoolean();
            Assert.Equal(truncated, page.GetProperty("next").ValueKind == JsonValueKind.String);
            path = truncated ? page.GetProperty("next").GetString() : null;
            Assert.True(path is null || path.StartsWith("/windows?", StringComparison.Ordinal), path);
        }

        // Results that became final meanwhile append at the end (ordered by start): the pages start as the whole answer did.
        Assert.Null(path);
        Assert.True(pages > 2, $"{expected.Count} results in {pages} pages");
        Assert.Equal(expected, paged.Take(expected.Count));
        Assert.Equal(paged.Count, paged.Distinct().Count());

        var windowsFile = Path.Combine(node.DataDirectory, "window-results.jsonl");
        Assert.Equal(WindowFields, Names(JsonDocument.Parse((await File.ReadAllLinesAsync(windowsFile))[0]).RootElement));

        var status = await GetJsonAsync(node, "windows/status");
        Assert.Equal(JsonValueKind.Number, status.GetProperty("minWatermark").ValueKind);

        var badLimit = await node.Http.GetAsync(new Uri(node.BaseUri, "windows?limit=0"));
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.StartsWith("limit:", JsonDocument.Parse(await badLimit.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
    }
}
