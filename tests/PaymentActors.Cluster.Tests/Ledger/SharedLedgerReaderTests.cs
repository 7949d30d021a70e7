using Akka;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;
using PaymentActors.Cluster.Ledger;
using Xunit.Abstractions;

namespace PaymentActors.Cluster.Tests.Ledger;

/// <summary>
/// The node's one reading of the journal: every reader gets exactly the rows after its offset, in order, whichever
/// reader's read brought them, and readers that follow one another do not read the journal again.
/// </summary>
public sealed class SharedLedgerReaderTests(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>A journal that grows, read live as the query side reads it: in batches, polling at its end.</summary>
    private sealed class GrowingJournal
    {
        private readonly List<LedgerEvent> _rows = [];
        private int _failuresLeft;
        private long _rowsRead;

        public long RowsRead => Interlocked.Read(ref _rowsRead);

        public void FailNextReads(int count) => Interlocked.Exchange(ref _failuresLeft, count);

        /// <summary>Rows from..to, with a hole (a deleted row) at every multiple of 7.</summary>
        public void Append(long from, long to)
        {
            lock (_rows)
            {
                for (var offset = from; offset <= to; offset++)
                {
                    if (offset % 7 != 0)
                    {
                        _rows.Add(new LedgerEvent(offset, $"A{offset % 5}", null));
                    }
                }
            }
        }

        public IReadOnlyList<LedgerEvent> After(long offset)
        {
            lock (_rows)
            {
                return _rows.Where(r => r.Offset > offset).ToList();
            }
        }

        public Source<LedgerEvent, NotUsed> Read(long offset)
        {
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                return Source.Failed<LedgerEvent>(new InvalidOperationException("database down"));
            }

            return Source.UnfoldAsync(offset, async after =>
                {
                    while (true)
                    {
                        var batch = After(after).Take(250).ToList();
                        if (batch.Count > 0)
                        {
                            Interlocked.Add(ref _rowsRead, batch.Count);
                            return Option<(long, List<LedgerEvent>)>.Create((batch[^1].Offset, batch));
                        }

                        await Task.Delay(10);
                    }
                })
                .SelectMany(batch => batch);
        }
    }

    private async Task<IReadOnlyList<long>> ReadAsync(SharedLedgerReader reader, long offset, int count) =>
        await reader.Read(offset).Take(count).Select(e => e.Offset).RunWith(Sink.Seq<long>(), Sys.Materializer());

    private static List<long> Expected(GrowingJournal journal, long after) => journal.After(after).Select(r => r.Offset).ToList();

    [Fact]
    public async Task A_reader_following_another_gets_the_same_rows_from_memory_without_reading_the_journal()
    {
        var journal = new GrowingJournal();
        journal.Append(1, 5_000);
        var reader = new SharedLedgerReader(journal.Read, Sys.Materializer(), pageSize: 300, capacity: 16_000);
        var expected = Expected(journal, 0);

        var first = await ReadAsync(reader, 0, expected.Count).WaitAsync(Patience);
        var readsByFirst = reader.JournalReads;
        var rowsReadByFirst = journal.RowsRead;
        var second = await ReadAsync(reader, 0, expected.Count).WaitAsync(Patience);

        Assert.Equal(expected, first);
        Assert.Equal(expected, second);
        Assert.Equal(readsByFirst, reader.JournalReads);
        Assert.Equal(rowsReadByFirst, journal.RowsRead);
    }

    [Fact]
    public async Task Readers_behind_inside_and_ahead_of_the_cache_each_get_exactly_the_rows_after_their_offset()
    {
        var journal = new GrowingJournal();
        journal.Append(1, 3_000);
        var reader = new SharedLedgerReader(journal.Read, Sys.Materializer(), pageSize: 100, capacity: 300);
        var all = Expected(journal, 0);
        Assert.Equal(all, (await ReadAsync(reader, 0, all.Count).WaitAsync(Patience))); // the cache now holds the newest 300 or so

        // Behind the cache (its own reads), at a hole, on a cached row, ahead of the cache.
        foreach (var offset in new long[] { 0, 1_400, 2_800, 2_801, 2_950, 2_999 })
        {
            var expected = Expected(journal, offset);
            Assert.Equal(expected, (await ReadAsync(reader, offset, expected.Count).WaitAsync(Patience)));
        }

        // And on into rows written later.
        var count = Expected(journal, 2_900).Count + 500;
        var readingOn = ReadAsync(reader, 2_900, count);
        journal.Append(3_001, 4_000);
        Assert.Equal(Expected(journal, 2_900).Take(count), await readingOn.WaitAsync(Patience));
    }

    [Fact]
    public async Task Readers_waiting_at_the_end_share_one_read_and_both_get_the_new_rows()
    {
        var journal = new GrowingJournal();
        journal.Append(1, 10);
        var reader = new SharedLedgerReader(journal.Read, Sys.Materializer(), pageSize: 100, capacity: 1_000);
        var first = ReadAsync(reader, 10, 5);
        var second = ReadAsync(reader, 10, 5);
        AwaitCondition(() => reader.JournalReads == 1, Patience);

        journal.Append(11, 20);

        var expected = Expected(journal, 10).Take(5).ToList();
        Assert.Equal(expected, (await first.WaitAsync(Patience)));
        Assert.Equal(expected, (await second.WaitAsync(Patience)));
        Assert.Equal(1, reader.JournalReads);
    }

    [Fact]
    public async Task A_failed_read_fails_its_readers_and_is_not_handed_to_the_next()
    {
        var journal = new GrowingJournal();
        journal.Append(1, 100);
        journal.FailNextReads(1);
        var reader = new SharedLedgerReader(journal.Read, Sys.Materializer(), pageSize: 50, capacity: 500);

        var failed = await Assert.ThrowsAnyAsync<Exception>(() => ReadAsync(reader, 0, 10).WaitAsync(Patience));
        Assert.Contains("database down", failed.ToString(), StringComparison.Ordinal);

        var expected = Expected(journal, 0);
        Assert.Equal(expected, (await ReadAsync(reader, 0, expected.Count).WaitAsync(Patience)));
    }
}
