using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Cluster.Ingestion;

public sealed record FileIngestionResult(long StartOffset, long CommittedOffset, long MaxEventTimeMs);

/// <summary>Runs one file through the ingestion graph, resuming after the source's committed offset.</summary>
public static class FileIngestion
{
    public static Task<FileIngestionResult> RunAsync(
        ActorSystem system,
        IActorRef accountRegion,
        NodeWindows? windows,
        string path,
        InputFormat format,
        IngestionOptions options,
        DeliverySettings delivery,
        IngestionCounters counters,
        DeadLetterWriter? deadLetters,
        CancellationToken cancellationToken = default,
        bool endWindowsAtEnd = false,
        Action<IngestOutcome>? onOutcome = null) =>
        RunSourceAsync(system, accountRegion, windows, IngestionPipeline.SourceKey(path),
            Source.From(IngestionPipeline.FileItems(path, format, options)), delivery, counters, deadLetters, cancellationToken, endWindowsAtEnd, onOutcome);

    /// <summary>
    /// The seeded generator as a source of items, at most <paramref name="ratePerSecond"/> a second (0: as
    /// fast as the accounts take them). Same seed, same records, same positions: resumable like a file.
    /// </summary>
    public static Source<IngestItem, NotUsed> GeneratorItems(int seed, long count, GeneratorOptions options, int ratePerSecond,
        ImportPolicy importPolicy = ImportPolicy.Strict)
    {
        var source = Source.From(new TransactionGenerator(seed, options).Generate(count))
            .Select(t => new IngestItem(t.Line, new RawRecord(t.Source, t.Line, t.Request.TransactionId),
                ParseResult.Ok(t with { Request = importPolicy.Apply(t.Request) })));
        return ratePerSecond > 0
            ? source.Throttle(ratePerSecond, TimeSpan.FromSeconds(1), Math.Max(1, ratePerSecond / 10), ThrottleMode.Shaping)
            : source;
    }

    /// <summary>Runs any source of items through the ingestion graph, resuming after the source's committed offset.</summary>
    public static async Task<FileIngestionResult> RunSourceAsync(
        ActorSystem system,
        IActorRef accountRegion,
        NodeWindows? windows,
        string sourceKey,
        Source<IngestItem, NotUsed> items,
        DeliverySettings delivery,
        IngestionCounters counters,
        DeadLetterWriter? deadLetters,
        CancellationToken cancellationToken = default,
        bool endWindowsAtEnd = false,
        Action<IngestOutcome>? onOutcome = null)
    {
        var offsets = system.ActorOf(IngestionOffsetActor.Props(sourceKey));
        try
        {
            var start = await offsets.Ask<long>(IngestionOffsetActor.GetOffset.Instance, TimeSpan.FromSeconds(30), cancellationToken);
            var maxEventTime = long.MinValue;
            var committed = start;
            var (killSwitch, done) = items
                .Where(item => item.Position > start)
                .Via(IngestionPipeline.Graph(accountRegion, delivery, counters, deadLetters, windows?.Input, boundedInput: endWindowsAtEnd))
                .Select(o =>
                {
                    onOutcome?.Invoke(o);
                    maxEventTime = Math.Max(maxEventTime, o.Transaction.Request.EventTimeMs);
                    return o.Position;
                })
                // Outcomes arrive in input order and only once durable: the last position of a group is safe to commit.
                .GroupedWithin(2_000, TimeSpan.FromMilliseconds(250))
                .SelectAsync(1, async positions =>
                {
                    var last = positions.Last();
                    await offsets.Ask<IngestionOffsetActor.Committed>(new IngestionOffsetActor.Commit(last), TimeSpan.FromSeconds(30));
                    committed = last;
                    return last;
                })
                .ViaMaterialized(KillSwitches.Single<long>(), Keep.Right)
                .ToMaterialized(Sink.Ignore<long>(), Keep.Both)
                .Run(system.Materializer());
            await using (cancellationToken.Register(() => killSwitch.Shutdown()))
            {
                await done;
            }

            deadLetters?.Flush();
            return new FileIngestionResult(start, committed, maxEventTime);
        }
        finally
        {
            offsets.Tell(PoisonPill.Instance);
        }
    }
}
