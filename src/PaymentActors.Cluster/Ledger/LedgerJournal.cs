using System.Data.Common;
using Akka;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams.Dsl;
using PaymentActors.Cluster.Accounts;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;
using PaymentActors.Protocol.Analytics;
using PaymentActors.Protocol.Risk;

namespace PaymentActors.Cluster.Ledger;

/// <summary>
/// A row of the journal read back with its offset (the journal's global ordering): an account event, the end of a
/// bounded input (<see cref="InputEndedAt"/>: its newest event time), or (both null) anything else the journal holds,
/// kept so that a reader's offset moves past it.
/// </summary>
public readonly record struct LedgerEvent(long Offset, string AccountId, IAccountEvent? Event, long? InputEndedAt = null);

/// <summary>
/// The durable ledger as a stream: every account event after an offset, in the journal's global order, then live
/// as new events become durable (Akka.Persistence.Query's all-events query over the SQL journal). Reading it costs
/// the write path nothing: no tags are written. What a reader derives from it (alerts) is committed together with the
/// offset it reached, so a reader that stops for any reason resumes after exactly what it had applied.
/// </summary>
public static class LedgerJournal
{
    /// <summary>The events after <paramref name="offset"/> (exclusive); null for a journal without a query side (in-memory).</summary>
    public delegate Source<LedgerEvent, NotUsed> Reader(long offset);

    private static readonly string AccountPrefix = AccountActor.PersistenceIdFor("");

    /// <summary>The reader of the node's SQL journal: one reading shared by every reader on the node.</summary>
    public static Reader Sql(ActorSystem system) => SharedLedgerExtension.Get(system).Reader.Read;

    /// <summary>
    /// The node's SQL journal as the plugin's query gives it (what <see cref="SharedLedgerReader"/> shares; the reader drops
    /// any row at or before the offset asked for, whatever the plugin's bound).
    /// </summary>
    internal static Func<long, Source<LedgerEvent, NotUsed>> SqlUnshared(ActorSystem system) => offset =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
            .AllEvents(Offset.Sequence(offset))
            .Select(envelope => ToLedgerEvent(envelope));

    /// <summary>The newest offset (the journal table's highest <c>ordering</c>; 0 when empty) of the node's SQL journal.</summary>
    public static Func<Task<long>> SqlEnd(Func<DbConnection> connect) => async () =>
    {
        await using var connection = connect();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(ordering), 0) FROM journal";
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    };

    private static LedgerEvent ToLedgerEvent(EventEnvelope envelope)
    {
        var offset = envelope.Offset is Sequence s ? s.Value : 0;
        return envelope.Event switch
        {
            IAccountEvent e when envelope.PersistenceId.StartsWith(AccountPrefix, StringComparison.Ordinal) =>
                new LedgerEvent(offset, envelope.PersistenceId[AccountPrefix.Length..], e),
            BoundedInputEnded ended => new LedgerEvent(offset, "", null, ended.MaxEventTimeMs),
            _ => new LedgerEvent(offset, "", null),
        };
    }

    /// <summary>The alert a durable decision raises: a flagged approval or a risk decline; null for every other event.</summary>
    public static Alert? AlertOf(string accountId, IAccountEvent e, string? accountCurrency = null) => e switch
    {
        TransactionApproved { Flagged: true } a => new Alert(a.TransactionId, accountId, a.Type, a.AmountMinor, CurrencyOf(a.Currency, accountCurrency),
            a.EventTimeMs, TransactionStatus.Flagged, a.Rules),
        TransactionDeclined { Code: RejectCode.RiskDeclined } d => new Alert(d.TransactionId, accountId, d.Type, d.AmountMinor,
            CurrencyOf(d.Currency, accountCurrency), d.EventTimeMs, TransactionStatus.Declined, d.Rules),
        _ => null,
    };

    private static string CurrencyOf(string inEvent, string? account) => inEvent.Length > 0 ? inEvent : account ?? "";
}
