using System.Text.Json;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Streams.TestKit;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Hosting;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Risk;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Cluster.Tests.Ingestion;

public sealed class IngestionPipelineTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "pa-ingest-" + Guid.NewGuid().ToString("N"));
    private HostedAkka _node = null!;
    private readonly NodeWindows _windows = new();

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _node = await HostedAkka.StartAsync(b => b.WithPaymentsNode(
            new PaymentsNodeSettings { Port = 0, Database = DatabaseKind.Sqlite, DataDirectory = _directory }, RiskRulesHolder.None(), _windows));
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<IActorRef> Region() => await _node.Registry.GetAsync<AccountRegion>();

    private string WriteFile(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, string.Join("\r\n", lines) + "\r\n"); // CRLF on purpose
        return path;
    }

    private static IEnumerable<string> GoodRows(int count) =>
        Enumerable.Range(0, count).Select(i => $"{1 + i % 5},{(i % 2 == 0 ? "CASH_IN" : "PAYMENT")},{10 + i}.25,C{i % 40},1000.00,0.0,M{i},0.0,0.0,0,0");

    [Fact]
    public async Task A_slow_consumer_bounds_what_is_pulled_from_the_source()
    {
        var pulled = 0;
        IEnumerable<IngestItem> Endless()
        {
            for (var i = 1; ; i++)
            {
                Interlocked.Increment(ref pulled);
                var raw = new RawRecord("endless", i, $"1,CASH_IN,{i}.00,B{i % 10},0.0,0.0,M1,0.0,0.0,0,0");
                yield return new IngestItem(i, raw, new PaySimParser(new IngestionOptions()).Parse(raw));
            }
        }

        var probe = Source.From(Endless())
            .Via(IngestionPipeline.Graph(await Region(), new DeliverySettings(GroupSize: 16, Parallelism: 2), new IngestionCounters(), null, null))
            .RunWith(SinkProbe(), _node.System.Materializer());
        probe.Request(5);
        for (var i = 0; i < 5; i++)
        {
            probe.ExpectNext(TimeSpan.FromSeconds(20));
        }

        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        var bound = Volatile.Read(ref pulled);
        Assert.True(bound < 500, $"pulled {bound} elements for 5 demanded");
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(bound, Volatile.Read(ref pulled)); // and it stays put while nobody asks
        probe.Cancel();
    }

    // A TestKit over the node's own system (not disposed here: the node owns the system).
    private Sink<IngestOutcome, TestSubscriber.Probe<IngestOutcome>> SinkProbe() =>
        TestSink.SinkProbe<IngestOutcome>(new Akka.TestKit.Xunit2.TestKit(_node.System));

    [Fact]
    public async Task Bad_rows_become_dead_letters_the_stream_goes_on_and_the_counts_add_up()
    {
        var rows = new List<string> { PaySimParser.Header };
        rows.AddRange(GoodRows(30));
        rows.AddRange(
        [
            "1,TRANSFER,181.00,C1",                               // truncated
            "1,CASH_IN,12.345,C1,0.0,0.0,M1,0.0,0.0,0,0",         // 3 decimals
            "1,CASH_IN,-4.00,C1,0.0,0.0,M1,0.0,0.0,0,0",          // negative
            "1,CASH_IN,abc,C1,0.0,0.0,M1,0.0,0.0,0,0",            // non-numeric
            "1,LOAN,4.00,C1,0.0,0.0,M1,0.0,0.0,0,0",              // unknown type
            "1,CASH_IN,4.00,C\uFFFD,0.0,0.0,M1,0.0,0.0,0,0",       // UTF-8 garbage
            "",                                                   // blank: skipped, not a record
        ]);
        rows.Add(GoodRows(30).First()); // an exact duplicate of the first good row
        var path = WriteFile("bad.csv", rows);
        var deadLetterPath = Path.Combine(_directory, "dead.jsonl");
        var counters = new IngestionCounters();
        using (var deadLetters = DeadLetterWriter.ToFile(deadLetterPath))
        {
            await FileIngestion.RunAsync(_node.System, await Region(), _windows, path, InputFormat.PaySim, new IngestionOptions(),
                DeliverySettings.Default, counters, deadLetters);
        }

        Assert.Equal(37, counters.Read);
        Assert.Equal(30, counters.Accepted);
        Assert.Equal(6, counters.Rejected);
        Assert.Equal(1, counters.Duplicates);
        Assert.True(counters.IdentityHolds);
        var dead = File.ReadAllLines(deadLetterPath).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["line", "amount", "amount", "amount", "type", "line"], dead.Select(d => d.GetProperty("field").GetString()));
        Assert.All(dead, d => Assert.Equal(path, d.GetProperty("source").GetString()));
        Assert.Contains(dead, d => d.GetProperty("reason").GetString()!.Contains("more than 2 decimal"));
    }

    [Fact]
    public async Task An_empty_file_and_a_header_only_file_read_nothing()
    {
        foreach (var (name, lines) in new[] { ("empty.csv", Array.Empty<string>()), ("header.csv", new[] { PaySimParser.Header }) })
        {
            var counters = new IngestionCounters();
            var result = await FileIngestion.RunAsync(_node.System, await Region(), _windows, WriteFile(name, lines), InputFormat.PaySim,
                new IngestionOptions(), DeliverySettings.Default, counters, null);
            Assert.Equal(0, counters.Read);
            Assert.True(counters.IdentityHolds);
            Assert.Equal(0, result.CommittedOffset);
        }
    }

    [Fact]
    public async Task A_stopped_ingestion_resumes_after_its_committed_offset_without_applying_anything_twice()
    {
        var rows = new List<string> { PaySimParser.Header };
        rows.AddRange(Enumerable.Range(0, 10_000).Select(i => $"{1 + i / 100},CASH_IN,1.00,R{i % 300},0.0,0.0,M1,0.0,0.0,0,0"));
        // Stop early: the first run must still be going when it is stopped.
        var path = WriteFile("resume.csv", rows);
        var first = new IngestionCounters();
        using var stop = new CancellationTokenSource();
        var run = FileIngestion.RunAsync(_node.System, await Region(), _windows, path, InputFormat.PaySim, new IngestionOptions(),
            new DeliverySettings(GroupSize: 16, Parallelism: 1), first, null, stop.Token);
        // Past one full commit group (2,000), so an offset has certainly been committed when it stops.
        while (first.Accepted < 2_500)
        {
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        var stopped = await run;
        const int positions = 10_001; // the header is position 1
        Assert.True(stopped.CommittedOffset is > 1 and < positions, $"committed {stopped.CommittedOffset}");

        var second = new IngestionCounters();
        var resumed = await FileIngestion.RunAsync(_node.System, await Region(), _windows, path, InputFormat.PaySim, new IngestionOptions(),
            DeliverySettings.Default, second, null);
        Assert.Equal(stopped.CommittedOffset, resumed.StartOffset);
        Assert.Equal(positions, resumed.CommittedOffset);
        Assert.Equal(positions - stopped.CommittedOffset, second.Read);
        // Records delivered twice (after the commit, before the stop) were recognised as duplicates, never applied
        // twice; some were applied in the first run without being counted there (in flight when it stopped).
        Assert.InRange(first.Approved + second.Approved, 10_000 - second.Duplicates, 10_000);
        Assert.True(second.IdentityHolds);

        var client = new PaymentsClient(await Region());
        var total = 0L;
        for (var i = 0; i < 300; i++)
        {
            total += (await client.GetAccountAsync($"R{i}")).BalanceMinor;
        }

        Assert.Equal(10_000 * 100, total);
    }
}
