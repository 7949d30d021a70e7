using System.Text;
using System.Text.Json;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Analytics;
using PaymentActors.Domain;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Windows;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Cluster.Ingestion;

public enum InputFormat
{
    PaySim,
    Csv,
    JsonLines,
}

/// <summary>One record on its way through the pipeline; <see cref="Position"/> is its offset in the source.</summary>
public readonly record struct IngestItem(long Position, RawRecord Raw, ParseResult Result);

/// <summary>What one transaction ended as: the pipeline's output element.</summary>
public readonly record struct IngestOutcome(long Position, NormalisedTransaction Transaction, TransactionOutcome Outcome);

/// <summary>
/// The preprocessing and delivery graph: parse → validate → drop noise and duplicates → fill → normalise
/// → deliver to the sharded accounts (bounded in flight, per-account batches) → count, dead-letter,
/// feed the node's window stage, commit the source offset. Every element ends in exactly one counter;
/// a bad element never stops the stream (parsers return rejections; an unexpected exception in a parser
/// is turned into a dead letter too).
/// </summary>
public static class IngestionPipeline
{
    public static IRecordParser ParserFor(InputFormat format, IngestionOptions options) => format switch
    {
        InputFormat.PaySim => new PaySimParser(options),
        InputFormat.Csv => new CsvParser(options),
        InputFormat.JsonLines => new JsonLinesParser(options),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Parses one record; a parser bug becomes a dead letter instead of a failed stream.</summary>
    public static ParseResult SafeParse(IRecordParser parser, RawRecord raw)
    {
        try
        {
            return parser.Parse(raw);
        }
        catch (Exception e)
        {
            return ParseResult.Reject(raw, "line", $"line: could not be parsed ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>
    /// Preprocessing as a flow: counts reads, skips, rejections and input duplicates (writing dead letters)
    /// and lets only transactions through.
    /// </summary>
    public static Flow<IngestItem, (long Position, NormalisedTransaction Transaction), NotUsed> Preprocess(
        IngestionCounters counters, DeadLetterWriter? deadLetters, DuplicateFilter duplicates, Action<NormalisedTransaction>? onDuplicate = null) =>
        Flow.Create<IngestItem>()
            .Where(item =>
            {
                switch (item.Result.Kind)
                {
                    case ParseKind.Skipped:
                        counters.OnSkipped();
                        return false;
                    case ParseKind.DeadLetter:
                        counters.OnRead();
                        counters.OnRejected();
                        deadLetters?.Write(item.Result.DeadLetter!);
                        return false;
                    default:
                        counters.OnRead();
                        if (duplicates.IsDuplicate(item.Result.Transaction!))
                        {
                            counters.OnDuplicate();
                            onDuplicate?.Invoke(item.Result.Transaction!);
                            return false;
                        }

                        return true;
                }
            })
            .Select(item => (item.Position, item.Result.Transaction!));

    /// <summary>
    /// The whole graph from items to outcomes. Outcomes leave in input order, each only once its account
    /// has persisted it; <paramref name="windows"/> (the node's window stage) receives every new decision.
    /// </summary>
    public static Flow<IngestItem, IngestOutcome, NotUsed> Graph(
        IActorRef accountRegion, DeliverySettings delivery, IngestionCounters counters, DeadLetterWriter? deadLetters,
        Sink<WindowInput, NotUsed>? windows, DuplicateFilter? duplicates = null, bool boundedInput = false,
        Action<NormalisedTransaction>? onDuplicate = null)
    {
        var flow = Preprocess(counters, deadLetters, duplicates ?? new DuplicateFilter(), onDuplicate)
            .Via(LedgerDelivery.Deliver<(long Position, NormalisedTransaction Transaction), IngestOutcome>(
                accountRegion, delivery, x => x.Transaction.Request, (x, outcome) => new IngestOutcome(x.Position, x.Transaction, outcome)))
            .Select(o =>
            {
                counters.OnOutcome(o.Outcome);
                if (!o.Outcome.IsDuplicate && o.Outcome.Status is TransactionStatus.Rejected or TransactionStatus.Conflict)
                {
                    var reason = o.Outcome.Reason ?? "rejected by the account";
                    deadLetters?.Write(new DeadLetter(o.Transaction.Source, o.Transaction.Line,
                        $"{o.Transaction.Request.TransactionId} {o.Transaction.Request.Type} {o.Transaction.Request.AmountMinor} {o.Transaction.Request.CurrencyCode}",
                        reason.Split(':', 2)[0], reason));
                }

                return o;
            });
        if (windows is null)
        {
            return flow;
        }

        var toWindows = Flow.Create<IngestOutcome>()
            // Not Select then Where: a stream element must never be null (duplicates decide nothing new).
            .SelectMany(o => DecidedTransaction.From(o.Transaction.Request, o.Outcome) is { } d ? [WindowInput.Of(d)] : Array.Empty<WindowInput>())
            // A bounded input (a file replay) ends its windows when it ends, in order after its last element.
            .Concat(boundedInput ? Source.Single(WindowInput.End) : Source.Empty<WindowInput>())
            .To(windows);
        return flow.Via(AlsoToCancellingWithDownstream(toWindows));
    }

    /// <summary>
    /// Like <c>AlsoTo</c>, but when the main downstream cancels (an ingestion is stopped) the whole flow stops:
    /// <c>AlsoTo</c> keeps pulling for its side sink, and the window stage's hub never cancels, so a stopped
    /// ingestion would otherwise go on reading and delivering.
    /// </summary>
    private static Flow<T, T, NotUsed> AlsoToCancellingWithDownstream<T>(Sink<T, NotUsed> side) =>
        Flow.FromGraph(GraphDsl.Create(b =>
        {
            var broadcast = b.Add(new Broadcast<T>(2, eagerCancel: true));
            b.From(broadcast.Out(1)).To(side);
            return new FlowShape<T, T>(broadcast.In, broadcast.Out(0));
        }));

    /// <summary>Lines of a stream (an HTTP body) as records, read asynchronously; same rules as <see cref="ReadLines"/>.</summary>
    public static async IAsyncEnumerable<RawRecord> ReadLinesAsync(Stream stream, string source, int maxLineLength,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var lines = new LineAssembler(source, maxLineLength);
        var buffer = new char[1 << 14];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (lines.Push(buffer[i], out var record))
                {
                    yield return record;
                }
            }
        }

        if (lines.Finish(out var last))
        {
            yield return last;
        }
    }

    /// <summary>Lines of a file as records, 1-based line numbers; an over-long line is cut (and then rejected) without reading it whole.</summary>
    public static IEnumerable<RawRecord> ReadLines(string path, int maxLineLength)
    {
        using var reader = new StreamReader(path, new UTF8Encoding(false, false), detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var lines = new LineAssembler(path, maxLineLength);
        var buffer = new char[1 << 16];
        int read;
        while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (lines.Push(buffer[i], out var record))
                {
                    yield return record;
                }
            }
        }

        if (lines.Finish(out var last))
        {
            yield return last;
        }
    }

    /// <summary>Assembles characters into numbered lines; past the limit a line is counted but no longer stored.</summary>
    private sealed class LineAssembler(string source, int maxLineLength)
    {
        private readonly StringBuilder _line = new();
        private long _number;
        private bool _overflow;

        public bool Push(char ch, out RawRecord record)
        {
            if (ch == '\n')
            {
                record = Take();
                return true;
            }

            if (_line.Length <= maxLineLength)
            {
                _line.Append(ch);
            }
            else
            {
                _overflow = true;
            }

            record = default;
            return false;
        }

        public bool Finish(out RawRecord record)
        {
            var pending = _line.Length > 0 || _overflow;
            record = pending ? Take() : default;
            return pending;
        }

        private RawRecord Take()
        {
            _number++;
            var record = new RawRecord(source, _number, _overflow ? _line.Append('…').ToString() : _line.ToString());
            _line.Clear();
            _overflow = false;
            return record;
        }
    }

    /// <summary>
    /// Items of a file. PaySim files are replayed in event-time order (step, then line number), so the
    /// whole file is parsed first; other formats stream in file order. Positions count from 1.
    /// </summary>
    public static IEnumerable<IngestItem> FileItems(string path, InputFormat format, IngestionOptions options)
    {
        var parser = ParserFor(format, options);
        var items = ReadLines(path, options.MaxLineLength).Select(raw => (raw, result: SafeParse(parser, raw)));
        if (format != InputFormat.PaySim)
        {
            long position = 0;
            foreach (var (raw, result) in items)
            {
                yield return new IngestItem(++position, raw, result);
            }

            yield break;
        }

        // Rejected and skipped lines keep their line order, ahead of the sorted transactions.
        var all = items.ToList();
        var ordered = all.Where(x => x.result.Kind != ParseKind.Transaction)
            .Concat(all.Where(x => x.result.Kind == ParseKind.Transaction)
                .OrderBy(x => x.result.Transaction!.Step).ThenBy(x => x.raw.Line));
        long p = 0;
        foreach (var (raw, result) in ordered)
        {
            yield return new IngestItem(++p, raw, result);
        }
    }

    /// <summary>A stable key for a source's offset store: file name plus a hash of its full path.</summary>
    public static string SourceKey(string path)
    {
        var full = Path.GetFullPath(path);
        return $"{Path.GetFileName(full)}-{Fnv1a.Of(full):x16}";
    }
}
