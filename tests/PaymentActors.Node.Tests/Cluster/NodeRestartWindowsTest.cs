using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace PaymentActors.Node.Tests.Cluster;

/// <summary>
/// A single node (embedded SQLite) killed mid-stream and started again on the same address: its earlier incarnation stops
/// holding the collector's watermark back, so window results keep coming; a record dated year 9999 is rejected.
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

    private async Task<List<long>> HourlyStartsAsync()
    {
        var results = JsonDocument.Parse(await _node.Http.GetStringAsync(new Uri(_node.BaseUri, "windows?window=hourly&key=all/"))).RootElement;
        return results.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("start").GetInt64()).Distinct().Order().ToList();
    }

    [Fact]
    public async Task After_a_restart_window_results_keep_coming_and_a_record_dated_year_9999_is_rejected()
    {
        await IngestAsync(0, 180); // hours 0–2: the watermark (max event time − 5 min) passes hours 0 and 1
        // Hours 0 and 1 final before the kill (partials travel asynchronously: killed sooner, they would be lost with the
        // node's in-memory window stage, the gap docs/RELIABILITY.md lists).
        var hour1 = Start.AddHours(1).ToUnixTimeMilliseconds();
        var before = Stopwatch.StartNew();
        while (!(await HourlyStartsAsync()).Contains(hour1))
        {
            Assert.True(before.Elapsed < TimeSpan.FromSeconds(60), "hours 0 and 1 never became final before the restart");
            await Task.Delay(100);
        }

        await _node.KillAsync(); // SIGKILL: no leave, nobody sees this incarnation removed
        _node.Restart(); // same address, new incarnation
        await _node.WaitUntilReadyAsync(ReadyTimeout);

        var lines = await IngestAsync(180, 360, JsonSerializer.Serialize(new { id = "y9999", account = "R1", type = "CASH_IN", amount = "1.00",
            currency = "EUR", timestamp = "9999-12-31T23:59:59Z" }) + "\n");
        var future = lines.Single(l => l.TryGetProperty("line", out var n) && n.GetInt64() == 181);
        Assert.Equal("Rejected", future.GetProperty("status").GetString());
        Assert.Equal("timestamp", future.GetProperty("field").GetString());

        // Hours 2–4 become final only if the earlier incarnation no longer holds the watermark at hour 2.
        var hour4 = Start.AddHours(4).ToUnixTimeMilliseconds();
        var deadline = Stopwatch.StartNew();
        List<long> starts = [];
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            starts = await HourlyStartsAsync();
            if (starts.Contains(hour4))
            {
                break;
            }

            await Task.Delay(500);
        }

        var status = JsonDocument.Parse(await _node.Http.GetStringAsync(new Uri(_node.BaseUri, "windows/status"))).RootElement;
        Assert.True(starts.Contains(hour4), $"no hourly result for hour 4 after the restart; results start at {string.Join(", ", starts)}; status {status}");
        // Hours 0, 1 (final before the kill), 3 and 4 (after it). Hour 2 was open in the killed node's window stage, which is
        // in memory: what it held is lost until windows are fed from the journal (docs/RELIABILITY.md, "Not covered"), so
        // hour 2 is not asserted here either way.
        foreach (var hour in new[] { 0, 1, 3, 4 })
        {
            Assert.Contains(Start.AddHours(hour).ToUnixTimeMilliseconds(), starts);
        }

        Assert.NotEqual(0, status.GetProperty("retiredSources").GetArrayLength());
        var minWatermark = status.GetProperty("minWatermark").GetInt64();
        Assert.True(minWatermark < new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), "the year-9999 record moved the watermark");
    }
}
