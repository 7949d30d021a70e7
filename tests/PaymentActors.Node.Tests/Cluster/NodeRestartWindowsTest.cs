using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// A single node (embedded SQLite) killed mid-stream and started again on the same address: window results keep coming,
/// and every hour counts each of its transactions exactly once, the hour that was open at the kill included (windows are
/// computed from the journal, and the projection starts again from its checkpoint); a record dated year 9999 is rejected.
/// </summary>
public sealed class NodeRestartWindowsTest : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private SingleNodeProcess _node = null!;

    public async Task InitializeAsync()
    {
        _node = SingleNodeProcess.Start();
        await _node.WaitUntilReadyAsync(ReadyTimeout);
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    /// <summary>One CASH_IN a minute from <paramref name="fromMinute"/> to <paramref name="toMinute"/> (exclusive).</summary>
    private async Task<List<JsonElement>> IngestAsync(int fromMinute, int toMinute, string? extra = null)
    {
        var body = new StringBuilder();
        for (var m = fromMinute; m < toMinute; m++)
        {
            body.Append(JsonSerializer.Serialize(new { id = $"r{m}", account = $"R{m % 20}", type = "CASH_IN", amount = "1.00", currency = "EUR",
                timestamp = Start.AddMinutes(m).ToString("O") })).Append('\n');
        }

        body.Append(extra);
        var response = await _node.Http.PostAsync(new Uri(_node.BaseUri, "transactions"), new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
    }

    /// <summary>The hourly "all/EUR" results: start → count.</summary>
    private async Task<Dictionary<long, long>> HourlyCountsAsync()
    {
        var results = JsonDocument.Parse(await _node.Http.GetStringAsync(new Uri(_node.BaseUri, "windows?window=hourly&key=all/"))).RootElement;
        return results.GetProperty("results").EnumerateArray()
            .GroupBy(r => r.GetProperty("start").GetInt64())
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.GetProperty("revision").GetInt32()).GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task After_a_restart_window_results_keep_coming_and_a_record_dated_year_9999_is_rejected()
    {
        await IngestAsync(0, 150); // hours 0–2 answered (durable); hour 2 is open
        await _node.KillAsync(); // SIGKILL: no leave, nobody sees this incarnation removed
        _node.Restart(); // same address, new incarnation
        await _node.WaitUntilReadyAsync(ReadyTimeout);

        var lines = await IngestAsync(150, 360, JsonSerializer.Serialize(new { id = "y9999", account = "R1", type = "CASH_IN", amount = "1.00",
            currency = "EUR", timestamp = "9999-12-31T23:59:59Z" }) + "\n");
        var future = lines.Single(l => l.TryGetProperty("line", out var n) && n.GetInt64() == 360 - 150 + 1);
        Assert.Equal("Rejected", future.GetProperty("status").GetString());
        Assert.Equal("timestamp", future.GetProperty("field").GetString());

        // Hours 0–4 final (the watermark, max event time − 5 min, is past hour 4), each with its 60 transactions: none of
        // what was answered before the kill lost, none of what the projection read again after it counted twice.
        var deadline = Stopwatch.StartNew();
        Dictionary<long, long> counts = [];
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            counts = await HourlyCountsAsync();
            if (Enumerable.Range(0, 5).All(h => counts.GetValueOrDefault(Start.AddHours(h).ToUnixTimeMilliseconds()) == 60))
            {
                break;
            }

            await Task.Delay(500);
        }

        var status = JsonDocument.Parse(await _node.Http.GetStringAsync(new Uri(_node.BaseUri, "windows/status"))).RootElement;
        var shown = string.Join(", ", counts.OrderBy(c => c.Key).Select(c => $"{DateTimeOffset.FromUnixTimeMilliseconds(c.Key):HH}h={c.Value}"));
        for (var hour = 0; hour < 5; hour++)
        {
            Assert.True(counts.GetValueOrDefault(Start.AddHours(hour).ToUnixTimeMilliseconds()) == 60,
                $"hour {hour} should count its 60 transactions; counts {shown}; status {status}");
        }

        var minWatermark = status.GetProperty("minWatermark").GetInt64();
        Assert.True(minWatermark < new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), "the year-9999 record moved the watermark");
    }
}
