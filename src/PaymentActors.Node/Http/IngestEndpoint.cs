using System.Collections.Concurrent;
using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using DeadLetter = PaymentActors.Domain.Ingestion.DeadLetter;
using Akka.Hosting;
using Akka.Streams;
using Akka.Streams.Dsl;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Http.Features;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Cluster.Ingestion;
using PaymentActors.Cluster.Observability;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Node.Http;

/// <summary>Bounds concurrent ingest requests: beyond it the node answers 429 instead of queueing without end.</summary>
public sealed class IngestGate(int maxConcurrentRequests)
{
    private int _active;

    public int MaxConcurrentRequests => maxConcurrentRequests;

    public int Active => Volatile.Read(ref _active);

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
/// <c>POST /transactions</c> with an NDJSON body (the JSON Lines schema of docs/INGESTION.md), through the same
/// ingestion graph as files; the response streams one NDJSON line per record (its outcome, or its rejection with
/// field and reason), then a summary line. No client can wedge it (<see cref="IngestLimits"/>): a body with a
/// Content-Length is read whole first (413 beyond the maximum, nothing applied); a chunked body streams with
/// backpressure and is cut at its maximum with every record read answered and an error line saying why; a client
/// that stops reading is cut after the write timeout; a record with no durable answer by the delivery deadline is
/// answered <c>Unknown</c> (or the request 503 with Retry-After) so that the client retries with the same id.
/// </summary>
public static class IngestEndpoint
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public const string JournalUnavailable = "journal unavailable";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/transactions", async (HttpContext context, IRequiredActor<AccountRegion> region, NodeWindows windows, IngestGate gate,
            IngestLimits limits, ShardLocality locality, ActorSystem system) =>
        {
            if (!IsNdjson(context.Request.ContentType))
            {
                await Refuse(context, StatusCodes.Status415UnsupportedMediaType,
                    $"Content-Type: '{context.Request.ContentType}' is not NDJSON; send application/x-ndjson (one JSON object per line)");
                return;
            }

            var policyText = context.Request.Query["importPolicy"].ToString();
            if (!ImportPolicies.TryParse(policyText.Length == 0 ? "strict" : policyText, out var importPolicy))
            {
                await Refuse(context, StatusCodes.Status400BadRequest,
                    $"importPolicy: '{policyText}' is not one of {string.Join(", ", ImportPolicies.Names)}; nothing was read or applied");
                return;
            }

            if (context.Request.ContentLength > limits.MaxBufferedBodyBytes)
            {
                await Refuse(context, StatusCodes.Status413PayloadTooLarge,
                    $"body: {context.Request.ContentLength} bytes is over the maximum of {limits.MaxBufferedBodyBytes} bytes for a body with a " +
                    $"Content-Length; nothing was read or applied. Split it, or send it chunked (streamed, up to {limits.MaxStreamedBodyBytes} bytes)");
                return;
            }

            if (!gate.TryEnter())
            {
                PaymentsMetrics.IngestThrottled();
                context.Response.Headers.RetryAfter = "1";
                await Refuse(context, StatusCodes.Status429TooManyRequests,
                    $"node saturated: {gate.MaxConcurrentRequests} ingest requests in progress; retry after 1 s");
                return;
            }

            try
            {
                await IngestAsync(context, await region.GetAsync(context.RequestAborted), windows, limits, locality, system, importPolicy);
            }
            finally
            {
                gate.Exit();
            }
        }).WithSummary("Ingest NDJSON transactions (?importPolicy=strict|import-overdraft, default strict); streams one outcome line per record, " +
                       "then a summary; 429 + Retry-After when saturated");
    }

    /// <summary>NDJSON under its usual names; no Content-Type at all is taken as NDJSON too (streaming clients often send none).</summary>
    public static bool IsNdjson(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return true;
        }

        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/x-jsonlines", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/json-seq", StringComparison.OrdinalIgnoreCase);
    }

    private static Task Refuse(HttpContext context, int status, string error)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error });
    }

    private static async Task IngestAsync(HttpContext context, IActorRef region, NodeWindows windows, IngestLimits limits, ShardLocality locality, ActorSystem system,
        ImportPolicy importPolicy)
    {
        // This endpoint enforces its own limits (below); Kestrel's default cut a chunked body with no reason given.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        Stream body;
        if (context.Request.ContentLength is { } length)
        {
            // Read whole before answering: a client that sends everything before it reads cannot deadlock against us.
            var buffer = new MemoryStream((int)Math.Min(length, int.MaxValue));
            try
            {
                await new LimitedStream(context.Request.Body, length, limits.EffectiveReadIdleTimeout).CopyToAsync(buffer, context.RequestAborted);
            }
            catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
            {
                if (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
                {
                    await Refuse(context, StatusCodes.Status408RequestTimeout,
                        $"body: the upload was cut, stalled or slower than {IngestLimits.MinBytesPerSecond} bytes/s ({e.Message}); nothing was applied");
                }

                return;
            }

            buffer.Position = 0;
            body = buffer;
        }
        else
        {
            body = context.Request.Body;
        }

        context.Response.ContentType = "application/x-ndjson";
        var options = windows.IngestionOptions(new IngestionOptions { MaxFutureSkew = limits.MaxFutureSkew ?? IngestionOptions.DefaultMaxFutureSkew, ImportPolicy = importPolicy });
        var parser = new JsonLinesParser(options);
        var counters = new IngestionCounters();
        var rejected = new ConcurrentQueue<DeadLetter>();
        var duplicates = new ConcurrentQueue<NormalisedTransaction>();
        // Records handed to delivery and not yet answered: answered Unknown if the delivery deadline passes.
        var unanswered = new ConcurrentDictionary<long, string>();
        using var deadLetters = new DeadLetterWriter(TextWriter.Null, rejected.Enqueue);
        var source = $"http:{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        var response = context.Response;
        var reader = new BodyLines(body, source, options.MaxLineLength, context.Request.ContentLength is null ? limits.MaxStreamedBodyBytes : long.MaxValue,
            limits.EffectiveReadIdleTimeout);

        async Task Write(object line)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(limits.EffectiveWriteTimeout);
            try
            {
                await response.WriteAsync(JsonSerializer.Serialize(line, Json) + "\n", timeout.Token);
            }
            catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
            {
                throw new ClientNotReadingException(limits.EffectiveWriteTimeout);
            }
        }

        async Task WriteRejections()
        {
            while (rejected.TryDequeue(out var d))
            {
                await Write(new { line = d.Line, status = "Rejected", field = d.Field, reason = d.Reason });
            }

            while (duplicates.TryDequeue(out var t))
            {
                unanswered.TryRemove(t.Line, out _);
                await Write(new { line = t.Line, transactionId = t.Request.TransactionId, status = "Duplicate", duplicate = true,
                    reason = "an exact repeat of an earlier record in this request" });
            }
        }

        var deadline = limits.EffectiveDeliveryDeadline;
        var delivery = DeliverySettings.Default with { AskTimeout = deadline / 3, MaxAttempts = 3 };
        long position = 0;
        // A client that stops reading ends the stream by completing it, not failing it: a failed stream makes Akka log
        // two errors (the stage's and the window stage's hub) for what is an expected, handled condition.
        string? notReading = null;
        try
        {
            await Source.From(reader.ReadAsync)
                .Select(raw =>
                {
                    var item = new IngestItem(++position, raw, IngestionPipeline.SafeParse(parser, raw));
                    if (item.Result.Transaction is { } t)
                    {
                        unanswered[t.Line] = t.Request.TransactionId;
                    }

                    return item;
                })
                .Via(IngestionPipeline.Graph(region, delivery, counters, deadLetters, windows.Input, onDuplicate: duplicates.Enqueue))
                .SelectAsync(1, async o =>
                {
                    locality.RecordDelivery(o.Transaction.Request, o.Outcome);
                    try
                    {
                        await WriteRejections();
                        unanswered.TryRemove(o.Transaction.Line, out _);
                        await Write(new
                        {
                            line = o.Transaction.Line,
                            transactionId = o.Outcome.TransactionId,
                            status = o.Outcome.Status.ToString(),
                            duplicate = o.Outcome.IsDuplicate,
                            reason = o.Outcome.Reason,
                            balanceAfterMinor = o.Outcome.BalanceAfterMinor,
                        });
                    }
                    catch (ClientNotReadingException e)
                    {
                        notReading = e.Message;
                    }
                    catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
                    {
                        notReading = "the connection was closed"; // by the client, or by the server for reading too slowly
                    }

                    return o;
                })
                .TakeWhile(_ => notReading is null)
                .RunWith(Sink.Ignore<IngestOutcome>(), system.Materializer());
        }
        catch (TimeoutException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            await AnswerUnknown(context, unanswered, rejected, duplicates, e.Message, Write, WriteRejections);
            return;
        }

        if (notReading is not null)
        {
            // The client stopped reading (or is gone): cut it, free the slot. Undelivered records die with the stream (never applied).
            system.Log.Warning("Ingest request from {0} cut: {1}", source, notReading);
            context.Abort();
            return;
        }

        await WriteRejections();
        if (reader.Cut is { } cut)
        {
            await Write(new { error = cut, lastLineRead = reader.LinesRead });
        }

        await Write(new
        {
            summary = new
            {
                read = counters.Read, accepted = counters.Accepted, rejected = counters.Rejected, duplicates = counters.Duplicates,
                approved = counters.Approved, flagged = counters.Flagged, declined = counters.Declined, importPolicy = importPolicy.ToWire(),
            },
        });
    }

    /// <summary>
    /// No durable answer within the deadline (the journal is down, or an account unreachable): whatever was sent may
    /// or may not be applied. Before any answer went out: 503 with Retry-After and each record Unknown; after: an
    /// Unknown line per unanswered record and an error line. Either way the client retries with the same ids.
    /// </summary>
    private static async Task AnswerUnknown(HttpContext context, ConcurrentDictionary<long, string> unanswered, ConcurrentQueue<DeadLetter> rejected,
        ConcurrentQueue<NormalisedTransaction> duplicates, string detail, Func<object, Task> write, Func<Task> writeRejections)
    {
        var reason = $"{JournalUnavailable}: no durable answer in time ({detail}); retry with the same id";
        var records = unanswered.OrderBy(p => p.Key).Select(p => new { line = p.Key, transactionId = p.Value, status = "Unknown", reason }).ToList();
        if (!context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = IngestLimits.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                error = JournalUnavailable,
                reason,
                retryAfterSeconds = IngestLimits.RetryAfterSeconds,
                unknown = records,
                rejected = rejected.Select(d => new { line = d.Line, status = "Rejected", field = d.Field, reason = d.Reason }),
                duplicates = duplicates.Select(t => new { line = t.Line, transactionId = t.Request.TransactionId, status = "Duplicate" }),
            }, Json));
            return;
        }

        await writeRejections();
        foreach (var record in records)
        {
            await write(record);
        }

        await write(new { error = JournalUnavailable, reason, retryAfterSeconds = IngestLimits.RetryAfterSeconds });
    }

    private sealed class ClientNotReadingException(TimeSpan timeout)
        : Exception($"the client did not read its answers for {timeout.TotalSeconds:F0} s");

    /// <summary>
    /// The body's lines, ending early (not failing) at the byte limit or when the upload breaks: every record read is
    /// still delivered and answered, and <see cref="Cut"/> says why the rest was not read.
    /// </summary>
    private sealed class BodyLines(Stream body, string source, int maxLineLength, long maxBytes, TimeSpan idleTimeout)
    {
        public string? Cut { get; private set; }

        public long LinesRead { get; private set; }

        public async IAsyncEnumerable<RawRecord> ReadAsync()
        {
            var limited = new LimitedStream(body, maxBytes, idleTimeout);
            await using var lines = IngestionPipeline.ReadLinesAsync(limited, source, maxLineLength).GetAsyncEnumerator();
            while (true)
            {
                try
                {
                    if (!await lines.MoveNextAsync())
                    {
                        break;
                    }
                }
                catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
                {
                    Cut = $"request cut after line {LinesRead}: the upload broke off, stalled for {idleTimeout.TotalSeconds:F0} s or was slower than {IngestLimits.MinBytesPerSecond} bytes/s " +
                          $"({e.Message}); the rest was not read and not applied";
                    yield break;
                }

                if (limited.Exceeded)
                {
                    // The last line may be cut in two: it is not delivered.
                    Cut = $"body: over the maximum of {maxBytes} bytes for a streamed body; read and answered up to line {LinesRead}, " +
                          "the rest was not read and not applied";
                    yield break;
                }

                LinesRead = lines.Current.Line;
                yield return lines.Current;
            }
        }
    }

    /// <summary>
    /// Reads at most <c>maxBytes</c>, then reports the end of the stream and sets <see cref="Exceeded"/> if more was coming.
    /// A read that waits longer than <c>idleTimeout</c> for a byte fails: a client that stalls mid-body cannot hold its slot
    /// (Kestrel's minimum rate is an average, which a fast start keeps above the minimum for a long time).
    /// </summary>
    private sealed class LimitedStream(Stream inner, long maxBytes, TimeSpan idleTimeout) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(idleTimeout);
            try
            {
                if (_read >= maxBytes)
                {
                    // One byte more tells "exactly at the limit" from "over it".
                    var probe = new byte[1];
                    Exceeded = await inner.ReadAsync(probe, idle.Token) > 0;
                    return 0;
                }

                var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, maxBytes - _read)], idle.Token);
                _read += n;
                return n;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"no body data for {idleTimeout.TotalSeconds:F0} s");
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous reads only");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
