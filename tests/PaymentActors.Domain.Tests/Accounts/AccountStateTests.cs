using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Windows;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Tests.Accounts;

public sealed class AccountStateTests
{
    internal static TransactionRequest Tx(string id, TransactionType type, long amount, string account = "A", string? counterparty = null,
        string currency = "USD", long? opening = null) => new(id, account, type, amount, currency, counterparty, 1_000, opening);

    internal static AccountState Decided(AccountState state, TransactionRequest request, IRiskEvaluator? risk, out Decision decision)
    {
        decision = state.Decide(request, risk);
        foreach (var e in decision.Events)
        {
            state.Apply(e);
        }

        return state;
    }

    private static AccountState Opened(long balance, long overdraft = 0, AccountPolicy? policy = null)
    {
        var state = new AccountState("A", policy);
        var (events, rejection) = state.DecideOpen("USD", overdraft, balance, 0);
        Assert.Null(rejection);
        foreach (var e in events)
        {
            state.Apply(e);
        }

        return state;
    }

    [Fact]
    public void A_new_transaction_outside_the_event_time_bounds_is_rejected_whatever_its_entry_point_and_applies_nothing()
    {
        const long now = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(35));
        horizon.Observe(now);
        var bounds = new EventTimeBounds(TimeSpan.FromMinutes(5), horizon, () => now);
        var state = Opened(1_000);

        var future = state.Decide(Tx("f1", TransactionType.CashIn, 100) with { EventTimeMs = 253_402_300_799_000 }, null, bounds);
        Assert.Empty(future.Events);
        Assert.Equal(TransactionStatus.Rejected, future.Outcome.Status);
        Assert.Equal(RejectCode.InvalidField, future.Outcome.Code);
        Assert.StartsWith("timestamp: 9999-12-31T23:59:59", future.Outcome.Reason);

        var old = state.Decide(Tx("o1", TransactionType.CashIn, 100) with { EventTimeMs = now - (long)TimeSpan.FromDays(36).TotalMilliseconds }, null, bounds);
        Assert.Equal(TransactionStatus.Rejected, old.Outcome.Status);
        Assert.StartsWith("timestamp: ", old.Outcome.Reason);

        var inBounds = state.Decide(Tx("n1", TransactionType.CashIn, 100) with { EventTimeMs = now + 60_000 }, null, bounds);
        Assert.Equal(TransactionStatus.Approved, inBounds.Outcome.Status);
        // Without bounds (an account outside a node, as in replays of its own journal) nothing is checked.
        Assert.Equal(TransactionStatus.Approved, state.Decide(Tx("f2", TransactionType.CashIn, 100) with { EventTimeMs = 253_402_300_799_000 }).Outcome.Status);
    }

    [Fact]
    public void A_duplicate_gets_its_original_outcome_even_once_its_event_time_is_out_of_bounds()
    {
        const long then = 1_767_225_600_000;
        var state = Opened(1_000);
        var request = Tx("d1", TransactionType.CashIn, 100) with { EventTimeMs = then };
        Decided(state, request, null, out var first);
        Assert.Equal(TransactionStatus.Approved, first.Outcome.Status);

        // Later: the retention has moved past the original's event time; a client retrying with the same id still gets its answer.
        var horizon = new EventTimeHorizon(TimeSpan.FromDays(1));
        horizon.Observe(then + (long)TimeSpan.FromDays(10).TotalMilliseconds);
        var retry = state.Decide(request, null, new EventTimeBounds(TimeSpan.FromMinutes(5), horizon, () => then + (long)TimeSpan.FromDays(10).TotalMilliseconds));
        Assert.True(retry.Outcome.IsDuplicate);
        Assert.Equal(TransactionStatus.Approved, retry.Outcome.Status);
        Assert.Empty(retry.Events);
    }

    [Fact]
    public void The_first_transaction_opens_the_account_with_its_opening_balance()
    {
        var state = new AccountState("A");
        Decided(state, Tx("t1", TransactionType.CashOut, 300, opening: 1_000), null, out var d);
        Assert.Equal(2, d.Events.Count);
        Assert.IsType<AccountOpened>(d.Events[0]);
        Assert.Equal(TransactionStatus.Approved, d.Outcome.Status);
        Assert.Equal(700, state.BalanceMinor);
        Assert.Equal("USD", state.Currency!.Code);
    }

    [Theory]
    [InlineData(TransactionType.Payment)]
    [InlineData(TransactionType.CashOut)]
    [InlineData(TransactionType.Debit)]
    public void Debits_reduce_the_balance(TransactionType type)
    {
        var state = Decided(Opened(1_000), Tx("t1", type, 400), null, out var d);
        Assert.Equal(600, state.BalanceMinor);
        Assert.Equal(600, d.Outcome.BalanceAfterMinor);
    }

    [Fact]
    public void Debit_beyond_balance_plus_overdraft_is_declined_with_a_reason_naming_amount_and_remembered()
    {
        var state = Decided(Opened(1_000, overdraft: 500), Tx("t1", TransactionType.Payment, 1_500), null, out var ok);
        Assert.Equal(TransactionStatus.Approved, ok.Outcome.Status);
        Assert.Equal(-500, state.BalanceMinor);
        Decided(state, Tx("t2", TransactionType.Payment, 1), null, out var declined);
        Assert.Equal(TransactionStatus.Declined, declined.Outcome.Status);
        Assert.Equal(RejectCode.InsufficientFunds, declined.Outcome.Code);
        Assert.StartsWith("amount:", declined.Outcome.Reason);
        Assert.IsType<TransactionDeclined>(Assert.Single(declined.Events));
        Assert.Equal(-500, state.BalanceMinor);
    }

    [Theory]
    [InlineData("t1", TransactionType.CashIn, 100, "XXY", null, "currency:")]
    [InlineData("t1", TransactionType.CashIn, 100, "DEM", null, "currency:")]
    [InlineData("t1", TransactionType.CashIn, 0, "USD", null, "amount:")]
    [InlineData("t1", TransactionType.CashIn, -1, "USD", null, "amount:")]
    [InlineData("", TransactionType.CashIn, 1, "USD", null, "transactionId:")]
    [InlineData("t1", TransactionType.Transfer, 1, "USD", "A", "counterparty:")]
    [InlineData("t1", TransactionType.Transfer, 1, "USD", null, "counterparty:")]
    [InlineData("t1", TransactionType.CashIn, 1, "EUR", null, "currency:")]
    public void Bad_input_is_rejected_with_the_field_named_and_nothing_persisted(string id, TransactionType type, long amount, string currency, string? counterparty, string field)
    {
        var state = Opened(1_000);
        var version = state.Version;
        var d = state.Decide(Tx(id, type, amount, counterparty: counterparty, currency: currency));
        Assert.Empty(d.Events);
        Assert.Equal(TransactionStatus.Rejected, d.Outcome.Status);
        Assert.StartsWith(field, d.Outcome.Reason);
        Assert.Equal(version, state.Version);
    }

    [Fact]
    public void An_id_longer_than_64_characters_is_rejected()
    {
        var d = Opened(10).Decide(Tx(new string('x', 65), TransactionType.CashIn, 1));
        Assert.Equal(TransactionStatus.Rejected, d.Outcome.Status);
        Assert.Contains("64", d.Outcome.Reason);
    }

    [Fact]
    public void A_credit_that_would_overflow_the_balance_is_rejected()
    {
        var d = Opened(long.MaxValue - 5).Decide(Tx("t1", TransactionType.CashIn, 10));
        Assert.Equal(RejectCode.BalanceOverflow, d.Outcome.Code);
        Assert.Empty(d.Events);
    }

    [Fact]
    public void A_repeated_id_returns_the_original_outcome_and_applies_nothing()
    {
        var state = Decided(Opened(1_000), Tx("t1", TransactionType.Payment, 300), null, out _);
        Decided(state, Tx("t2", TransactionType.Payment, 5_000), null, out _); // declined
        Decided(state, Tx("t3", TransactionType.CashIn, 50), null, out _);
        var again = state.Decide(Tx("t1", TransactionType.Payment, 300));
        Assert.Empty(again.Events);
        Assert.True(again.Outcome.IsDuplicate);
        Assert.Equal(TransactionStatus.Approved, again.Outcome.Status);
        Assert.Equal(700, again.Outcome.BalanceAfterMinor); // the original balance after, not today's
        var declinedAgain = state.Decide(Tx("t2", TransactionType.Payment, 5_000));
        Assert.True(declinedAgain.Outcome.IsDuplicate);
        Assert.Equal(TransactionStatus.Declined, declinedAgain.Outcome.Status);
    }

    [Fact]
    public void The_same_id_with_a_different_body_is_a_conflict()
    {
        var state = Decided(Opened(1_000), Tx("t1", TransactionType.Payment, 300), null, out _);
        var conflict = state.Decide(Tx("t1", TransactionType.Payment, 301));
        Assert.Equal(TransactionStatus.Conflict, conflict.Outcome.Status);
        Assert.Equal(RejectCode.IdConflict, conflict.Outcome.Code);
        Assert.Empty(conflict.Events);
    }

    [Fact]
    public void Retention_bound_the_oldest_ids_fall_out_after_DedupeRetention_newer_ones()
    {
        var state = Opened(100_000, policy: new AccountPolicy(DedupeRetention: 3));
        foreach (var id in new[] { "t1", "t2", "t3", "t4" })
        {
            Decided(state, Tx(id, TransactionType.Payment, 10), null, out _);
        }

        Assert.False(state.TryGetProcessed("t1", out _)); // forgotten: documented bound
        Assert.True(state.TryGetProcessed("t2", out _));
        Assert.True(state.Decide(Tx("t4", TransactionType.Payment, 10)).Outcome.IsDuplicate);
        Assert.False(state.Decide(Tx("t1", TransactionType.Payment, 10)).Outcome.IsDuplicate);
    }

    [Fact]
    public void A_snapshot_round_trip_keeps_everything_and_decides_identically()
    {
        var state = Decided(Opened(10_000), Tx("x1", TransactionType.Transfer, 2_000, counterparty: "B"), null, out _);
        Decided(state, Tx("p1", TransactionType.Payment, 100, counterparty: "M1"), null, out _);
        state.Apply(new TransferCredited("in1", "C", 500, 5, 500));
        var copy = AccountState.FromSnapshot(state.ToSnapshot());
        Assert.Equal(state.BalanceMinor, copy.BalanceMinor);
        Assert.Equal(state.Version, copy.Version);
        Assert.Single(copy.Outbox);
        Assert.True(copy.HasCreditedTransfer("in1"));
        Assert.Contains("B", copy.KnownPayees);
        Assert.Equal(state.Recent.Select(r => r.TransactionId), copy.Recent.Select(r => r.TransactionId));
        Assert.Equal(state.Decide(Tx("p1", TransactionType.Payment, 100, counterparty: "M1")).Outcome,
            copy.Decide(Tx("p1", TransactionType.Payment, 100, counterparty: "M1")).Outcome);
    }

    [Fact]
    public void A_copy_equals_its_snapshot_round_trip_and_changes_independently()
    {
        var state = Decided(Opened(10_000), Tx("x1", TransactionType.Transfer, 2_000, counterparty: "B"), null, out _);
        Decided(state, Tx("p1", TransactionType.Payment, 100, counterparty: "M1"), null, out _);
        state.Apply(new TransferCredited("in1", "C", 500, 5, 500));
        var copy = state.Copy();
        Assert.Equal(Canon(AccountState.FromSnapshot(state.ToSnapshot())), Canon(copy));

        Decided(copy, Tx("p2", TransactionType.Payment, 100, counterparty: "M2"), null, out _);
        copy.Apply(new TransferSettled("x1"));
        Assert.NotEqual(Canon(state), Canon(copy));
        Assert.False(state.TryGetProcessed("p2", out _));
        Assert.Single(state.Outbox);
        Assert.Empty(copy.Outbox);
    }

    [Fact]
    public void A_new_account_has_empty_collections_and_an_empty_snapshot()
    {
        var state = new AccountState("A");
        Assert.Empty(state.Recent);
        Assert.Empty(state.IncomingTransfers);
        Assert.Empty(state.Outbox);
        Assert.Empty(state.KnownPayees);
        Assert.Equal(0, state.RememberedTransactionIds);
        Assert.False(state.TryGetProcessed("t1", out _));
        Assert.False(state.HasCreditedTransfer("t1"));
        Assert.Null(state.DecideSettlement("t1", true, null));
        Assert.Equal(Canon(state), Canon(AccountState.FromSnapshot(state.ToSnapshot()).Copy()));
    }

    private static string Canon(AccountState s) => System.Text.Json.JsonSerializer.Serialize(s.ToSnapshot());

    [Fact]
    public void Known_payees_are_forgotten_oldest_first_and_a_restored_account_forgets_the_same_ones()
    {
        // Names whose sorted order differs from the order they were first paid.
        var live = Opened(1_000_000, policy: new AccountPolicy(DedupeRetention: 3));
        var i = 0;
        foreach (var payee in new[] { "Z", "C", "M" })
        {
            Decided(live, Tx($"x{i++}", TransactionType.Transfer, 10, counterparty: payee), null, out _);
        }

        var restored = AccountState.FromSnapshot(live.ToSnapshot(), live.Policy);
        foreach (var state in new[] { live, restored })
        {
            Decided(state, Tx("x-next", TransactionType.Transfer, 10, counterparty: "B"), null, out _);
        }

        Assert.Equal(new[] { "B", "C", "M" }, live.KnownPayees.Order(StringComparer.Ordinal));
        Assert.Equal(live.KnownPayees.Order(StringComparer.Ordinal), restored.KnownPayees.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_transfer_is_credited_once_settled_and_can_be_reversed()
    {
        var payer = Decided(Opened(10_000), Tx("x1", TransactionType.Transfer, 2_000, counterparty: "B"), null, out _);
        var pending = Assert.Single(payer.Outbox);
        var payee = new AccountState("B");
        var credit = payee.DecideCredit(pending.TransferId, "A", pending.AmountMinor, pending.Currency, pending.EventTimeMs, pending.PayerBalanceBeforeMinor);
        Assert.True(credit.Accepted);
        foreach (var e in credit.Events)
        {
            payee.Apply(e);
        }

        var again = payee.DecideCredit(pending.TransferId, "A", pending.AmountMinor, pending.Currency, pending.EventTimeMs, pending.PayerBalanceBeforeMinor);
        Assert.True(again.Accepted);
        Assert.Empty(again.Events);
        Assert.Equal(2_000, payee.BalanceMinor);

        payer.Apply(payer.DecideSettlement("x1", true, null)!);
        Assert.Empty(payer.Outbox);
        Assert.Null(payer.DecideSettlement("x1", true, null));

        var payer2 = Decided(Opened(1_000), Tx("x2", TransactionType.Transfer, 400, counterparty: "E"), null, out _);
        var euro = new AccountState("E");
        foreach (var e in euro.DecideOpen("EUR", 0, 0, 0).Events)
        {
            euro.Apply(e);
        }

        var refused = euro.DecideCredit("x2", "A", 400, "USD", 0, 1_000);
        Assert.False(refused.Accepted);
        Assert.StartsWith("currency:", refused.Reason);
        payer2.Apply(payer2.DecideSettlement("x2", false, refused.Reason)!);
        Assert.Equal(1_000, payer2.BalanceMinor);
        Assert.Empty(payer2.Outbox);
    }

    private sealed class FixedRisk(RiskAction action) : IRiskEvaluator
    {
        public RiskAssessment Evaluate(AccountState account, TransactionRequest request) =>
            new(action, [new RuleHit("test-rule", 7, "because")]);
    }

    [Fact]
    public void A_flag_applies_and_alerts_while_a_risk_decline_applies_nothing()
    {
        var state = Decided(Opened(1_000), Tx("t1", TransactionType.Payment, 100), new FixedRisk(RiskAction.Flag), out var flagged);
        Assert.Equal(TransactionStatus.Flagged, flagged.Outcome.Status);
        Assert.Equal("test-rule", Assert.Single(flagged.Outcome.Rules).RuleId);
        Assert.Equal(900, state.BalanceMinor);

        Decided(state, Tx("t2", TransactionType.Payment, 100), new FixedRisk(RiskAction.Decline), out var declined);
        Assert.Equal(TransactionStatus.Declined, declined.Outcome.Status);
        Assert.Equal(RejectCode.RiskDeclined, declined.Outcome.Code);
        Assert.StartsWith("risk:", declined.Outcome.Reason);
        Assert.Equal(900, state.BalanceMinor);
    }
}
