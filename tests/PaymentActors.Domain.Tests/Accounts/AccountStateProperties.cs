using FsCheck.Xunit;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Tests.Accounts;

/// <summary>Invariants over random command sequences (FsCheck generates and shrinks the op codes).</summary>
public sealed class AccountStateProperties
{
    private static readonly TransactionType[] Types = [TransactionType.CashIn, TransactionType.Payment, TransactionType.CashOut, TransactionType.Debit, TransactionType.Transfer];

    private static TransactionRequest FromOp(int op, int index, string account = "A", int accounts = 1)
    {
        var type = Types[Math.Abs(op % Types.Length)];
        var amount = 1 + Math.Abs(op / 7 % 5_000);
        var payee = accounts > 1 ? $"P{Math.Abs(op / 3 % accounts)}" : "B";
        if (payee == account)
        {
            payee = account + "x";
        }

        return new TransactionRequest($"op{index}", account, type, amount, "USD", type == TransactionType.Transfer ? payee : null, index, 2_000);
    }

    private static string Canon(AccountState s) => System.Text.Json.JsonSerializer.Serialize(s.ToSnapshot());

    [Property(MaxTest = 200)]
    public bool Balance_never_goes_below_minus_the_overdraft_limit(int[] ops)
    {
        var state = new AccountState("A", new AccountPolicy(DefaultOverdraftLimitMinor: 300));
        for (var i = 0; i < ops.Length; i++)
        {
            AccountStateTests.Decided(state, FromOp(ops[i], i), null, out _);
            if (state.BalanceMinor < -state.OverdraftLimitMinor)
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public bool Replaying_any_prefix_of_the_events_reproduces_the_state_after_that_prefix(int[] ops)
    {
        var state = new AccountState("A");
        var events = new List<IAccountEvent>();
        var states = new List<string> { Canon(state) };
        for (var i = 0; i < ops.Length; i++)
        {
            var d = state.Decide(FromOp(ops[i], i));
            foreach (var e in d.Events)
            {
                state.Apply(e);
                events.Add(e);
                states.Add(Canon(state));
            }
        }

        for (var prefix = 0; prefix <= events.Count; prefix++)
        {
            var replayed = new AccountState("A");
            foreach (var e in events.Take(prefix))
            {
                replayed.Apply(e);
            }

            if (Canon(replayed) != states[prefix])
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public bool Resubmitting_everything_applies_nothing_and_answers_the_original_outcomes(int[] ops)
    {
        var state = new AccountState("A");
        var first = new List<TransactionOutcome>();
        for (var i = 0; i < ops.Length; i++)
        {
            AccountStateTests.Decided(state, FromOp(ops[i], i), null, out var d);
            first.Add(d.Outcome);
        }

        var before = Canon(state);
        for (var i = 0; i < ops.Length; i++)
        {
            var again = state.Decide(FromOp(ops[i], i));
            var original = first[i];
            var remembered = original.Status is TransactionStatus.Approved or TransactionStatus.Declined or TransactionStatus.Flagged;
            if (again.Events.Count != 0 || (remembered && (!again.Outcome.IsDuplicate || again.Outcome.Status != original.Status
                    || again.Outcome.BalanceAfterMinor != original.BalanceAfterMinor)))
            {
                return false;
            }
        }

        return Canon(state) == before;
    }

    [Property(MaxTest = 100)]
    public bool Money_is_conserved_over_random_transfers_delivered_twice_and_out_of_order(int[] ops, int seed)
    {
        const int accounts = 5;
        var states = Enumerable.Range(0, accounts).Select(i => new AccountState($"P{i}")).ToDictionary(s => s.AccountId);
        long external = 0;
        var inFlight = new List<(string Payer, PendingTransfer Transfer)>();
        for (var i = 0; i < ops.Length; i++)
        {
            var payer = $"P{Math.Abs(ops[i] % accounts)}";
            var request = FromOp(ops[i], i, payer, accounts);
            var state = states[payer];
            var wasOpen = state.IsOpen;
            AccountStateTests.Decided(state, request, null, out var d);
            if (!wasOpen && state.IsOpen)
            {
                external += 2_000; // the opening balance entered from outside
            }

            if (d.Outcome.IsApplied && !d.Outcome.IsDuplicate)
            {
                external += request.Type switch
                {
                    TransactionType.CashIn => request.AmountMinor,
                    TransactionType.Transfer => 0,
                    _ => -request.AmountMinor,
                };
                if (request.Type == TransactionType.Transfer)
                {
                    inFlight.Add((payer, state.Outbox.Single(p => p.TransferId == request.TransactionId)));
                }
            }
        }

        // Deliver every credit twice, in a shuffled order; the payee opened by a credit enters with 0.
        var random = new Random(seed);
        var deliveries = inFlight.Concat(inFlight).OrderBy(_ => random.Next()).ToList();
        foreach (var (payer, t) in deliveries)
        {
            if (!states.TryGetValue(t.PayeeId, out var payee))
            {
                states[t.PayeeId] = payee = new AccountState(t.PayeeId);
            }

            var credit = payee.DecideCredit(t.TransferId, payer, t.AmountMinor, t.Currency, t.EventTimeMs, t.PayerBalanceBeforeMinor);
            foreach (var e in credit.Events)
            {
                payee.Apply(e);
            }

            var settlement = states[payer].DecideSettlement(t.TransferId, credit.Accepted, credit.Reason);
            if (settlement is not null)
            {
                states[payer].Apply(settlement);
            }
        }

        var credited = states.Values.Sum(s => s.Recent.Count(r => r.Type == TransactionType.Transfer && r.DeltaMinor > 0));
        return states.Values.All(s => s.Outbox.Count == 0)
            && states.Values.Sum(s => s.BalanceMinor) == external
            && states.Values.Sum(s => s.IncomingTransfers.Count) <= inFlight.Count
            && credited <= inFlight.Count;
    }
}
