using System.Text.Json.Serialization;
using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Risk;

/// <summary>Confusion matrix of risk decisions (flag or decline = positive) against labels.</summary>
public sealed record RiskEvaluationResult(
    [property: JsonPropertyName("tp")] long TruePositives,
    [property: JsonPropertyName("fp")] long FalsePositives,
    [property: JsonPropertyName("fn")] long FalseNegatives,
    [property: JsonPropertyName("tn")] long TrueNegatives,
    [property: JsonPropertyName("precision")] double Precision,
    [property: JsonPropertyName("recall")] double Recall,
    [property: JsonPropertyName("baselineRecall")] double BaselineRecall)
{
    public static RiskEvaluationResult From(IEnumerable<(bool Positive, bool Fraud, bool BaselineFlag)> rows)
    {
        long tp = 0, fp = 0, fn = 0, tn = 0, baselineTp = 0;
        foreach (var (positive, fraud, baseline) in rows)
        {
            if (positive && fraud)
            {
                tp++;
            }
            else if (positive)
            {
                fp++;
            }
            else if (fraud)
            {
                fn++;
            }
            else
            {
                tn++;
            }

            if (baseline && fraud)
            {
                baselineTp++;
            }
        }

        static double Ratio(long a, long b) => b == 0 ? 0 : Math.Round((double)a / b, 4);
        return new RiskEvaluationResult(tp, fp, fn, tn, Ratio(tp, tp + fp), Ratio(tp, tp + fn), Ratio(baselineTp, tp + fn));
    }
}

/// <summary>
/// Replays labelled transactions in memory through real <see cref="AccountState"/>s and a rule set, exactly
/// as the account actors decide them (the labels never reach the rules), and scores the decisions. The
/// node's <c>evaluate-risk</c> runs the same rules through the real pipeline; this one is for tuning and tests.
/// </summary>
public static class InMemoryRiskEvaluation
{
    /// <summary>Import overdraft: PaySim's reported balances are inconsistent, so replays do not decline for funds.</summary>
    public static readonly AccountPolicy ImportPolicy = new(DefaultOverdraftLimitMinor: ImportPolicies.ImportOverdraftMinor);

    public static RiskEvaluationResult Run(IEnumerable<NormalisedTransaction> transactions, IRiskEvaluator rules)
    {
        var accounts = new Dictionary<string, AccountState>(StringComparer.Ordinal);
        AccountState Get(string id) => accounts.TryGetValue(id, out var s) ? s : accounts[id] = new AccountState(id, ImportPolicy);
        var rows = new List<(bool, bool, bool)>();
        foreach (var t in transactions.OrderBy(t => t.Request.EventTimeMs).ThenBy(t => t.Line))
        {
            var payer = Get(t.Request.AccountId);
            var decision = payer.Decide(t.Request, rules);
            foreach (var e in decision.Events)
            {
                payer.Apply(e);
            }

            if (decision.Outcome.IsApplied && t.Request.Type == TransactionType.Transfer)
            {
                var pending = payer.Outbox.First(p => p.TransferId == t.Request.TransactionId);
                var payee = Get(pending.PayeeId);
                var credit = payee.DecideCredit(pending.TransferId, payer.AccountId, pending.AmountMinor, pending.Currency, pending.EventTimeMs, pending.PayerBalanceBeforeMinor);
                foreach (var e in credit.Events)
                {
                    payee.Apply(e);
                }

                var settled = payer.DecideSettlement(pending.TransferId, credit.Accepted, credit.Reason);
                if (settled is not null)
                {
                    payer.Apply(settled);
                }
            }

            var positive = decision.Outcome.Status == TransactionStatus.Flagged
                || decision.Outcome is { Status: TransactionStatus.Declined, Code: RejectCode.RiskDeclined };
            rows.Add((positive, t.IsFraud == true, t.IsFlaggedFraud == true));
        }

        return RiskEvaluationResult.From(rows);
    }
}
