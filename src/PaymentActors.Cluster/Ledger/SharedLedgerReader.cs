using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;

namespace PaymentActors.Cluster.Ledger;

/// <summary>
/// One reading of the journal shared by every reader on a node (the window projections and the alert collector). Each
/// reader used to query and deserialise every row on its own: three readers on one node tripled the query side's work,
/// and half of what a durable transaction allocates was theirs. Rows read for one reader are kept in pages for a while,
/// so a reader at an offset another has just passed is served from memory, and readers waiting at the journal's end
/// share one query. Readers keep their own offsets and checkpoints, as before: the cache only ever holds what the
/// journal returned, contiguously, so a reader is given exactly the rows it would have read itself.
/// </summary>
public sealed class SharedLedgerReader
{
    private readonly Func<long, Source<LedgerEvent, NotUsed>> _journal;
    private readonly IMaterializer _materializer;
    private readonly int _pageSize;
    private readonly int _capacity;
    private readonly object _gate = new();

    // Pages of rows, oldest first, covering the offsets (_from, _to] without a hole: every row the journal holds there.
    private readonly LinkedList<LedgerEvent[]> _pages = new();
    private int _cachedRows;
    private long _from;
    private long _to;

    // Reads in flight by the offset they read after: readers asking for the same offset wait for the same read.
    private readonly Dictionary<long, Task<LedgerEvent[]>> _reading = new();
    private long _journalReads;

    /// <param name="journal">The journal's rows after an offset (exclusive), live: it waits for new rows at the end.</param>
    /// <param name="materializer">Runs the journal reads.</param>
    /// <param name="pageSize">
    /// Rows per read: one less than the query side's <c>max-buffer-size</c>, so that a read ends inside the query's own
    /// batch and never starts the next one only to drop it.
    /// </param>
    /// <param name="capacity">Rows kept for readers that follow (pages beyond it are dropped, oldest first).</param>
    public SharedLedgerReader(Func<long, Source<LedgerEvent, NotUsed>> journal, IMaterializer materializer, int pageSize = 1_999,
        int capacity = 16_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, pageSize);
        _journal = journal;
        _materializer = materializer;
        _pageSize = pageSize;
        _capacity = capacity;
    }

    /// <summary>Reads of the journal made so far (readers served from memory make none).</summary>
    public long JournalReads => Interlocked.Read(ref _journalReads);

    /// <summary>The rows after <paramref name="offset"/> (exclusive), then live: a <see cref="LedgerJournal.Reader"/>.</summary>
    public Source<LedgerEvent, NotUsed> Read(long offset) =>
        Source.UnfoldAsync(offset, async after =>
            {
                var page = await PageAfterAsync(after).ConfigureAwait(false);
                return Option<(long, ArraySegment<LedgerEvent>)>.Create((page[^1].Offset, page));
            })
            .SelectMany(page => page);

    /// <summary>The next rows after the offset, at least one (waits at the journal's end until one is written).</summary>
    private async Task<ArraySegment<LedgerEvent>> PageAfterAsync(long after)
    {
        Task<LedgerEvent[]> reading;
        lock (_gate)
        {
            if (CachedAfter(after) is { Count: > 0 } cached)
            {
                return cached;
            }

            if (!_reading.TryGetValue(after, out reading!))
            {
                reading = ReadJournalAsync(after);
                _reading[after] = reading;
            }
        }

        LedgerEvent[] rows;
        try
        {
            rows = await reading.ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                Forget(after, reading); // a failed read is not shared with the next reader: it reads again
            }

            throw;
        }

        lock (_gate)
        {
            Forget(after, reading);
            Keep(after, rows);
        }

        return rows;
    }

    private void Forget(long after, Task<LedgerEvent[]> reading)
    {
        if (_reading.TryGetValue(after, out var current) && current == reading)
        {
            _reading.Remove(after);
        }
    }

    private async Task<LedgerEvent[]> ReadJournalAsync(long after)
    {
        Interlocked.Increment(ref _journalReads);
        var rows = await _journal(after)
            .Where(e => e.Offset > after) // never one at or before the offset asked for, whatever the journal's bound
            .GroupedWithin(_pageSize, TimeSpan.FromMilliseconds(20))
            .Take(1)
            .RunWith(Sink.First<IEnumerable<LedgerEvent>>(), _materializer)
            .ConfigureAwait(false);
        return rows.ToArray();
    }

    /// <summary>The cached rows after the offset, up to the end of its page; empty when the offset is not covered.</summary>
    private ArraySegment<LedgerEvent> CachedAfter(long after)
    {
        if (_cachedRows == 0 || after < _from || after >= _to)
        {
            return ArraySegment<LedgerEvent>.Empty;
        }

        foreach (var page in _pages)
        {
            if (page[^1].Offset <= after)
            {
                continue;
            }

            var first = FirstAfter(page, after);
            return new ArraySegment<LedgerEvent>(page, first, page.Length - first);
        }

        return ArraySegment<LedgerEvent>.Empty;
    }

    private static int FirstAfter(LedgerEvent[] page, long after)
    {
        int low = 0, high = page.Length;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (page[middle].Offset <= after)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>
    /// Keeps rows read after an offset when they continue the cached ones (or start afresh ahead of them); rows read by a
    /// reader behind the cache are its own.
    /// </summary>
    private void Keep(long after, LedgerEvent[] rows)
    {
        if (rows.Length == 0)
        {
            return;
        }

        if (_cachedRows == 0 || after > _to)
        {
            _pages.Clear();
            _cachedRows = 0;
            _from = after;
        }
        else if (after != _to)
        {
            return;
        }

        _pages.AddLast(rows);
        _cachedRows += rows.Length;
        _to = rows[^1].Offset;
        while (_cachedRows > _capacity && _pages.Count > 1)
        {
            var dropped = _pages.First!.Value;
            _pages.RemoveFirst();
            _cachedRows -= dropped.Length;
            _from = dropped[^1].Offset;
        }
    }
}

/// <summary>The node's <see cref="SharedLedgerReader"/> of its SQL journal, one per actor system.</summary>
public sealed class SharedLedgerExtension : IExtension
{
    public SharedLedgerExtension(ExtendedActorSystem system)
    {
        var maxBufferSize = system.Settings.Config.GetInt("akka.persistence.query.journal.sql.max-buffer-size", 500);
        Reader = new SharedLedgerReader(LedgerJournal.SqlUnshared(system), system.Materializer(), pageSize: Math.Max(1, maxBufferSize - 1),
            capacity: Math.Max(16_000, maxBufferSize));
    }

    public SharedLedgerReader Reader { get; }

    public static SharedLedgerExtension Get(ActorSystem system) => system.WithExtension<SharedLedgerExtension, SharedLedgerExtensionProvider>();
}

public sealed class SharedLedgerExtensionProvider : ExtensionIdProvider<SharedLedgerExtension>
{
    public override SharedLedgerExtension CreateExtension(ExtendedActorSystem system) => new(system);
}
