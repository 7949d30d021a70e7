using PaymentActors.Domain.Accounts;
using PaymentActors.Domain.Ingestion;
using PaymentActors.Domain.Transactions;

namespace PaymentActors.Domain.Tests.Ingestion;

public sealed class ImportPolicyTests
{
    // PaySim row: a CASH_OUT of 500.00 from an account that reports an old balance of 100.00.
    private const string Inconsistent = "1,CASH_OUT,500.00,C1,100.0,0.0,C2,0.0,0.0,0,0";

    private static TransactionRequest Parse(ImportPolicy policy) =>
        new PaySimParser(new IngestionOptions { Clock = () => 42, MaxFutureSkew = TimeSpan.FromDays(36_500), ImportPolicy = policy })
            .Parse(new RawRecord("paysim.csv", 2, Inconsistent)).Transaction!.Request;

    [Fact]
    public void Strict_opens_the_account_without_overdraft_and_declines_a_debit_beyond_its_opening_balance()
    {
        var request = Parse(ImportPolicy.Strict);
        Assert.Null(request.OpeningOverdraftMinor);
        var decision = new AccountState("C1").Decide(request);
        Assert.Equal(TransactionStatus.Declined, decision.Outcome.Status);
        Assert.Equal(RejectCode.InsufficientFunds, decision.Outcome.Code);
    }

    [Fact]
    public void Import_overdraft_opens_the_account_with_the_import_overdraft_and_approves_the_debit()
    {
        var request = Parse(ImportPolicy.ImportOverdraft);
        Assert.Equal(ImportPolicies.ImportOverdraftMinor, request.OpeningOverdraftMinor);
        var account = new AccountState("C1");
        var decision = account.Decide(request);
        Assert.Equal(TransactionStatus.Approved, decision.Outcome.Status);
        Assert.Equal(-40_000, decision.Outcome.BalanceAfterMinor);
        foreach (var e in decision.Events)
        {
            account.Apply(e);
        }

        Assert.Equal(ImportPolicies.ImportOverdraftMinor, account.OverdraftLimitMinor);
        // The fingerprint ignores opening hints: the same row under the other policy is a repeat, not a conflict.
        Assert.True(account.Decide(Parse(ImportPolicy.Strict)).Outcome.IsDuplicate);
    }

    [Theory]
    [InlineData("strict", ImportPolicy.Strict)]
    [InlineData("import-overdraft", ImportPolicy.ImportOverdraft)]
    [InlineData(" Import-Overdraft ", ImportPolicy.ImportOverdraft)]
    public void Policies_parse_from_their_spelling_and_print_it_back(string text, ImportPolicy expected)
    {
        Assert.True(ImportPolicies.TryParse(text, out var policy));
        Assert.Equal(expected, policy);
        Assert.Equal(text.Trim().ToLowerInvariant(), policy.ToWire());
    }

    [Fact]
    public void An_unknown_policy_or_a_negative_opening_overdraft_is_refused_with_its_name()
    {
        Assert.False(ImportPolicies.TryParse("lenient", out _));
        var negative = new TransactionRequest("t1", "A1", TransactionType.Payment, 100, "EUR", null, 0, OpeningOverdraftMinor: -1);
        Assert.StartsWith("openingOverdraft:", TransactionValidation.Validate(negative, out _)!.Message);
    }
}
