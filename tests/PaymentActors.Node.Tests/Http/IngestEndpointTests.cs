using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using PaymentActors.Node.Tests.Harness;

namespace PaymentActors.Node.Tests.Http;

/// <summary>POST /transactions over a real loopback socket against a real node process (embedded SQLite).</summary>
public sealed class IngestEndpointTests : IAsyncLifetime
{
    private SingleNodeProcess _node = null!;

    public async Task InitializeAsync()
    {
        _node = SingleNodeProcess.Start("--max-ingest-requests", "1");
        await _node.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)); // generous: a loaded machine starts nodes slowly
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private sealed class SlowContent(TaskCompletionSource release, string firstLine) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(firstLine));
            await stream.FlushAsync();
            // The body stays open, so the request keeps its slot: a blank line (not a record) every second, since the node
            // cuts a body that stalls for 10 s and a loaded machine may take that long to send the other requests.
            while (!release.Task.IsCompleted)
            {
                await Task.WhenAny(release.Task, Task.Delay(TimeSpan.FromSeconds(1)));
                await stream.WriteAsync("\n"u8.ToArray());
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    [Fact]
    public async Task Each_record_gets_its_outcome_and_a_saturated_node_answers_429_with_retry_after()
    {
        var body = string.Join("\n",
            """{"id":"h1","account":"H1","type":"CASH_IN","amount":"10.00","currency":"EUR"}""",
            """{"id":"h2","account":"H1","type":"PAYMENT","amount":"1.234","currency":"EUR"}""",
            "not json",
            """{"id":"h1","account":"H1","type":"CASH_IN","amount":"10.00","currency":"EUR"}""",
            """{"id":"h3","account":"H1","type":"PAYMENT","amount":"3","currency":"EUR","counterparty":"M1","timestamp":"2026-01-01T10:00:00Z"}""") + "\n";
        var response = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var byLine = lines.Where(l => l.TryGetProperty("line", out _)).ToDictionary(l => l.GetProperty("line").GetInt64());
        Assert.Equal("Approved", byLine[1].GetProperty("status").GetString());
        Assert.Equal("amount", byLine[2].GetProperty("field").GetString());
        Assert.Equal("line", byLine[3].GetProperty("field").GetString());
        Assert.True(byLine[4].GetProperty("duplicate").GetBoolean());
        Assert.Equal(700, byLine[5].GetProperty("balanceAfterMinor").GetInt64());
        var summary = lines[^1].GetProperty("summary");
        Assert.Equal(5, summary.GetProperty("read").GetInt64());
        Assert.Equal(2, summary.GetProperty("accepted").GetInt64());
        Assert.Equal(2, summary.GetProperty("rejected").GetInt64());
        Assert.Equal(1, summary.GetProperty("duplicates").GetInt64());

        // Saturation: one slot (--max-ingest-requests 1) held by a request whose body is still arriving.
        var release = new TaskCompletionSource();
        var slow = _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions",
            new SlowContent(release, """{"id":"s1","account":"H2","type":"CASH_IN","amount":"1","currency":"EUR"}""" + "\n"));
        // Only once the node has applied its first record does the slow request hold the slot: before that, an empty
        // request sent now could take the slot first and leave the slow one the 429.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(await _node.Http.GetStringAsync($"http://127.0.0.1:{_node.HttpPort}/accounts/H2")).Contains("\"balanceMinor\":100", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the slow request's first record was not applied within 60 s");
            Assert.False(slow.IsCompleted, "the slow request ended before its first record was applied");
            await Task.Delay(50);
        }

        HttpResponseMessage? rejected = null;
        while (rejected?.StatusCode != HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline)
        {
            if (slow.IsCompleted)
            {
                var ended = await slow;
                Assert.Fail($"the slow request ended before the node refused another: {(int)ended.StatusCode} {await ended.Content.ReadAsStringAsync()}");
            }

            rejected = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions", new StringContent("", Encoding.UTF8, "application/x-ndjson"));
            await Task.Delay(50);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, rejected!.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), rejected.Headers.RetryAfter?.Delta);
        release.SetResult();
        Assert.Equal(HttpStatusCode.OK, (await slow).StatusCode);

        // The slot is free again.
        var after = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions", new StringContent("", Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Metrics_count_what_the_endpoint_delivered_and_on_one_node_all_of_it_is_local()
    {
        var body = string.Join("\n",
            """{"id":"m1","account":"MA","type":"CASH_IN","amount":"10.00","currency":"EUR"}""",
            """{"id":"m2","account":"MA","type":"TRANSFER","amount":"1.00","currency":"EUR","counterparty":"MB"}""",
            """{"id":"m3","account":"MA","type":"PAYMENT","amount":"99.00","currency":"EUR","counterparty":"M1"}""",
            """{"id":"m4","account":"MC","type":"CASH_IN","amount":"-1","currency":"EUR"}""") + "\n";
        var response = await _node.Http.PostAsync($"http://127.0.0.1:{_node.HttpPort}/transactions", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"accepted\":3", await response.Content.ReadAsStringAsync()); // m3 is declined (beyond the balance), m4 never delivered

        // The node re-reads the shard allocation every second; deliveries made before it knew their shard are then classified.
        JsonElement metrics = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            metrics = JsonDocument.Parse(await _node.Http.GetStringAsync($"http://127.0.0.1:{_node.HttpPort}/cluster/shards")).RootElement;
            if (metrics.GetProperty("deliveries").GetProperty("pending").GetInt64() == 0 && metrics.GetProperty("credits").GetProperty("pending").GetInt64() == 0)
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal(3, metrics.GetProperty("deliveries").GetProperty("local").GetInt64());
        Assert.Equal(0, metrics.GetProperty("deliveries").GetProperty("remote").GetInt64());
        Assert.Equal(0, metrics.GetProperty("deliveries").GetProperty("pending").GetInt64());
        Assert.Equal(1, metrics.GetProperty("credits").GetProperty("local").GetInt64()); // the applied transfer; the declined payment sends none
        Assert.Equal(0, metrics.GetProperty("credits").GetProperty("remote").GetInt64());
        var self = metrics.GetProperty("self").GetString()!;
        Assert.Equal([self], metrics.GetProperty("shardsByNode").EnumerateObject().Select(p => p.Name));
        Assert.True(metrics.GetProperty("shardsLocal").GetInt32() >= 1, metrics.ToString()); // MA's and MB's shards
        Assert.Equal(metrics.GetProperty("shardsKnown").GetInt32(), metrics.GetProperty("shardsLocal").GetInt32());
    }
}
