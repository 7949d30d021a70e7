using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Risk;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Tests.Risk;

public sealed class RiskRuleTests
{
    private const long Minute = 60_000;

    private static TransactionRequest Tx(string id, TransactionType type, long amount, long time, string account = "A", string? counterparty = null) =>
        new(id, account, type, amount, "USD", counterparty ?? (type == TransactionType.Transfer ? "B" : null), time, 10_000);

    private static AccountState Account(params TransactionRequest[] history)
    {
        var state = new AccountState("A", new AccountPolicy(DefaultOverdraftLimitMinor: 1_000_000));
        foreach (var r in history)
        {
            foreach (var e in state.Decide(r).Events)
            {
                state.Apply(e);
            }
        }

        return state;
    }

    private static RiskAction Decide(RiskRule rule, AccountState account, TransactionRequest request) =>
        new RuleSet([rule]).Evaluate(account, request).Action;

    [Theory]
    [InlineData(100, Comparison.Gt, RiskAction.Approve)]
    [InlineData(101, Comparison.Gt, RiskAction.Decline)]
    [InlineData(100, Comparison.Gte, RiskAction.Decline)]
    [InlineData(99, Comparison.Gte, RiskAction.Approve)]
    public void Amount_limit_fires_exactly_past_its_boundary(long amount, Comparison comparison, RiskAction expected)
    {
        var rule = new RiskRule { Id = "amt", Kind = RuleKind.AmountLimit, Limit = 100, Comparison = comparison, Action = RiskAction.Decline, Types = [TransactionType.Payment] };
        Assert.Equal(expected, Decide(rule, Account(), Tx("t", TransactionType.Payment, amount, 0)));
        Assert.Equal(RiskAction.Approve, Decide(rule, Account(), Tx("t", TransactionType.CashOut, 1_000, 0))); // other type
    }

    [Fact]
    public void Velocity_counts_this_transaction_and_those_inside_the_window_only()
    {
        var rule = new RiskRule { Id = "vel", Kind = RuleKind.Velocity, Aggregate = Aggregate.Count, WindowMs = 10 * Minute, Limit = 3 };
        var history = Account(Tx("a", TransactionType.Payment, 1, 0), Tx("b", TransactionType.Payment, 1, 5 * Minute), Tx("c", TransactionType.Payment, 1, 6 * Minute));
        Assert.Equal(RiskAction.Flag, Decide(rule, history, Tx("d", TransactionType.Payment, 1, 9 * Minute))); // 4 > 3
        Assert.Equal(RiskAction.Approve, Decide(rule, history, Tx("d", TransactionType.Payment, 1, 10 * Minute))); // "a" left the window
        var sum = rule with { Id = "sum", Aggregate = Aggregate.Sum, Limit = 3 };
        Assert.Equal(RiskAction.Approve, Decide(sum, history, Tx("d", TransactionType.Payment, 1, 10 * Minute))); // 3, not > 3
    }

    [Fact]
    public void Balance_drain_fires_at_the_percentage_and_never_for_an_overdraft()
    {
        var rule = new RiskRule { Id = "drain", Kind = RuleKind.BalanceDrain, Percent = 90, Types = [TransactionType.Transfer, TransactionType.CashOut] };
        var account = Account(); // opens with 10,000 on first touch
        Assert.Equal(RiskAction.Flag, Decide(rule, account, Tx("t", TransactionType.Transfer, 9_000, 0)));
        Assert.Equal(RiskAction.Approve, Decide(rule, account, Tx("t", TransactionType.Transfer, 8_999, 0)));
        Assert.Equal(RiskAction.Approve, Decide(rule, account, Tx("t", TransactionType.CashOut, 10_001, 0))); // more than the balance
        Assert.Equal(RiskAction.Approve, Decide(rule, account, Tx("t", TransactionType.Payment, 10_000, 0))); // not a drain type
    }

    [Fact]
    public void Drain_then_cash_out_crosses_from_payer_to_payee()
    {
        var rule = new RiskRule { Id = "mule", Kind = RuleKind.DrainThenCashOut, Percent = 90, TolerancePercent = 10, WindowMs = 60 * Minute, Action = RiskAction.Decline };
        var payer = new AccountState("P");
        var transfer = new TransactionRequest("x", "P", TransactionType.Transfer, 50_000, "USD", "M", 0, 50_000);
        foreach (var e in payer.Decide(transfer).Events)
        {
            payer.Apply(e);
        }

        var pending = Assert.Single(payer.Outbox);
        Assert.Equal(50_000, pending.PayerBalanceBeforeMinor);
        var mule = new AccountState("M");
        foreach (var e in mule.DecideCredit("x", "P", 50_000, "USD", 0, pending.PayerBalanceBeforeMinor).Events)
        {
            mule.Apply(e);
        }

        var cashOut = new TransactionRequest("c", "M", TransactionType.CashOut, 46_000, "USD", null, 30 * Minute);
        var d = mule.Decide(cashOut, new RuleSet([rule]));
        Assert.Equal(TransactionStatus.Declined, d.Outcome.Status);
        Assert.Equal(RejectCode.RiskDeclined, d.Outcome.Code);
        Assert.Equal(RiskAction.Approve, Decide(rule, mule, cashOut with { AmountMinor = 44_000 })); // not similar (>10%)
        Assert.Equal(RiskAction.Approve, Decide(rule, mule, cashOut with { EventTimeMs = 61 * Minute })); // too late
    }

    [Fact]
    public void New_payee_with_a_large_amount_and_small_then_large()
    {
        var payee = new RiskRule { Id = "np", Kind = RuleKind.NewPayeeLarge, Limit = 5_000 };
        var known = Account(Tx("first", TransactionType.Transfer, 10, 0, counterparty: "B"));
        Assert.Equal(RiskAction.Approve, Decide(payee, known, Tx("t", TransactionType.Transfer, 6_000, 1, counterparty: "B")));
        Assert.Equal(RiskAction.Flag, Decide(payee, known, Tx("t", TransactionType.Transfer, 5_000, 1, counterparty: "C")));
        Assert.Equal(RiskAction.Approve, Decide(payee, known, Tx("t", TransactionType.Transfer, 4_999, 1, counterparty: "C")));

        var card = new RiskRule { Id = "card", Kind = RuleKind.SmallThenLarge, SmallLimit = 100, Limit = 50_000, WindowMs = Minute };
        var tested = Account(Tx("small", TransactionType.Payment, 99, 0));
        Assert.Equal(RiskAction.Flag, Decide(card, tested, Tx("big", TransactionType.Payment, 50_001, Minute)));
        Assert.Equal(RiskAction.Approve, Decide(card, tested, Tx("big", TransactionType.Payment, 50_001, Minute + 1)));
        Assert.Equal(RiskAction.Approve, Decide(card, tested, Tx("big", TransactionType.Payment, 50_000, 1)));
    }

    [Fact]
    public void The_strongest_action_wins_and_disabled_rules_are_ignored()
    {
        var flag = new RiskRule { Id = "f", Kind = RuleKind.AmountLimit, Limit = 10 };
        var decline = new RiskRule { Id = "d", Kind = RuleKind.AmountLimit, Limit = 10, Action = RiskAction.Decline };
        var set = new RuleSet([flag, decline]);
        var assessment = set.Evaluate(Account(), Tx("t", TransactionType.Payment, 11, 0));
        Assert.Equal(RiskAction.Decline, assessment.Action);
        Assert.Equal(["f", "d"], assessment.Hits.Select(h => h.RuleId));
        var disabled = set.Disable("d", out var error);
        Assert.Null(error);
        Assert.Equal(RiskAction.Flag, disabled.Evaluate(Account(), Tx("t", TransactionType.Payment, 11, 0)).Action);
        Assert.Equal(2, disabled.Rules.Single(r => r.Id == "d").Version);
    }

    [Fact]
    public void A_rule_that_throws_is_disabled_and_reported_and_the_others_still_decide()
    {
        var broken = new RiskRule { Id = "broken", Kind = (RuleKind)99, Limit = 1 };
        var good = new RiskRule { Id = "good", Kind = RuleKind.AmountLimit, Limit = 10 };
        var set = new RuleSet([broken, good]);
        var reported = new List<string>();
        set.RuleFaulted += (rule, _) => reported.Add(rule.Id);
        Assert.Equal(RiskAction.Flag, set.Evaluate(Account(), Tx("t", TransactionType.Payment, 11, 0)).Action);
        Assert.Equal(["broken"], reported);
        Assert.True(set.Faults.ContainsKey("broken"));
        set.Evaluate(Account(), Tx("t2", TransactionType.Payment, 11, 0));
        Assert.Single(reported); // not evaluated again
    }

    [Theory]
    [InlineData("""{"rules":[{"id":"x","kind":"velocity","aggregate":"median","windowMs":1000,"limit":1}]}""", "aggregate")]
    [InlineData("""{"rules":[{"id":"x","kind":"velocity","aggregate":"count","windowMs":-5,"limit":1}]}""", "windowMs")]
    [InlineData("""{"rules":[{"id":"x","kind":"velocity","aggregate":"count","windowMs":1000}]}""", "limit: missing")]
    [InlineData("""{"rules":[{"id":"x","kind":"teleport"}]}""", "kind")]
    [InlineData("""{"rules":[{"id":"x","kind":"amountLimit","limit":1,"bogus":true}]}""", "bogus")]
    [InlineData("""{"rules":[{"id":"x","kind":"balanceDrain","percent":150}]}""", "percent")]
    [InlineData("""{"rules":[{"id":"x","kind":"amountLimit","limit":1},{"id":"x","kind":"amountLimit","limit":2}]}""", "more than once")]
    [InlineData("""{"nope":1}""", "nope")]
    public void Malformed_rules_are_refused_with_a_clear_error(string json, string expected)
    {
        Assert.False(RuleSet.TryParse(json, out var set, out var error));
        Assert.Contains(expected, error);
        Assert.Same(RuleSet.Empty, set);
    }

    [Fact]
    public void A_runtime_change_must_be_valid_and_newer_or_the_running_set_is_unchanged()
    {
        var set = RuleSet.Default;
        var same = set.With(new RiskRule { Id = "full-balance-drain", Kind = RuleKind.BalanceDrain, Percent = 80 }, out var error);
        Assert.Same(set, same);
        Assert.Contains("not newer", error);
        var invalid = set.With(new RiskRule { Id = "v", Kind = RuleKind.Velocity, WindowMs = 0, Limit = 1 }, out error);
        Assert.Same(set, invalid);
        Assert.Contains("windowMs", error);
        var changed = set.With(new RiskRule { Id = "full-balance-drain", Version = 2, Kind = RuleKind.BalanceDrain, Percent = 80 }, out error);
        Assert.Null(error);
        Assert.Equal(set.Version + 1, changed.Version);
        Assert.Equal(80, changed.Rules.Single(r => r.Id == "full-balance-drain").Percent);
        Assert.True(RuleSet.TryParse(changed.ToJson(), out var reparsed, out error), error);
        Assert.Equal(changed.Rules.Count, reparsed.Rules.Count);
    }
}
