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
    public static async Task<FileIngestionResult> RunAsync(
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
        Action<IngestOutcome>? onOutcome = null)
    {
        var offsets = system.ActorOf(IngestionOffsetActor.Props(IngestionPipeline.SourceKey(path)));
        try
        {
            var start = await offsets.Ask<long>(IngestionOffsetActor.GetOffset.Instance, TimeSpan.FromSeconds(30), cancellationToken);
            var maxEventTime = long.MinValue;
            var committed = start;
            var (killSwitch, done) = Source.From(IngestionPipeline.FileItems(path, format, options))
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
