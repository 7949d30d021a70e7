using System.CommandLine;
using PaymentActors.Domain.Ingestion;

namespace PaymentActors.Node.Cli;

/// <summary><c>--import-policy strict|import-overdraft</c>: how ingested records open the accounts they are the first to reach (docs/INGESTION.md).</summary>
public static class ImportPolicyOption
{
    public static Option<ImportPolicy?> Create(string defaultText) => new("--import-policy")
    {
        // The values as they are typed: without it the help listed the enum's names, which the parser refuses.
        HelpName = string.Join("|", ImportPolicies.Names),
        Description = "strict: accounts open with the record's openingBalance and no overdraft, so a debit beyond it is declined; " +
                      $"import-overdraft: they also get the import overdraft, for ledgers whose balances do not add up, such as PaySim (default: {defaultText})",
        CustomParser = r =>
        {
            var text = r.Tokens.Single().Value;
            if (ImportPolicies.TryParse(text, out var policy))
            {
                return policy;
            }

            r.AddError($"--import-policy: '{text}' is not one of {string.Join(", ", ImportPolicies.Names)}");
            return null;
        },
    };
}
