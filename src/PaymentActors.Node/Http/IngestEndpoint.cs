using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Node.Http;

/// <summary>Bounds concurrent ingest requests: beyond it the node answers 429 instead of queueing without end.</summary>
public sealed class IngestGate(int maxConcurrentRequests)
{
    private int _active;

    public int MaxConcurrentRequests => maxConcurrentRequests;

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _active) <= maxConcurrentRequests)
        {
            return true;
        }

        Interlocked.Decrement(ref _active);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _active);
}

/// <summary>
/// <c>POST /transactions</c> with an NDJSON body (the JSON Lines schema of docs/INGESTION.md): the body is
/// read as a stream with backpressure through the same ingestion graph as files, and the response streams
/// one NDJSON line per record (its outcome, or its rejection with field and reason), then a summary line.
/// </summary>
public static class IngestEndpoint
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static void Map(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder app)
    {
        app.MapPost("/transactions", async (HttpContext context, IRequiredActor<AccountRegion> region, NodeWindows windows, IngestGate gate, ShardLocality locality, ActorSystem system) =>
        {
            if (!gate.TryEnter())
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsJsonAsync(new { error = $"node saturated: {gate.MaxConcurrentRequests} ingest requests in progress; retry after 1 s" });
                return;
            }

            try
            {
                await IngestAsync(context, await region.GetAsync(context.RequestAborted), windows, locality, system);
            }
            finally
            {
                gate.Exit();
            }
        });
    }

    private static async Task IngestAsync(HttpContext context, IActorRef region, NodeWindows windows, ShardLocality locality, ActorSystem system)
    {
        context.Response.ContentType = "application/x-ndjson";
        var options = new IngestionOptions();
        var parser = new JsonLinesParser(options);
        var counters = new IngestionCounters();
        var rejected = new ConcurrentQueue<DeadLetter>();
        var duplicates = new ConcurrentQueue<NormalisedTransaction>();
        using var deadLetters = new DeadLetterWriter(TextWriter.Null, rejected.Enqueue);
        var source = $"http:{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        var response = context.Response;

        async Task WriteRejections()
        {
            while (rejected.TryDequeue(out var d))
            {
                await response.WriteAsync(JsonSerializer.Serialize(new { line = d.Line, status = "Rejected", field = d.Field, reason = d.Reason }, Json) + "\n");
            }

            while (duplicates.TryDequeue(out var t))
            {
                await response.WriteAsync(JsonSerializer.Serialize(new { line = t.Line, id = t.Request.TransactionId, status = "Duplicate", duplicate = true,
                    reason = "an exact repeat of an earlier record in this request" }, Json) + "\n");
            }
        }

        long position = 0;
        await Source.From(() => IngestionPipeline.ReadLinesAsync(context.Request.Body, source, options.MaxLineLength, context.RequestAborted))
            .Select(raw => new IngestItem(++position, raw, IngestionPipeline.SafeParse(parser, raw)))
            .Via(IngestionPipeline.Graph(region, DeliverySettings.Default, counters, deadLetters, windows.Input, onDuplicate: duplicates.Enqueue))
            .SelectAsync(1, async o =>
            {
                locality.RecordDelivery(o.Transaction.Request, o.Outcome);
                await WriteRejections();
                await response.WriteAsync(JsonSerializer.Serialize(new
                {
                    line = o.Transaction.Line,
                    id = o.Outcome.TransactionId,
                    status = o.Outcome.Status.ToString(),
                    duplicate = o.Outcome.IsDuplicate,
                    reason = o.Outcome.Reason,
                    balanceAfterMinor = o.Outcome.BalanceAfterMinor,
                }, Json) + "\n");
                return o;
            })
            .RunWith(Sink.Ignore<IngestOutcome>(), system.Materializer());
        await WriteRejections();
        await response.WriteAsync(JsonSerializer.Serialize(new
        {
            summary = new { read = counters.Read, accepted = counters.Accepted, rejected = counters.Rejected, duplicates = counters.Duplicates },
        }) + "\n");
    }
}
