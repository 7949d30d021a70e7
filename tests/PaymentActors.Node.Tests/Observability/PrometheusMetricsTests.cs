namespace PaymentActors.Node.Tests.Observability;

/// <summary>GET /metrics of a real node process: Prometheus text format, counters moving by exactly what a known load did.</summary>
public sealed class PrometheusMetricsTests : IAsyncLifetime
{
    private SingleNodeProcess _node = null!;

    public async Task InitializeAsync()
    {
        _node = SingleNodeProcess.Start();
        await _node.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Metrics_parse_as_prometheus_text_and_counters_move_by_exact_deltas_under_a_known_load()
    {
        var before = await ScrapeAsync();
        Assert.Contains(before.Keys, k => k.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        Assert.Contains(before.Keys, k => k.StartsWith("process_", StringComparison.Ordinal));

        // 20 accounts: 20 CASH_IN approved, 20 CASH_OUT flagged (20 alerts), one repeat line, one unparsable line.
        var summary = await KnownLoad.PostAsync(_node.Http, _node.BaseUri, KnownLoad.Ndjson("prom-" + Guid.NewGuid().ToString("N")[..6], 20, withBadLine: true, withRepeat: true));
        Assert.Contains("\"summary\":{\"read\":42,\"accepted\":40,\"rejected\":1,\"duplicates\":1,", summary);

        // Alerts are stored by the collector singleton after the answer: poll with a deadline for those.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var after = await ScrapeAsync();
        // The collectors' backlogs are gauges of work handed to their sinks and not yet written: back to 0 once written.
        Assert.Contains("payments_alerts_collector_backlog", before.Keys);
        Assert.Contains("payments_windows_collector_backlog", before.Keys);
        // The shard gauge reads the allocation once a second: on a fast machine the load can be done before the next read.
        while ((Delta(before, after, "payments_alerts_stored_total") < 20 || after["payments_alerts_collector_backlog"] > 0
                || after.GetValueOrDefault("payments_sharding_shards") == 0) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            after = await ScrapeAsync();
        }

        Assert.Equal(42, Delta(before, after, PrometheusText.Key("payments_ingest_records_read_total", ("source", "http"))));
        Assert.Equal(40, Delta(before, after, PrometheusText.Key("payments_ingest_records_total", ("result", "accepted"), ("source", "http"))));
        Assert.Equal(1, Delta(before, after, PrometheusText.Key("payments_ingest_records_total", ("result", "rejected"), ("source", "http"))));
        Assert.Equal(1, Delta(before, after, PrometheusText.Key("payments_ingest_records_total", ("result", "duplicate"), ("source", "http"))));
        Assert.Equal(1, Delta(before, after, PrometheusText.Key("payments_ingest_dead_letters_total", ("field", "line"))));
        Assert.Equal(20, Delta(before, after, PrometheusText.Key("payments_transactions_decided_total", ("outcome", "approved"), ("type", "CASH_IN"))));
        Assert.Equal(20, Delta(before, after, PrometheusText.Key("payments_transactions_decided_total", ("outcome", "flagged"), ("type", "CASH_OUT"))));
        Assert.Equal(20, Delta(before, after, "payments_alerts_raised_total"));
        Assert.Equal(20, Delta(before, after, "payments_alerts_stored_total"));
        Assert.Equal(0, after["payments_ingest_in_flight"]);
        Assert.Equal(0, after["payments_alerts_collector_backlog"]);
        Assert.True(Delta(before, after, "payments_transaction_decision_duration_seconds_count") >= 20,
            "every account answered at least once (batches of one account count once)");
        Assert.True(Delta(before, after, "payments_journal_write_duration_seconds_count") > 0);
        Assert.True(after[PrometheusText.Key("payments_sharding_entities_active", ("entity_type", "account"))] >= 20);
        Assert.True(after["payments_sharding_shards"] > 0);
        // A histogram bucket series is cumulative and ends at +Inf with the count.
        Assert.Equal(after["payments_transaction_decision_duration_seconds_count"],
            after[PrometheusText.Key("payments_transaction_decision_duration_seconds_bucket", ("le", "+Inf"))]);
    }

    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var response = await _node.Http.GetAsync(new Uri(_node.BaseUri, "metrics"));
        Assert.True(response.IsSuccessStatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "");
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string key) =>
        after.GetValueOrDefault(key) - before.GetValueOrDefault(key);
}
